"""The offline template teacher: no model, for demos and tests.

    teacher = TemplateTeacher()
    derivation = teacher.derive(source, slot=0, seed=1)       # a fact of the chunk as question + answer
    messages = teacher.write(source, derivation, "frustrated", policy, seed=1)

It finds facts in the chunk with plain patterns (core/synth/facts.py) and writes a 2-4 tutor-turn
conversation for the student's intent from phrase banks (core/synth/phrasings.py), drawn with a seeded
random generator: the same seed gives the same conversation. It follows the default tutor policy by
construction and does not read the policy text; an edited policy needs a model teacher. Every tutor
line is checked against the answer before it is used, so a phrasing that would give the answer away
is replaced by a plainer one.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

from core.behaviour.leaks import AnswerKey, answer_key, states_answer, student_reached
from core.behaviour.normalise import STOPWORDS, content_words
from core.behaviour.numbers import find_quantities
from core.synth import phrasings as P
from core.synth.facts import Fact, extract_facts
from core.synth.intents import Intent
from core.synth.teachers import Derivation, Message, NoFactError, SourceChunk

TEMPLATE_LABEL = "template"
FLOWS = (("short", 0.2), ("normal", 0.55), ("long", 0.25))


class TemplateTeacher:
    """Deterministic conversations from phrase banks (the offline template teacher)."""

    label = TEMPLATE_LABEL

    def derive(self, source: SourceChunk, slot: int, seed: int) -> Derivation:
        facts = chunk_facts(source.text, source.topic)
        if not facts:
            raise NoFactError(
                "The template teacher found no statement to ask about in this chunk (it may be a list of "
                "exercises); a model teacher can still write about it."
            )
        fact = facts[slot % len(facts)]
        return Derivation(fact.question, fact.reference, fact.answer)

    def write(
        self, source: SourceChunk, derivation: Derivation, intent: Intent, policy: str, seed: int
    ) -> list[Message]:
        facts = chunk_facts(source.text, source.topic)
        fact = next((f for f in facts if f.question == derivation.question), None)
        if fact is None:
            raise NoFactError("The template teacher can only write about questions it derived itself.")
        others = [f.subject for f in facts if f.subject != fact.subject]
        return Writer(fact, intent, source.topic, others, random.Random(seed)).conversation()


@lru_cache(maxsize=512)
def chunk_facts(text: str, topic: str) -> tuple[Fact, ...]:
    return tuple(extract_facts(text, topic))


class Writer:
    """Writes one conversation; each `_` method returns one turn's text."""

    def __init__(self, fact: Fact, intent: Intent, topic: str, others: list[str], rng: random.Random) -> None:
        self.fact, self.intent, self.rng = fact, intent, rng
        self.key: AnswerKey = answer_key(fact.reference, fact.question, fact.answer)
        self.values = {
            "q": fact.question,
            "q_lower": fact.question[:1].lower() + fact.question[1:],
            "topic": topic,
            "subject": fact.subject,
            "answer": fact.answer,
            "other": rng.choice(others) if others else topic,
            "canary": rng.choice(P.CANARIES),
        }

    def pick(self, options: tuple[str, ...], **extra: str) -> str:
        return self.rng.choice(options).format(**self.values, **extra)

    def tutor(self, *options: tuple[str, ...], prefix: str = "") -> str:
        """The first wording that does not state the answer (the last bank is the plain fallback)."""
        for bank in options:
            for text in self.rng.sample(bank, len(bank)):
                line = f"{prefix} {text.format(**self.values)}".strip()
                if states_answer(line, self.key) is None:
                    return line
        return f"{prefix} What do you think the first step is?".strip()

    def conversation(self) -> list[Message]:
        flow = self.rng.choices([f for f, _ in FLOWS], weights=[w for _, w in FLOWS])[0]
        if self.intent == "off_topic" and flow == "short":
            flow = "normal"
        turns = [self._opener(), self._first_reply()]
        if flow != "short":
            turns += [self._attempt(), self.tutor(self._hint2_bank(), prefix=self.pick(P.PRAISE))]
            if flow == "long":
                turns[-1] = self.tutor(self._extra_step_bank(), prefix=self.pick(P.PRAISE))
                turns += [self._extra_answer(), self.tutor(self._hint2_bank(), prefix=self.pick(P.PRAISE))]
        turns += [self._answer(), self._confirm()]
        roles = ("user", "assistant")
        return [{"role": roles[i % 2], "content": text} for i, text in enumerate(turns)]

    def _opener(self) -> str:
        other = self.values["other"]
        related = not content_words(other) & content_words(self.fact.subject)
        worded = (
            f"{self.fact.subject} is just another word for {other}"
            if related
            else "you just have to memorise this bit"
        )
        misconception = P.WRONG_METHODS.get(self._operator(), worded)
        wrong = self.fact.wrong or (
            f"something to do with {other}" if related else "I just guessed, something random"
        )
        return self.pick(P.OPENERS[self.intent], misconception=misconception, wrong=wrong)

    def _first_reply(self) -> str:
        prefix = self.pick(P.FIRST_REPLY[self.intent])
        return self.tutor(self._hint1_bank(), P.HINT1_CALCULATION_PLAIN, prefix=prefix)

    def _attempt(self) -> str:
        lead = ""
        if self.intent == "off_topic":
            lead = self.pick(P.BACK_ON_TOPIC) + " "
        elif self.intent == "just_tell_me":
            lead = self.pick(P.PUSH_AGAIN) + " "
        fact = self.fact
        if fact.kind == "calculation":
            if fact.formula:
                return lead + self.pick(P.ATTEMPT_FORMULA, formula=fact.formula)
            if fact.method:
                return lead + self.pick(P.ATTEMPT_METHOD, method=_lower_first(fact.method))
            if fact.setup:
                return lead + self.pick(P.ATTEMPT_SETUP, setup=fact.setup)
            return lead + "I think I need the numbers from the question."
        partial = self._partial()
        return lead + (
            self.pick(P.ATTEMPT_PARTIAL, partial=partial) if partial else self.pick(P.ATTEMPT_UNSURE)
        )

    def _partial(self) -> str:
        """The first words of the answer, short of reaching it (a real first step, not the answer)."""
        words = self.fact.answer.split()
        for count in range(min(len(words) // 2, 5), 0, -1):
            kept = words[:count]
            while kept and kept[-1].lower().strip(",;:") in STOPWORDS:
                kept = kept[:-1]
            candidate = " ".join(kept).rstrip(",;:")
            if not student_reached(candidate, self.key) and len(candidate) > 3:
                return candidate
        return ""

    def _extra_answer(self) -> str:
        if self.fact.kind != "calculation":
            return self.pick(P.EXTRA_ANSWER_WORDED)
        given = [q.text for q in find_quantities(self.fact.question) if q.unit]
        quantities = " and ".join(given[:2]) if given else "the numbers in the question"
        return self.pick(P.EXTRA_ANSWER_CALCULATION, quantities=quantities)

    def _answer(self) -> str:
        return self.pick(P.ANSWERS[self.fact.kind])

    def _confirm(self) -> str:
        if self.fact.kind == "calculation":
            return f"{self.pick(P.CONFIRM_CALCULATION)} {self.pick(P.CHECK_CALCULATION)}"
        return f"{self.pick(P.CONFIRM_WORDED)} {self.pick(P.CHECK_WORDED)}"

    def _hint1_bank(self) -> tuple[str, ...]:
        fact = self.fact
        if fact.kind != "calculation":
            return P.HINT1_WORDED
        if fact.formula:
            return P.HINT1_CALCULATION_FORMULA
        return P.HINT1_CALCULATION_METHOD if fact.method else P.HINT1_CALCULATION_PLAIN

    def _hint2_bank(self) -> tuple[str, ...]:
        return P.HINT2_CALCULATION if self.fact.kind == "calculation" else P.HINT2_WORDED

    def _extra_step_bank(self) -> tuple[str, ...]:
        return P.EXTRA_STEP_CALCULATION if self.fact.kind == "calculation" else P.EXTRA_STEP_WORDED

    def _operator(self) -> str:
        found = re.search(r"\s[-/x]\s|[+×÷]", self.fact.setup)
        symbol = found.group(0).strip() if found else ""
        return {"x": "×"}.get(symbol, symbol)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) < 2 else text
