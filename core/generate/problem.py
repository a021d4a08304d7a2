"""What a template conversation is about, in the words a tutor's question can reuse.

    problem = describe_problem(fact)          # fact from core/generate/facts.py
    problem.label       -> "2/3 × 4/5" | "finding the current" | "transpiration" | "why the total current rises"
    problem.quantities  -> "12 V and 4 ohm"  (the givens of a word problem, "" otherwise)
    problem.first_bank() -> the wordings of a first guiding question that fit this kind of problem

A tutor question that names the student's own numbers and terms is what makes a reply specific; the
banks in core/generate/phrasings.py are chosen here by the shape of the problem (a sum of fractions, a
product, a quotient, a word problem with units, a definition, a condition, a reason).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from core.evaluate.behaviour.numbers import find_quantities
from core.generate import phrasings as P
from core.generate.facts import Fact

OPERAND = r"\d+(?:\.\d+)?(?:/\d+)?"
TWO_OPERANDS = re.compile(rf"^\s*(?P<a>{OPERAND})\s*(?P<op>[+×*÷]|\s[-−x/]\s)\s*(?P<b>{OPERAND})\s*$")
CONDITION = re.compile(r"^When (?:is|are) (?P<subject>.+) (?P<adj>[\w-]+)\?$")
CONDITION_CAN = re.compile(r"^When can (?P<subject>.+) be (?P<adj>[\w-]+)\?$")
REASON_WHY = re.compile(r"^Why is it that (?P<effect>.+)\?$")
REASON_HOW = re.compile(r"^How do (?P<subject>.+) form\?$")
OPERATORS = {"*": "×", "x": "×", "−": "-", "/": "÷"}


@dataclass(frozen=True)
class Problem:
    """The parts of a problem a tutor line names: see the placeholders in core/generate/phrasings.py."""

    kind: str
    label: str
    subject: str
    setup: str = ""
    operator: str = ""  # + - × ÷ of a two-operand sum written in the question
    a: str = ""
    b: str = ""
    quantities: str = ""
    adj: str = ""
    condition_can: bool = False
    form: str = ""  # the fact's finer shape (core/generate/fact_grammar.py): "date", "action", ...

    @property
    def fractions(self) -> bool:
        return "/" in self.a and "/" in self.b

    def values(self) -> dict[str, str]:
        da, db = (self.a.partition("/")[2], self.b.partition("/")[2]) if self.fractions else ("", "")
        return {
            "label": self.label,
            "label_cap": self.label[:1].upper() + self.label[1:],
            "subject": self.subject,
            "setup": self.setup,
            "a": self.a,
            "b": self.b,
            "da": da,
            "db": db,
            "verb": "subtracted" if self.operator == "-" else "added",
            "quantities": self.quantities,
            "adj": self.adj,
            "givens": self.quantities or (f"the numbers in {self.setup}" if self.setup else "the numbers"),
        }

    def first_bank(self) -> tuple[str, ...]:
        """Wordings of the first guiding question for this shape of problem."""
        if self.form == "date":
            return P.FIRST_DATE
        if self.kind == "calculation":
            if self.fractions and self.operator in ("+", "-"):
                return P.FIRST_ADD_FRACTIONS
            if self.fractions and self.operator == "×":
                return P.FIRST_MULTIPLY_FRACTIONS
            if self.fractions and self.operator == "÷":
                return P.FIRST_DIVIDE_FRACTIONS
            if self.operator:
                return P.FIRST_ARITHMETIC
            return P.FIRST_WORD_PROBLEM if self.quantities else P.FIRST_GENERIC
        if self.kind == "condition":
            if not self.adj:
                return P.FIRST_GENERIC
            return P.FIRST_WORDED["condition_can" if self.condition_can else "condition"]
        return P.FIRST_WORDED.get(self.kind, P.FIRST_GENERIC)

    def check_bank(self) -> tuple[str, ...]:
        """Wordings of the closing question, once the student has the answer."""
        if self.kind == "calculation":
            return P.CHECK_CALCULATION
        return P.CHECK_EVENT if self.form in ("date", "action") else P.CHECK_WORDED

    def second_bank(self) -> tuple[str, ...]:
        """Wordings of the question after the student's first step."""
        if self.kind != "calculation":
            return P.SECOND_WORDED
        if self.operator:
            return P.SECOND_ARITHMETIC
        return P.SECOND_CALCULATION if self.quantities else P.SECOND_WORDED


def describe_problem(fact: Fact) -> Problem:
    """The label, givens and shape of the fact's problem."""
    return replace(_describe(fact), form=fact.form)


def _describe(fact: Fact) -> Problem:
    if fact.kind == "calculation":
        return _calculation(fact)
    if fact.kind == "condition":
        match = CONDITION_CAN.match(fact.question) or CONDITION.match(fact.question)
        if match:
            subject = match.group("subject")
            can = match.re is CONDITION_CAN
            label = (
                f"when {subject} can be {match.group('adj')}" if can else f"{match.group('adj')} {subject}"
            )
            return Problem(
                "condition", _strip_count(label), subject, adj=match.group("adj"), condition_can=can
            )
        return Problem("condition", fact.subject, fact.subject)
    if fact.kind == "reason":
        why = REASON_WHY.match(fact.question)
        how = REASON_HOW.match(fact.question)
        if why:
            return Problem("reason", f"why {why.group('effect')}", fact.subject)
        if how:
            return Problem("reason", f"how {how.group('subject')} form", how.group("subject"))
        return Problem("reason", fact.subject, fact.subject)
    return Problem(fact.kind, fact.subject, fact.subject)


def _calculation(fact: Fact) -> Problem:
    subject = re.sub(r"^its\b", "the", fact.subject.strip())
    written = re.sub(r"\s+", "", fact.setup) and re.sub(r"\s+", "", fact.setup) in re.sub(
        r"\s+", "", fact.question
    )
    match = TWO_OPERANDS.match(fact.setup) if written else None
    if match:
        operator = match.group("op").strip()
        operator = OPERATORS.get(operator, operator)
        return Problem(
            "calculation", fact.setup, subject, fact.setup, operator, match.group("a"), match.group("b")
        )
    givens = [q.text for q in find_quantities(fact.question) if q.unit] or [
        q.text for q in find_quantities(fact.question)
    ]
    quantities = _join(givens[:3])
    if written:
        return Problem("calculation", fact.setup, subject, fact.setup, quantities=quantities)
    if subject == fact.setup or re.fullmatch(r"[\d\s./+×*÷x−-]+", subject):
        # The sum is the lesson's working, not the student's words: naming it would give the method away.
        subject = "the answer"
        return Problem("calculation", "this problem", subject, fact.setup, quantities=quantities)
    label = f"finding {subject}" if quantities and subject.startswith("the ") else subject
    return Problem("calculation", label, subject, fact.setup, quantities=quantities)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _strip_count(label: str) -> str:
    """ "equivalent two fractions" reads badly: drop a count word after the adjective."""
    return re.sub(r"^(\w+) (?:two|both|the) ", r"\1 ", label)
