"""Quantities in text, normalised so that different spellings of one value compare equal.

    find_quantities("It is 0.5 A, or half an amp")   -> [Quantity(1/2, "A"), Quantity(1/2, None)]
    Quantity.matches: 1/2 = 0.5 = "half" = "one half" = 50%; "3 amps" = "3 A" = "3"; "3 A" != "3 V"
    expression_values("so 3/12 + 8/12 gives")        -> [(Fraction(11, 12), "3/12 + 8/12")]

A unit only separates two values when both carry one, so "3" matches "3 A" (a tutor who says "it's 3"
has given the answer away) but "3 V" does not. Bare word numbers ("three") count; "one" on its own
does not, because "one step at a time" is not a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

SMALL = """
    zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen
""".split()  # noqa: SIM905
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}  # fmt: skip
WORD_VALUES = {word: value for value, word in enumerate(SMALL)} | TENS
DENOMINATORS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4, "fourths": 4,
    "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "seventh": 7, "sevenths": 7, "eighth": 8, "eighths": 8,
    "ninth": 9, "ninths": 9, "tenth": 10, "tenths": 10, "eleventh": 11, "elevenths": 11, "twelfth": 12,
    "twelfths": 12, "hundredth": 100, "hundredths": 100,
}  # fmt: skip
UNIT_ALIASES = {
    "ohm": "ohm", "ohms": "ohm", "Ω": "ohm", "amp": "A", "amps": "A", "ampere": "A", "amperes": "A",
    "volt": "V", "volts": "V", "newton": "N", "newtons": "N", "watt": "W", "watts": "W", "joule": "J",
    "joules": "J", "kilogram": "kg", "kilograms": "kg", "gram": "g", "grams": "g", "metre": "m", "metres": "m",
    "meter": "m", "meters": "m", "centimetre": "cm", "centimetres": "cm", "millimetre": "mm",
    "millimetres": "mm", "kilometre": "km", "kilometres": "km", "second": "s", "seconds": "s", "litre": "L",
    "litres": "L", "liter": "L", "liters": "L", "cup": "cup", "cups": "cup", "percent": "%", "per cent": "%",
    "m/s^2": "m/s²", "m/s2": "m/s²", "metres per second squared": "m/s²", "meters per second squared": "m/s²",
    "metres per second": "m/s", "meters per second": "m/s", "kilometres per hour": "km/h",
    "newtons per kilogram": "N/kg", "degrees celsius": "°C", "degree celsius": "°C", "degrees": "°",
    "degree": "°",
}  # fmt: skip
SYMBOL_UNITS = r"%|°C|°F|m/s²|m/s\^2|m/s2|m/s|km/h|N/kg|kg|mm|cm|km|ml|mL|Ω|[mgsNAVWJL]"
WORD_UNITS = "|".join(sorted((re.escape(u) for u in UNIT_ALIASES if u[0].isalpha()), key=len, reverse=True))
UNIT = rf"(?:\s?(?P<unit>{SYMBOL_UNITS})(?![\w²^])|\s(?P<wunit>(?i:{WORD_UNITS}))\b)"
NUMERIC = re.compile(
    r"(?<![\w.,/])(?P<sign>[-−](?=\d))?(?:(?P<whole>\d+)\s+(?P<mnum>\d+)/(?P<mden>\d+)"
    r"|(?P<num>\d+)/(?P<den>\d+)|(?P<dec>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?))(?![\d/])" + UNIT + "?"
)
WORD_NUMBER = rf"(?:(?:{'|'.join(TENS)})(?:[\s-](?:{'|'.join(SMALL[1:10])}))?|{'|'.join(SMALL)})"
WORDS = re.compile(
    rf"(?i:\b(?:(?P<whole>{WORD_NUMBER}|\d+) and )?(?:(?P<num>an?|{WORD_NUMBER}|\d+)[\s-]+)?"
    rf"(?P<den>{'|'.join(DENOMINATORS)})\b|\b(?P<plain>{WORD_NUMBER})\b)" + UNIT + "?"
)
OPERATOR = r"(?:\s*[+×*÷]\s*|\s+[-−x/]\s+)"
OPERAND = r"(?<![\w./])\d+(?:\.\d+)?(?:/\d+)?(?![\w/]|\.\d)"
NUM = r"(\d+(?:\.\d+)?(?:/\d+)?)"
EXPRESSION = re.compile(rf"{OPERAND}(?:{OPERATOR}{OPERAND})+")
WORD_OPERATIONS = (
    (re.compile(rf"\bdivide {NUM} by {NUM}", re.I), r"\1 ÷ \2"),
    (re.compile(rf"\bmultiply {NUM} by {NUM}", re.I), r"\1 × \2"),
    (re.compile(rf"\badd {NUM} (?:and|to) {NUM}", re.I), r"\1 + \2"),
    (re.compile(rf"\bsubtract {NUM} from {NUM}", re.I), r"\2 − \1"),
    (re.compile(r"\s+(?:divided by|over)\s+", re.I), " ÷ "),
    (re.compile(r"\s+(?:times|multiplied by)\s+", re.I), " × "),
    (re.compile(r"\s+plus\s+", re.I), " + "),
    (re.compile(r"\s+minus\s+", re.I), " − "),
)


@dataclass(frozen=True)
class Quantity:
    """A value (exact fraction) with its unit (canonical symbol, None when bare) and the text it came from."""

    value: Fraction
    unit: str | None
    text: str

    def matches(self, other: Quantity) -> bool:
        """Same value; units must agree only when both sides name one; 50% also matches 1/2."""
        if self.value == other.value:
            return self.unit is None or other.unit is None or self.unit == other.unit
        return any(
            a.unit == "%" and b.unit is None and a.value / 100 == b.value
            for a, b in ((self, other), (other, self))
        )


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity in `text`, in reading order: digits, fractions, mixed numbers, number words."""
    return list(_find_quantities(text))


@lru_cache(maxsize=8192)
def _find_quantities(text: str) -> tuple[Quantity, ...]:
    found: list[tuple[int, Quantity]] = []
    taken: list[tuple[int, int]] = []
    for match in NUMERIC.finditer(text):
        found.append((match.start(), Quantity(_numeric_value(match), _unit(match), match.group(0).strip())))
        taken.append(match.span())
    for match in WORDS.finditer(text):
        start, end = match.span()
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        value = _word_value(match)
        if value is not None:
            found.append((start, Quantity(value, _unit(match), match.group(0).strip())))
    return tuple(quantity for _, quantity in sorted(found, key=lambda pair: pair[0]))


def _numeric_value(match: re.Match[str]) -> Fraction:
    sign = -1 if match.group("sign") else 1
    if match.group("whole"):
        whole, num, den = (int(match.group(k)) for k in ("whole", "mnum", "mden"))
        return sign * (whole + _safe_fraction(num, den))
    if match.group("num"):
        return sign * _safe_fraction(int(match.group("num")), int(match.group("den")))
    return sign * Fraction(match.group("dec").replace(",", ""))


def _safe_fraction(num: int, den: int) -> Fraction:
    return Fraction(num, den) if den else Fraction(num)


def _word_value(match: re.Match[str]) -> Fraction | None:
    if match.group("plain"):
        word = match.group("plain").lower()
        return None if word == "one" else Fraction(_word_int(word))
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
    parts = re.split(r"[\s-]+", word)
    return sum(WORD_VALUES[p] for p in parts)


def _unit(match: re.Match[str]) -> str | None:
    unit = match.group("unit") or match.group("wunit")
    if unit is None:
        return None
    unit = " ".join(unit.split())
    return UNIT_ALIASES.get(unit, UNIT_ALIASES.get(unit.lower(), unit))


def expression_values(text: str) -> list[tuple[Fraction, str]]:
    """Arithmetic written out in `text` ("12 / 4", "3/12 + 8/12", "divide 12 by 4") and what each comes to."""
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
