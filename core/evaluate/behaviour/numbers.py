"""Quantities in text, normalised so that different spellings of one value compare equal.

    find_quantities("It is 0.5 A, or half an amp")   -> [Quantity(1/2, "A"), Quantity(1/2, None)]
    Quantity.matches: 1/2 = 0.5 = "half" = "one half" = 50%; "3 amps" = "3 A" = "3" = "3000 mA";
                      "3 A" != "3 V"; 0.8333 = 5/6 (a decimal matches the value it rounds);
                      3 × 10^8 = 3e8 = 300,000,000 = "300 million"; "nineteen eighty-nine" = 1989
    expression_values("so 3/12 + 8/12 gives")        -> [(Fraction(11, 12), "3/12 + 8/12")]
    expression_values("twelve divided by four")      -> [(Fraction(3), "12 ÷ 4")]

A unit only separates two values when both carry one, so "3" matches "3 A" (a tutor who says "it's 3"
has given the answer away) but "3 V" does not. Bare word numbers ("three") count; "one" on its own
counts only where it stands as a value ("the probability is one."), because "one step at a time" is
not a value. A number that labels something ("step 3", "question 2") is not a value, and the word a
number counts ("3 resistors") is kept as its `noun`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from core.evaluate.behaviour.number_words import SCALE_WORDS, digits_for_words, word_numbers
from core.evaluate.behaviour.units import SYMBOL_UNITS, WORD_UNITS, canonical_unit, in_base_units

DENOMINATORS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4, "fourths": 4,
    "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "seventh": 7, "sevenths": 7, "eighth": 8, "eighths": 8,
    "ninth": 9, "ninths": 9, "tenth": 10, "tenths": 10, "eleventh": 11, "elevenths": 11, "twelfth": 12,
    "twelfths": 12, "hundredth": 100, "hundredths": 100,
}  # fmt: skip
SMALL_WORDS = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen"
)
TENS_WORDS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
UNIT = rf"(?:\s?(?P<unit>{SYMBOL_UNITS})(?![\w²³^])|\s(?P<wunit>(?i:{WORD_UNITS}))\b)"
SCALE = rf"(?:\s+(?P<scale>hundred|{'|'.join(SCALE_WORDS)})\b)"
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
SCIENTIFIC = re.compile(
    r"(?:(?<![\w.,/^])(?:(?P<mant>\d+(?:\.\d+)?)\s*(?:[×x*]|\\times)\s*)?10\s*(?:\^|\*\*)\s*\(?(?P<exp>[-−]?\d+)\)?"
    r"|(?<![\w.,/^])(?:(?P<mant2>\d+(?:\.\d+)?)\s*(?:[×x*])\s*)?10(?P<sup>[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
    r"|(?<![\w.,/^])(?P<mant3>\d+(?:\.\d+)?)[eE](?P<exp3>[-−+]?\d+)\b)" + UNIT + "?"
)
NUMERIC = re.compile(
    r"(?<![\w.,/^])(?P<sign>[-−](?=\d))?(?:(?P<whole>\d+)\s+(?P<mnum>\d+)/(?P<mden>\d+)"
    r"|(?P<num>\d+)/(?P<den>\d+)|(?P<dec>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+))(?![\d/])"
    + SCALE
    + "?"
    + UNIT
    + "?"
)
WORD_NUMBER = rf"(?:(?:{TENS_WORDS})(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?|{SMALL_WORDS})"
FRACTION_WORDS = re.compile(
    rf"(?i:\b(?:(?P<whole>{WORD_NUMBER}|\d+) and )?(?:(?P<num>an?|{WORD_NUMBER}|\d+)[\s-]+)?"
    rf"(?P<den>{'|'.join(DENOMINATORS)})\b)" + UNIT + "?"
)
AFTER_WORDS = re.compile(SCALE + "?" + UNIT + "?")
LABELS = re.compile(
    r"\b(?:step|question|part|page|line|exercise|example|figure|fig|chapter|section|unit|lesson|number|no|"
    r"table|slide|problem|task|item|row|column)\.?\s*$",
    re.IGNORECASE,
)
# "one" stands as a value when nothing it counts follows: the end of a clause, a unit, "whole".
ONE_AS_VALUE = re.compile(r"\s*(?:[.,;:!?)]|$|whole\b|exactly\b|too\b|here\b)", re.IGNORECASE)
ONE_NOT_VALUE = re.compile(
    r"\b(?:the|this|that|which|each|every|no|any|another|some|a|an|at|one|no)\s+$", re.I
)
NOUN = re.compile(r"\s+([a-z][a-z'-]+)")
NOT_NOUNS = frozenset(
    """
    and or but to of in on at by for from with is are was were be been it its that this than then so as
    times plus minus over divided multiplied if when which what who how into per out up down more less
    """.split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Quantity:
    """A value (exact fraction) with its unit (canonical symbol, None when bare) and the text it came from.

    `noun` is the word the number counts ("3 resistors" -> "resistors"), `label` marks a number that
    names something ("step 3")."""

    value: Fraction
    unit: str | None
    text: str
    noun: str | None = None
    label: bool = False

    @property
    def places(self) -> int:
        """Decimal places as written ("0.8333" -> 4); 0 for whole numbers, fractions and words."""
        found = re.search(r"\d\.(\d+)\b", self.text)
        return len(found.group(1)) if found and "×" not in self.text and "^" not in self.text else 0

    def matches(self, other: Quantity) -> bool:
        """Same value (in the same base unit when both name one); 50% = 1/2; 0.83 = 5/6 (rounded)."""
        if self.unit is not None and other.unit is not None:
            (mine, unit), (theirs, other_unit) = (
                in_base_units(self.value, self.unit),
                in_base_units(other.value, other.unit),
            )
            return unit == other_unit and _close(mine, self.places, theirs, other.places)
        if _close(self.value, self.places, other.value, other.places):
            return True
        return any(
            a.unit == "%" and b.unit is None and _close(a.value / 100, a.places + 2, b.value, b.places)
            for a, b in ((self, other), (other, self))
        )


def _close(a: Fraction, a_places: int, b: Fraction, b_places: int) -> bool:
    """Equal, or one is a decimal of two or more places that the other rounds to."""
    if a == b:
        return True
    for value, places, other in ((a, a_places, b), (b, b_places, a)):
        if places >= 2 and _rounded(other, places) == value:
            return True
    return False


def _rounded(value: Fraction, places: int) -> Fraction:
    scale = 10**places
    return Fraction(int(value * scale + (Fraction(1, 2) if value >= 0 else Fraction(-1, 2))), scale)


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity in `text`, in reading order: digits, fractions, mixed numbers, powers of ten, words."""
    return list(_find_quantities(text))


@lru_cache(maxsize=8192)
def _find_quantities(text: str) -> tuple[Quantity, ...]:
    found: list[tuple[int, Quantity]] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(start < t_end and t_start < end for t_start, t_end in taken)

    def add(start: int, end: int, value: Fraction, unit: str | None) -> None:
        written = text[start:end].strip()
        found.append((start, Quantity(value, unit, written, _noun(text, end, unit), _is_label(text, start))))
        taken.append((start, end))

    for match in SCIENTIFIC.finditer(text):
        add(match.start(), match.end(), _scientific_value(match), _unit(match))
    for match in NUMERIC.finditer(text):
        if free(*match.span()):
            add(match.start(), match.end(), _numeric_value(match), _unit(match))
    for match in FRACTION_WORDS.finditer(text):
        value = _fraction_word_value(match)
        if value is not None and free(*match.span()):
            add(match.start(), match.end(), value, _unit(match))
    for start, end, whole in word_numbers(text):
        if not free(start, end) or (text[start:end].lower() == "one" and not _one_is_value(text, start, end)):
            continue
        after = AFTER_WORDS.match(text, end)
        value = Fraction(whole) * (_scale(after.group("scale")) if after and after.group("scale") else 1)
        add(start, after.end() if after else end, value, _unit(after) if after else None)
    return tuple(quantity for _, quantity in sorted(found, key=lambda pair: pair[0]))


def _one_is_value(text: str, start: int, end: int) -> bool:
    return bool(ONE_AS_VALUE.match(text, end)) and not ONE_NOT_VALUE.search(text[:start])


def _noun(text: str, end: int, unit: str | None) -> str | None:
    if unit is not None:
        return None
    found = NOUN.match(text, end)
    word = found.group(1).lower() if found else None
    return word if word and word not in NOT_NOUNS else None


def _is_label(text: str, start: int) -> bool:
    return bool(LABELS.search(text[max(0, start - 20) : start]))


def _scale(word: str) -> int:
    return 100 if word.lower() == "hundred" else SCALE_WORDS[word.lower()]


def _scientific_value(match: re.Match[str]) -> Fraction:
    if match.group("mant3"):
        return Fraction(match.group("mant3")) * Fraction(10) ** int(match.group("exp3").replace("−", "-"))
    mantissa = match.group("mant") or match.group("mant2") or "1"
    exponent = match.group("exp") or match.group("sup").translate(SUPERSCRIPTS)
    return Fraction(mantissa) * Fraction(10) ** int(exponent.replace("−", "-"))


def _numeric_value(match: re.Match[str]) -> Fraction:
    sign = -1 if match.group("sign") else 1
    scale = _scale(match.group("scale")) if match.group("scale") else 1
    if match.group("whole"):
        whole, num, den = (int(match.group(k)) for k in ("whole", "mnum", "mden"))
        return sign * (whole + _safe_fraction(num, den)) * scale
    if match.group("num"):
        return sign * _safe_fraction(int(match.group("num")), int(match.group("den"))) * scale
    return sign * Fraction(match.group("dec").replace(",", "")) * scale


def _safe_fraction(num: int, den: int) -> Fraction:
    return Fraction(num, den) if den else Fraction(num)


def _fraction_word_value(match: re.Match[str]) -> Fraction | None:
    den = DENOMINATORS[match.group("den").lower()]
    num_text = (match.group("num") or "").lower()
    if not num_text and den != 2:
        return None  # "the third law" is an ordinal, not a third
    if den == 2 and match.group("den").lower() == "halves" and not num_text:
        return None  # "the current halves" is a verb
    num = 1 if num_text in ("", "a", "an") else _word_int(num_text)
    whole = match.group("whole")
    return (_word_int(whole.lower()) if whole else 0) + Fraction(num, den)


def _word_int(word: str) -> int:
    if word.isdigit():
        return int(word)
    return word_numbers(word)[0][2]


def _unit(match: re.Match[str]) -> str | None:
    unit = match.group("unit") or match.group("wunit")
    return canonical_unit(unit) if unit else None


OPERATOR = r"(?:\s*[+×*÷]\s*|\s+[-−x/]\s+)"
OPERAND = r"(?<![\w./])\d+(?:\.\d+)?(?:/\d+)?(?![\w/]|\.\d)"
NUM = r"(\d+(?:\.\d+)?(?:/\d+)?)(?:\s?(?:" + SYMBOL_UNITS + r")(?![\w²³]))?"
THE = r"(?:the |your |a |an )?"
EXPRESSION = re.compile(rf"{OPERAND}(?:{OPERATOR}{OPERAND})+")
WORD_OPERATIONS = (
    (re.compile(rf"\bdivide {THE}{NUM} by {THE}{NUM}", re.I), r"\1 ÷ \2"),
    (re.compile(rf"\bmultiply {THE}{NUM} by {THE}{NUM}", re.I), r"\1 × \2"),
    (re.compile(rf"\badd {THE}{NUM} (?:and|to) {THE}{NUM}", re.I), r"\1 + \2"),
    (re.compile(rf"\bsubtract {THE}{NUM} from {THE}{NUM}", re.I), r"\2 − \1"),
    (re.compile(rf"\btake {THE}{NUM} (?:away )?from {THE}{NUM}", re.I), r"\2 − \1"),
    (re.compile(rf"\btake {THE}{NUM} away from {THE}{NUM}", re.I), r"\2 − \1"),
    (re.compile(r"\s+(?:divided by|over)\s+", re.I), " ÷ "),
    (re.compile(r"\s+(?:times|multiplied by|lots of)\s+", re.I), " × "),
    (re.compile(r"\s+plus\s+", re.I), " + "),
    (re.compile(r"\s+(?:minus|take away)\s+", re.I), " − "),
)


def expression_values(text: str) -> list[tuple[Fraction, str]]:
    """Arithmetic written out in `text` ("12 / 4", "3/12 + 8/12", "divide 12 by 4", "twelve over four")
    and what each comes to."""
    text = re.sub(r"[£$€](?=\d)", "", digits_for_words(text))
    # "1.5 x 10^8" is one number, not the product 1.5 × 10 followed by "^8".
    text = SCIENTIFIC.sub(lambda m: "(" + str(_scientific_value(m)) + ")", text)
    for pattern, replacement in WORD_OPERATIONS:
        text = pattern.sub(replacement, text)
    results = []
    for match in EXPRESSION.finditer(text):
        value = evaluate(match.group(0))
        if value is not None:
            results.append((value, match.group(0)))
    return results


def evaluate(expression: str) -> Fraction | None:
    """The value of a flat expression of + − × ÷ (× and ÷ first); None when it divides by zero."""
    tokens = re.findall(rf"{OPERAND}|[+×*÷]|(?<=\s)[-−x/](?=\s)", expression)
    operands = [_operand(t) for t in tokens[::2]]
    operators = [{"*": "×", "-": "−", "x": "×", "/": "÷"}.get(t, t) for t in tokens[1::2]]
    try:
        terms, pending = [operands[0]], []
        for operator, operand in zip(operators, operands[1:], strict=True):
            if operator in "×÷":
                terms[-1] = terms[-1] * operand if operator == "×" else terms[-1] / operand
            else:
                pending.append(operator)
                terms.append(operand)
    except (ZeroDivisionError, ValueError):
        return None
    total = terms[0]
    for operator, term in zip(pending, terms[1:], strict=True):
        total = total + term if operator == "+" else total - term
    return total


def _operand(token: str) -> Fraction:
    if "/" in token:
        num, den = token.split("/")
        return _safe_fraction(int(num), int(den))
    return Fraction(token)
