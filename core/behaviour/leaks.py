"""Answer leaks: does a tutor turn state the reference answer before the student has reached it?

    key = answer_key("The current is I = V / R = 12 / 4 = 3 A.", question="... What is the current?")
    states_answer("So the current is 3 amps.", key)    -> Statement(how="number", evidence="3 amps")
    states_answer("What does 12 / 4 give you?", key)   -> None (a guiding question on the last step)
    find_leak(messages, key)                           -> Leak(turn=2, ...) or None

A tutor turn states the answer when it contains, before any student turn did:
- the short answer verbatim (after folding case and punctuation);
- the final value (the first value after the answer's last "=", else its last value that the question
  does not give), however written: "0.5" = "1/2" = "half" = "50%", "3 A" = "3 amps";
- the final step given away: a statement (not a question) that writes out arithmetic equal to it;
- for a worded answer, most of its key words (those the question does not already contain): 60% of
  them in a statement, all of them in a question ("Is it because chlorophyll reflects green light?").
When the answer only re-writes a value in another form ("2 1/3 as an improper fraction" -> "7/3"), the
written form is compared instead of the value, since the tutor must be able to say "2 1/3".
The student has reached the answer once a student turn states it, with a looser bar (half the key words).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from core.behaviour.normalise import collapse, content_words, sentences
from core.behaviour.numbers import Quantity, expression_values, find_quantities

LeakKind = Literal["verbatim", "number", "final step", "key phrase"]
STATEMENT_COVERAGE = 0.6
QUESTION_COVERAGE = 1.0
STUDENT_COVERAGE = 0.5
MIN_VERBATIM_CHARS = 3
MAX_NUMERIC_TERMS = 3  # an answer with more key words than this is worded, even if it mentions numbers
# Words that carry no part of an answer's meaning, whatever the subject.
GENERIC_ANSWER_WORDS = frozenset(
    """
    answer because called known mean means meaning equal equals work worked out result lesson example
    call calls name named term word therefore thus give gives
    """.split()  # noqa: SIM905
)


@dataclass(frozen=True)
class AnswerKey:
    """What counts as stating one reference answer (build it with `answer_key`)."""

    reference: str
    question: str
    short_answer: str
    final: Quantity | None  # the value the student has to reach, when the answer is a number
    by_form: bool  # the answer re-writes a value in another form (2 1/3 -> 7/3): match the written form
    key_terms: frozenset[str]  # the answer's meaning-bearing words that the question does not contain


@dataclass(frozen=True)
class Statement:
    how: LeakKind
    evidence: str


@dataclass(frozen=True)
class Leak:
    """The first tutor turn that gave the answer away (its index in the message list) and how."""

    turn: int
    how: LeakKind
    evidence: str

    def describe(self) -> str:
        return f"tutor turn {self.turn + 1} states the answer ({self.how}: {self.evidence!r}) before the student reached it"


def answer_key(reference_answer: str, question: str = "", short_answer: str | None = None) -> AnswerKey:
    """The answer to look for: the short answer when given (e.g. "3 A"), else the reference answer."""
    source = (short_answer or "").strip() or reference_answer
    asked = find_quantities(question)
    # The value a worked answer arrives at follows its last "=" ("... = 11/12, not 3/7"); otherwise
    # the last value the question does not already give is taken as the one to reach.
    tail = source.rsplit("=", 1)[1] if "=" in source else source
    candidates = find_quantities(tail)
    fresh = [q for q in candidates if not any(q.matches(a) for a in asked)]
    if "=" in source:
        fresh = fresh[:1]
    terms = content_words(source) - content_words(question) - GENERIC_ANSWER_WORDS
    # A worded answer that mentions numbers on the way ("the voltage is shared (6 V across 4 ohms)") is
    # judged by its words; a worked result or a short value by its value.
    numeric = "=" in source or len(terms) <= MAX_NUMERIC_TERMS
    if not fresh and numeric:
        # "Simplify 12/16" -> "3/4": the answer is a value the question gives, written another way.
        fresh = [q for q in candidates if any(q.matches(a) and _form(q) != _form(a) for a in asked)][-1:]
    final = fresh[-1] if fresh and numeric else None
    others = find_quantities(source.rsplit("=", 1)[0]) if "=" in source else []
    by_form = final is not None and any(
        q.value == final.value and _form(q) != _form(final) for q in others + asked
    )
    return AnswerKey(
        reference=reference_answer,
        question=question,
        short_answer=collapse(short_answer or ""),
        final=final,
        by_form=by_form,
        key_terms=frozenset(terms),
    )


def states_answer(text: str, key: AnswerKey) -> Statement | None:
    """How `text` (a tutor turn) gives the answer away, or None when it does not."""
    if verbatim := _verbatim(text, key):
        return Statement("verbatim", verbatim)
    if key.final is not None:
        return _numeric(text, key.final, key.by_form, asked=key.question)
    return _worded(text, key, STATEMENT_COVERAGE, QUESTION_COVERAGE)


def student_reached(text: str, key: AnswerKey) -> bool:
    """Whether a student turn already contains the answer (after which the tutor may confirm it)."""
    if _verbatim(text, key):
        return True
    if key.final is not None:
        return any(_same(q, key.final, key.by_form) for q in find_quantities(text))
    return _worded(text, key, STUDENT_COVERAGE, STUDENT_COVERAGE) is not None


def find_leak(messages: Sequence[Mapping[str, str]], key: AnswerKey) -> Leak | None:
    """The first tutor turn that states the answer before any student turn reached it."""
    for index, message in enumerate(messages):
        if message.get("role") == "user" and student_reached(message.get("content", ""), key):
            return None
        if message.get("role") == "assistant":
            found = states_answer(message.get("content", ""), key)
            if found is not None:
                return Leak(index, found.how, found.evidence)
    return None


def reached_at(messages: Sequence[Mapping[str, str]], key: AnswerKey) -> int | None:
    """The index of the first student turn that reached the answer, None when none did."""
    for index, message in enumerate(messages):
        if message.get("role") == "user" and student_reached(message.get("content", ""), key):
            return index
    return None


def _verbatim(text: str, key: AnswerKey) -> str | None:
    short = key.short_answer
    if len(short) < MIN_VERBATIM_CHARS:
        return None
    return short if f" {short} " in f" {collapse(text)} " else None


def _form(quantity: Quantity) -> str:
    return "".join(quantity.text.split()).lower()


def _same(quantity: Quantity, final: Quantity, by_form: bool) -> bool:
    return _form(quantity) == _form(final) if by_form else quantity.matches(final)


def _numeric(text: str, final: Quantity, by_form: bool = False, asked: str = "") -> Statement | None:
    for quantity in find_quantities(text):
        if _same(quantity, final, by_form):
            return Statement("number", quantity.text)
    # Naming the sum the question itself asks about ("let's look at 2/3 × 4/5") gives nothing away.
    given = {"".join(written.split()) for _value, written in expression_values(asked)}
    for sentence in sentences(text):
        if sentence.rstrip().endswith("?"):
            continue  # asking for the last step is the guiding question, not the answer
        for value, written in expression_values(sentence):
            if value == final.value and not by_form and "".join(written.split()) not in given:
                return Statement("final step", written)
    return None


def _worded(text: str, key: AnswerKey, statement_bar: float, question_bar: float) -> Statement | None:
    terms = key.key_terms
    if not terms:
        return None
    for sentence in sentences(text):
        found = terms & content_words(sentence)
        bar = question_bar if sentence.rstrip().endswith("?") else statement_bar
        if found and len(found) / len(terms) >= bar and (len(found) >= 2 or len(terms) == 1):
            return Statement("key phrase", ", ".join(sorted(found)))
    return None
