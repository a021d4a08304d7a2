"""Calculation facts: a worked sum in the lesson becomes the question it answers.

    "Worked example: a 12 V battery is connected to a 4 ohm resistor. The current is I = V / R = 12 / 4 = 3 A."
    -> Fact("calculation", "A 12 V battery is connected to a 4 ohm resistor. What is the current?", "3 A", ...)

The value after the last "=" is the answer; the sentences before it that carry numbers set the problem up.
A sum whose left side does not name one quantity ("the slope is b and a = 1") gives no fact.
"""

from __future__ import annotations

import re
from dataclasses import replace
from fractions import Fraction

from core.evaluate.behaviour.numbers import Quantity, evaluate, expression_values, find_quantities
from core.generate.fact_grammar import Context, Fact, capitalise

DETERMINERS = ("a ", "an ", "the ", "its ", "their ", "his ", "her ", "each ", "every ", "one ", "our ")
MAX_NAME_WORDS = 4
CURRENCY = "£$€¥"
SYMBOL = re.compile(r"[A-Za-z][\w²]?|[\d\s./+×*÷x()−-]+")


def calculation_fact(sentence: str, context: Context) -> Fact | None:
    """The calculation a sentence works through, as a question with its value as the answer."""
    for clause in reversed(re.split(r", (?:and|so|then) |; ", sentence)):
        if clause.count("=") >= 1:
            fact = _calculation_clause(clause.strip(), sentence, context.before)
            if fact is not None:
                return fact
    return None


def _calculation_clause(clause: str, sentence: str, before: list[str]) -> Fact | None:
    parts = [p.strip() for p in clause.split("=")]
    final = _final_quantity(parts[-1])
    if final is None or not _has_operation(parts[:-1]):
        return None
    method, _, lhs = parts[0].rpartition(": ") if ": " in parts[0] else ("", "", parts[0])
    question, subject = _calculation_question(lhs.strip(), method, before)
    if question is None or any(q.matches(final) for q in find_quantities(question)):
        return None
    return Fact(
        kind="calculation",
        question=question,
        answer=final.text,
        reference=sentence.rstrip(".") + ".",
        subject=subject,
        method=_method_action(method),
        formula=_formula(parts),
        setup=_setup(parts[:-1]),
        wrong=_wrong_value(final),
    )


def _final_quantity(text: str) -> Quantity | None:
    head = text.split(",")[0].strip().rstrip(".")
    found = find_quantities(head)
    if len(found) != 1:
        return None
    if found[0].text == head:
        return found[0]
    # A sum of money: the currency sign stays in the answer the student says ("£45").
    return replace(found[0], text=head) if head[:1] in CURRENCY and found[0].text == head[1:] else None


def _has_operation(parts: list[str]) -> bool:
    return any(expression_values(p) or re.search(r"\b[A-Za-z]\w*\s*[/×*+−-]\s*[A-Za-z]", p) for p in parts)


def _calculation_question(lhs: str, method: str, before: list[str]) -> tuple[str | None, str]:
    context = _context(before)
    if " is " in lhs:
        name, _, worked = lhs.rpartition(" is ")
        # "The current is I" or "The discount is 0.25 × 60" name one quantity; "the slope is b and a" does not.
        if (
            " is " in name
            or " and " in worked
            or not SYMBOL.fullmatch(worked.strip())
            or len(name.split()) > 8
        ):
            return None, ""
        name = _lower_first(name)
        return (f"{context} What is {name}?".strip() if context else f"What is {name}?"), name
    if expression_values(lhs) and evaluate(lhs) is not None and re.fullmatch(r"[\d\s./+×*÷x−-]+", lhs):
        return (context if context.endswith("?") else f"How do I work out {lhs}?"), lhs
    if re.fullmatch(r"\d+(?:\.\d+)?% of [£$€]?\d+(?:\.\d+)?(?: [a-z]+)?", lhs):
        # "15% of 80 kg = 0.15 × 80 = 12 kg": the phrase is the question; a context that repeats it is dropped.
        return (f"{context} What is {lhs}?" if context and lhs not in context else f"What is {lhs}?"), lhs
    if re.fullmatch(r"[A-Za-z][\w -]{0,40}", lhs) and len(lhs.split()) <= MAX_NAME_WORDS and context:
        name = _noun_phrase(lhs)
        return f"{context} What is {name}?", name
    purpose = re.match(r"to ([^,]+), ", method, flags=re.I)
    if purpose and find_quantities(lhs) and " it " in f" {purpose.group(1)} ":
        action = re.sub(r"\bit\b", lhs, purpose.group(1), count=1)
        return f"How do I {action}?", lhs
    return None, ""


def _context(before: list[str]) -> str:
    """Up to two earlier sentences that set up the numbers (and no result of their own)."""
    useful = [s for s in before[-2:] if find_quantities(s) and "=" not in s]
    cleaned = [re.sub(r"^(?:worked example|example)\s*[:.]\s*", "", s, flags=re.I) for s in useful]
    return " ".join(capitalise(s.rstrip(".") + ("" if s.endswith("?") else ".")) for s in cleaned)


def _noun_phrase(text: str) -> str:
    phrase = text.strip().rstrip(",")
    lowered = phrase[0].lower() + phrase[1:] if phrase[:2] != phrase[:2].upper() else phrase
    return lowered if lowered.lower().startswith(DETERMINERS) else f"the {lowered}"


def _method_action(method: str) -> str:
    method = method.strip()
    match = re.match(r"to [^,]+, (.+)", method, flags=re.I)
    return (match.group(1) if match else method).strip().rstrip(".")


def _formula(parts: list[str]) -> str:
    for index, part in enumerate(parts[1:-1], start=1):
        if re.fullmatch(r"[A-Za-z]\w*(?:\s*[/×*+−x-]\s*[A-Za-z]\w*)+", part):
            symbol = parts[index - 1].split()[-1] if parts[index - 1].split() else ""
            return f"{symbol} = {part}" if re.fullmatch(r"[A-Za-z]\w?", symbol) else part
    return ""


def _setup(parts: list[str]) -> str:
    for part in parts:
        tail = part.rpartition(": ")[2]
        found = expression_values(tail)
        if found:
            return found[0][1]
    return ""


def _wrong_value(final: Quantity) -> str:
    value = final.value * 2 if final.value else Fraction(1)
    currency = final.text[:1] if final.text[:1] in CURRENCY else ""
    written_unit = re.sub(r"^[-−]?[\d.,/ ]+", "", final.text[len(currency) :]).strip()
    unit = "%" if written_unit == "%" else (f" {written_unit}" if written_unit else "")
    if currency:
        return f"{currency}{float(value):g}"
    if value.denominator == 1:
        return f"{value.numerator}{unit}"
    if "/" in final.text:
        return f"{value.numerator}/{value.denominator}{unit}"
    return f"{float(value):g}{unit}"


def _lower_first(text: str) -> str:
    text = text.strip()
    if len(text) > 1 and text[1].isupper():
        return text  # an acronym or symbol ("CO2", "DNA")
    return text[:1].lower() + text[1:]
