"""Quantities compare equal however they are written; arithmetic in text is evaluated."""

from __future__ import annotations

from fractions import Fraction

import pytest

from core.evaluate.behaviour.numbers import Quantity, expression_values, find_quantities


def values(text: str) -> list[tuple[Fraction, str | None]]:
    return [(q.value, q.unit) for q in find_quantities(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.5", Fraction(1, 2)),
        ("1/2", Fraction(1, 2)),
        ("half", Fraction(1, 2)),
        ("one half", Fraction(1, 2)),
        ("a quarter", Fraction(1, 4)),
        ("eleven twelfths", Fraction(11, 12)),
        ("one and a half", Fraction(3, 2)),
        ("4 1/2", Fraction(9, 2)),
        ("1,200", Fraction(1200)),
        ("twenty-five", Fraction(25)),
    ],
)
def test_spellings_of_a_value_are_normalised(text: str, expected: Fraction) -> None:
    assert values(text) == [(expected, None)]


def test_units_are_read_in_symbols_and_words() -> None:
    assert values("3 A") == values("3 amps") == values("3 amperes") == [(Fraction(3), "A")]
    assert (
        values("5 m/s²")
        == values("5 m/s^2")
        == values("5 metres per second squared")
        == [(Fraction(5), "m/s²")]
    )
    assert values("4 ohms") == [(Fraction(4), "ohm")]


def test_units_separate_values_only_when_both_sides_name_one() -> None:
    three_amps, three_volts, bare_three = (find_quantities(t)[0] for t in ("3 A", "3 V", "it is 3"))
    assert three_amps.matches(bare_three) and bare_three.matches(three_amps)
    assert not three_amps.matches(three_volts)


def test_percent_matches_the_fraction() -> None:
    half = Quantity(Fraction(1, 2), None, "1/2")
    assert find_quantities("50%")[0].matches(half)


def test_ordinals_verbs_and_the_word_one_are_not_values() -> None:
    assert values("the third law") == []
    assert values("the current halves when R doubles") == []
    assert values("one step at a time") == []


def test_arithmetic_in_text_is_evaluated_with_precedence() -> None:
    assert expression_values("add them: 3/12 + 8/12 gives it")[0][0] == Fraction(11, 12)
    assert expression_values("so 800 - 450 - 150 is left")[0][0] == Fraction(200)
    assert expression_values("2 + 3 × 4")[0][0] == Fraction(14)
    assert expression_values("Divide 12 by 4.")[0][0] == Fraction(3)
    assert expression_values("1.5 x 4")[0][0] == Fraction(6)


def test_hyphenated_ranges_are_not_subtractions() -> None:
    assert expression_values("between 25-35 degrees") == []
