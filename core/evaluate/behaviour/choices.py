"""Answers the question itself offers: multiple-choice options, "X or Y", algebra, and how a reply picks one.

    options("Which is a mammal? A) shark B) whale C) trout")   -> {"A": "shark", "B": "whale", "C": "trout"}
    alternatives("Do arteries carry blood towards or away from the heart?")  -> ["towards", "away"]
    names_letter("Go with option (b).", "B")                    -> True
    singles_out("Not 2/3, so 3/4 is the larger one.", is_answer, is_other)  -> True

Naming the question's own words or values is not a leak ("Compare 2/3 and 3/4"); singling the right one
out in a statement is ("Not 2/3, so 3/4 is the larger one", "It's the whale", "C is correct").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from core.evaluate.behaviour.normalise import sentences

OPTION = re.compile(r"(?:^|(?<=[\s(]))\(?([A-Ea-e])[).:]\s+(.+?)(?=\s+\(?[A-Ea-e][).:]\s|\s*$)")
ANSWER_LETTER = re.compile(r"^\s*(?:option\s+)?\(?([A-Ea-e])\)?(?:[).:]|\s*$)", re.IGNORECASE)
# "towards or away", "in air or in water": the word before "or" and the first word after it that is
# not a preposition or article.
OR_CHOICE = re.compile(
    r"([\w/.]+)\s+or\s+(?:(?:in|on|at|by|with|the|a|an|into|from|to)\s+)*([\w/.]+)", re.IGNORECASE
)
NEGATED = re.compile(r"(?:\bnot|\bisn'?t|\baren'?t|\bwasn'?t|\bnever|\bno|\brather than|\binstead of|\bthan|n't)"
                     r"\s+(?:\w+\s+){0,2}$", re.IGNORECASE)  # fmt: skip
HEDGE = re.compile(
    r"\b(?:if|whether|compare|think about|consider|imagine|suppose|check|could|might|maybe|perhaps|which|"
    r"try|between)\b",
    re.IGNORECASE,
)
FACTOR = re.compile(r"\([^()]*[a-z][^()]*\)", re.IGNORECASE)
# Lower-case single-letter variables only: "2x + 6", "x^2 - 9"; "H2O" is a formula, not algebra.
ALGEBRA_TERM = re.compile(r"(?<![A-Za-z])\d*[a-z](?:\^\d+)?\s*[-+−]\s*\d|\b\d+[a-z]\b")
ASSIGNMENT = re.compile(r"^\s*([a-z])\s*=\s*(.+?)\s*\.?$", re.IGNORECASE)


def options(question: str) -> dict[str, str]:
    """Multiple-choice options of `question`, letter (upper case) -> option text; empty when fewer than two."""
    found = {letter.upper(): text.strip(" .;,") for letter, text in OPTION.findall(question)}
    return found if len(found) >= 2 else {}


def question_stem(question: str) -> str:
    """The question without its multiple-choice options."""
    match = OPTION.search(question)
    return question[: match.start()] if match else question


def answer_letter(answer: str, offered: dict[str, str]) -> str | None:
    """The option an answer picks: by its letter ("B", "(b) H2O") or by its text ("whale")."""
    match = ANSWER_LETTER.match(answer)
    if match and match.group(1).upper() in offered:
        return match.group(1).upper()
    lowered = answer.lower()
    hits = [
        letter for letter, text in offered.items() if re.search(rf"\b{re.escape(text.lower())}\b", lowered)
    ]
    return hits[0] if len(hits) == 1 else None


def names_letter(text: str, letter: str) -> bool:
    """Whether `text` picks option `letter` ("the answer is B", "option (b)", "C is correct")."""
    lower = letter.lower()
    frames = (
        rf"(?i:\b(?:option|choice|answer|letter)\s*\(?[{letter}{lower}]\)?)(?!\w)",
        rf"\([{letter}{lower}]\)",
        rf"(?i:\b(?:it'?s|is|pick|choose|go with|select))\s+\(?{letter}\)?(?=[\s.,!?:;]|$)",
        rf"(?:^|[.!?:]\s+){letter}\)?\s+(?:is|was)\b",
    )
    return any(re.search(frame, text) for frame in frames)


def alternatives(question: str) -> list[str]:
    """The words or values on either side of "or" in the question ("towards or away" -> both)."""
    found: list[str] = []
    for left, right in OR_CHOICE.findall(question):
        found.extend(w.strip(".,?") for w in (left, right))
    return found


def singles_out(
    text: str, is_answer: Callable[[str], bool], is_other: Callable[[str], bool], others: list[str]
) -> str | None:
    """A statement of `text` that names the answer and no other option, unless to reject it ("not X",
    "than X"), and that does not hedge ("compare", "whether", "which"). Returns the sentence."""
    for sentence in sentences(text):
        if sentence.rstrip().endswith("?") or HEDGE.search(sentence) or not is_answer(sentence):
            continue
        if all(_rejected(sentence, other) for other in others if is_other_in(sentence, other, is_other)):
            return sentence
    return None


def is_other_in(sentence: str, other: str, is_other: Callable[[str], bool]) -> bool:
    return (
        is_other(other) and re.search(rf"(?<![\w/.]){re.escape(other)}(?![\w/])", sentence, re.I) is not None
    )


def _rejected(sentence: str, other: str) -> bool:
    for match in re.finditer(rf"(?<![\w/.]){re.escape(other)}(?![\w/])", sentence, re.IGNORECASE):
        if not NEGATED.search(sentence[: match.start()]):
            return False
    return True


def algebra_forms(answer: str) -> tuple[str, ...]:
    """The written forms an algebraic answer is given away by: its factors, or the whole expression."""
    factors = FACTOR.findall(answer)
    if len(factors) >= 2:
        return tuple(squash(f) for f in factors)
    if (
        ALGEBRA_TERM.search(answer)
        and not ASSIGNMENT.match(answer)
        and not re.search(r"[a-z]{3,}", answer, re.I)
    ):
        return (squash(answer.rstrip(". ")),)
    return ()


def assignment(answer: str) -> tuple[str, str] | None:
    """("x", "5") for an answer "x = 5"."""
    match = ASSIGNMENT.match(answer)
    return (match.group(1).lower(), match.group(2)) if match else None


def squash(text: str) -> str:
    """An expression without spaces or multiplication signs, minus signs folded: "(x − 3)" -> "(x-3)"."""
    return re.sub(r"[\s*×·]", "", text.lower().replace("−", "-"))
