"""The offline template teacher: no model, for demos and tests.

    teacher = TemplateTeacher()
    derivation = teacher.derive(source, slot=0, seed=1)       # a fact of the chunk as question + answer
    messages = teacher.write(source, derivation, "frustrated", policy, seed=1)

It finds facts in the chunk with plain patterns (core/generate/facts.py) and writes a 2-4 tutor-turn
conversation for the student's intent from phrase banks (core/generate/phrasings.py), drawn with a seeded
random generator: the same seed gives the same conversation. It follows the default tutor policy by
construction and does not read the policy text; an edited policy needs a model teacher. Every tutor
line is checked against the answer before it is used, so a phrasing that would give the answer away
is replaced by a plainer one.
"""

from __future__ import annotations

import random
from functools import lru_cache

from core.evaluate.behaviour.leaks import AnswerKey, answer_key, states_answer, student_reached
from core.evaluate.behaviour.normalise import STOPWORDS, content_words
from core.generate import phrasings as P
from core.generate.facts import Fact, extract_facts, pick_fact
from core.generate.intents import Intent
from core.generate.problem import describe_problem
from core.generate.teachers import Derivation, Message, NoFactError, RepeatedQuestion, SourceChunk

TEMPLATE_LABEL = "template"
FLOWS = (("short", 0.2), ("normal", 0.55), ("long", 0.25))
# Share of the plain-flow conversations where the student's first step is wrong and the tutor says so. Without
# them every student step in the data is praised, and a tutor trained on it told 19 of 24 wrong students
# they were right (tests/bench/bench_tutor.py measures it).
WRONG_STEP_SHARE = 0.6


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
        fact = pick_fact(facts, slot, source.slot_intents)
        if source.slot_intents and _repeats(facts, fact, slot, source.slot_intents):
            raise RepeatedQuestion(
                f"Every question this chunk gives is already asked here for a {source.slot_intents[slot]} "
                "student; fewer conversations per chunk, or longer material, gives each its own question."
            )
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


def _repeats(facts: tuple[Fact, ...], fact: Fact, slot: int, intents: tuple[str, ...]) -> bool:
    """True when an earlier slot of the chunk asked the same question of a student with the same intent."""
    intent = intents[slot] if slot < len(intents) else ""
    return any(
        pick_fact(facts, earlier, intents).question == fact.question
        and (intents[earlier] if earlier < len(intents) else "") == intent
        for earlier in range(slot)
    )


@lru_cache(maxsize=512)
def chunk_facts(text: str, topic: str) -> tuple[Fact, ...]:
    return tuple(extract_facts(text, topic))


class Writer:
    """Writes one conversation; each `_` method returns one turn's text."""

    def __init__(self, fact: Fact, intent: Intent, topic: str, others: list[str], rng: random.Random) -> None:
        self.fact, self.intent, self.rng = fact, intent, rng
        self.key: AnswerKey = answer_key(fact.reference, fact.question, fact.answer)
        self.problem = describe_problem(fact)
        other = rng.choice(others) if others else topic
        self.values = {
            **self.problem.values(),
            "q": fact.question,
            "q_lower": fact.question[:1].lower() + fact.question[1:],
            "topic": topic,
            "answer": fact.answer,
            "other": other,
            "canary": rng.choice(P.CANARIES),
            "misconception": self._misconception(other),
            "wrong": self._wrong(other),
        }
        self.values["wrong_cap"] = _capitalise(self.values["wrong"])
        self.values["attempt_short"] = ""
        self.asked_off_topic = False  # set by _opener: the student named no question
        self.asked: set[str] = set()  # guiding questions so far, so that none is asked twice
        self.breaks_rules = False  # set by _opener: the student asked the tutor to drop its rules

    def pick(self, options: tuple[str, ...], **extra: str) -> str:
        return self.rng.choice(options).format(**self.values, **extra)

    def tutor(self, *options: tuple[str, ...], prefix: str = "") -> str:
        """The first wording that does not state the answer (the last bank is the plain fallback)."""
        for bank in options:
            for text in self.rng.sample(bank, len(bank)):
                question = text.format(**self.values)
                line = f"{prefix} {question}".strip()
                if question not in self.asked and states_answer(line, self.key) is None:
                    self.asked.add(question)
                    return line
        return f"{prefix} What is the first step you would take with {self.problem.label}?".strip()

    def conversation(self) -> list[Message]:
        flow = self.rng.choices([f for f, _ in FLOWS], weights=[w for _, w in FLOWS])[0]
        opener = self._opener()
        turns = [opener]
        if self.asked_off_topic:
            # Asked about something else entirely: decline, ask what they are working on, then tutor that.
            turns += [self.tutor(P.DECLINE_AND_ASK), self.pick(P.BRING_QUESTION)]
            turns.append(self.tutor(*self._first_banks()))
            flow = "normal"
        else:
            turns.append(self._first_reply())
        if flow != "short":
            # Only in the plain flow: the others already have as many tutor turns as a conversation may.
            if flow == "normal" and not self.asked_off_topic and self.rng.random() < WRONG_STEP_SHARE:
                turns += [self._wrong_attempt(), self._correction()]
            turns += [self._attempt(), self._second_reply(self.rng.random() < 0.5)]
            if flow == "long" and not self.problem.operator:
                turns[-1] = self._extra_step()
                turns += [self._extra_answer(), self._second_reply(praise=True)]
        turns += [self._answer(), self._confirm()]
        roles = ("user", "assistant")
        return [{"role": roles[i % 2], "content": text} for i, text in enumerate(turns)]

    def _opener(self) -> str:
        if self.intent != "off_topic":
            return self.pick(P.OPENERS[self.intent])
        text, request = self.rng.choice(P.OFF_TOPIC)
        self.values["request"] = request or ""
        self.values["request_cap"] = _capitalise(request or "")
        self.asked_off_topic = request is not None and "{q" not in text
        self.breaks_rules = request is None
        return text.format(**self.values)

    def _first_reply(self) -> str:
        bank = "ignore_rules" if self.breaks_rules else self.intent
        acknowledgement = self.pick(P.ACKNOWLEDGE[bank])
        return self.tutor(*self._first_banks(), prefix=acknowledgement)

    def _first_banks(self) -> tuple[tuple[str, ...], ...]:
        """The first question's wordings: about this problem, and about the student's own answer or idea."""
        banks: list[tuple[str, ...]] = []
        if self.intent == "wrong_answer" and self.rng.random() < 0.5:
            banks.append(P.FIRST_WRONG)
        if self.intent == "misconception" and self.problem.operator and self.rng.random() < 0.6:
            banks.append(P.FIRST_MISCONCEPTION)
        banks += [self.problem.first_bank(), P.FIRST_GENERIC]
        return tuple(banks)

    def _attempt(self) -> str:
        lead = self.pick(P.PUSH_AGAIN) + " " if self.intent == "just_tell_me" else ""
        fact = self.fact
        if fact.kind == "calculation":
            if fact.formula:
                self.values["attempt_short"] = fact.formula
                return lead + self.pick(P.ATTEMPT_FORMULA, formula=fact.formula)
            if fact.method:
                return lead + self.pick(P.ATTEMPT_METHOD, method=_lower_first(fact.method))
            if fact.setup:
                # Not echoed in the praise: a tutor repeating the sum that gives the answer states its last step.
                return lead + self.pick(P.ATTEMPT_SETUP)
            return lead + "I think I need the numbers from the question."
        partial = self._partial()
        if partial:
            return lead + self.pick(P.ATTEMPT_PARTIAL, partial=partial)
        return lead + self.pick(P.ATTEMPT_UNSURE)

    def _wrong_attempt(self) -> str:
        lead = self.pick(P.PUSH_AGAIN) + " " if self.intent == "just_tell_me" else ""
        return lead + self.pick(P.ATTEMPT_WRONG)

    def _correction(self) -> str:
        """Says the step is wrong, without praise and without the answer, then asks about the problem."""
        return self.tutor(self.problem.first_bank(), P.FIRST_GENERIC, prefix=self.pick(P.CORRECT_STEP))

    def _praise_step(self) -> str:
        """Praise that names the step the student took, where it can be named without giving anything away."""
        return self.pick(P.PRAISE_STEP if self.values["attempt_short"] else P.PRAISE_GENERIC)

    def _second_reply(self, praise: bool = True) -> str:
        return self.tutor(self.problem.second_bank(), prefix=self._praise_step() if praise else "")

    def _extra_step(self) -> str:
        bank = P.EXTRA_STEP_CALCULATION if self.problem.quantities else P.EXTRA_STEP_WORDED
        return self.tutor(bank, self.problem.second_bank(), prefix=self._praise_step())

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
        if self.problem.quantities:
            return self.pick(P.EXTRA_ANSWER_CALCULATION)
        return self.pick(P.EXTRA_ANSWER_WORDED)

    def _answer(self) -> str:
        return self.pick(P.ANSWERS[self.fact.kind])

    def _confirm(self) -> str:
        confirm = P.CONFIRM_CALCULATION if self.fact.kind == "calculation" else P.CONFIRM_WORDED
        return f"{self.pick(confirm)} {self.pick(self.problem.check_bank())}"

    def _misconception(self, other: str) -> str:
        unrelated = not content_words(other) & content_words(self.fact.subject)
        worded = (
            f"{self.fact.subject} is just another word for {other}"
            if unrelated
            else "you just have to memorise this bit"
        )
        return P.WRONG_METHODS.get(self.problem.operator, worded)

    def _wrong(self, other: str) -> str:
        if self.fact.wrong:
            return self.fact.wrong
        unrelated = not content_words(other) & content_words(self.fact.subject)
        return f"something to do with {other}" if unrelated else "something random"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) < 2 else text


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
