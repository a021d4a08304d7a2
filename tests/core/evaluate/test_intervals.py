"""95% intervals: Wilson's for shares, t for means and paired differences, and how they decide a check."""

from __future__ import annotations

import pytest

from core.evaluate.intervals import (
    Difference,
    decide_difference,
    decide_share,
    independent_difference,
    items_needed,
    mean_interval,
    paired_difference,
    t_quantile,
    wilson,
)


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),  # textbook values (Newcombe 1998, Agresti & Coull 1998)
        (10, 10, 0.7225, 1.0),
        (5, 10, 0.2366, 0.7634),
        (12, 50, 0.1430, 0.3741),
        (1, 72, 0.0025, 0.0746),
    ],
)
def test_wilson_interval_matches_published_values(successes: int, n: int, low: float, high: float) -> None:
    found = wilson(successes, n)

    assert found is not None
    assert found[0] == pytest.approx(low, abs=5e-4) and found[1] == pytest.approx(high, abs=5e-4)


def test_wilson_of_nothing_counted_is_none() -> None:
    assert wilson(0, 0) is None


@pytest.mark.parametrize(("df", "expected"), [(5, 2.571), (9, 2.262), (30, 2.042), (71, 1.994)])
def test_t_quantile_is_close_to_the_table(df: int, expected: float) -> None:
    assert t_quantile(df) == pytest.approx(expected, rel=3e-3)


def test_mean_interval_of_token_counts() -> None:
    mean, low, high = mean_interval([10, 12, 14, 16, 18]) or (0, 0, 0)

    # sd = 3.162, se = 1.414, t(4) = 2.776 -> half width 3.93
    assert mean == 14 and low == pytest.approx(10.07, abs=0.01) and high == pytest.approx(17.93, abs=0.01)


def test_paired_difference_removes_what_both_models_share() -> None:
    base = [1.0] * 20 + [0.0] * 20
    adapter = [1.0] * 19 + [0.0] * 21  # one item of 40 flipped from right to wrong

    diff = paired_difference(adapter, base)

    assert diff is not None and diff.items == 40
    assert diff.mean == pytest.approx(-0.025)
    assert diff.low == pytest.approx(-0.0756, abs=1e-3) and diff.high == pytest.approx(0.0256, abs=1e-3)


def test_paired_difference_needs_the_same_items() -> None:
    with pytest.raises(ValueError, match="same items"):
        paired_difference([1.0, 0.0], [1.0])


def test_independent_difference_is_newcombes_interval() -> None:
    diff = independent_difference(56, 70, 48, 80)  # Newcombe 1998, example (a): 0.0524 to 0.3339

    assert diff is not None
    assert diff.low == pytest.approx(0.0524, abs=5e-4) and diff.high == pytest.approx(0.3339, abs=5e-4)


def test_a_small_drop_inside_the_noise_is_neither_pass_nor_fail() -> None:
    diff = Difference(mean=-0.025, low=-0.076, high=0.026, items=40, sd=0.158)

    decision = decide_difference(diff, 0.02, higher_is_better=True)

    assert decision.status == "inconclusive"
    assert "too few items" in decision.why
    assert f"about {items_needed(0.158, 0.02)} items" in decision.why


def test_a_difference_decides_only_when_the_whole_interval_clears_the_threshold() -> None:
    clearly_fine = Difference(mean=0.0, low=-0.01, high=0.01, items=4000, sd=0.3)
    clearly_worse = Difference(mean=-0.2, low=-0.3, high=-0.1, items=60, sd=0.4)
    straddling = Difference(mean=-0.02, low=-0.03, high=-0.01, items=9000, sd=0.3)

    assert decide_difference(clearly_fine, 0.02, higher_is_better=True).status == "pass"
    assert decide_difference(clearly_worse, 0.02, higher_is_better=True).status == "fail"
    found = decide_difference(straddling, 0.02, higher_is_better=True)
    assert found.status == "inconclusive" and "inside the noise" in found.why


def test_for_lower_is_better_the_upper_end_decides() -> None:
    fewer_leaks = Difference(mean=-0.3, low=-0.42, high=-0.18, items=72, sd=0.5)
    more_leaks = Difference(mean=0.3, low=0.18, high=0.42, items=72, sd=0.5)

    assert decide_difference(fewer_leaks, 0.05, higher_is_better=False).status == "pass"
    assert decide_difference(more_leaks, 0.05, higher_is_better=False).status == "fail"


def test_a_share_against_an_absolute_limit_uses_its_wilson_interval() -> None:
    assert decide_share(0, 44, 0.10, at_most=True)[0].status == "pass"  # upper end 8.0%
    assert decide_share(20, 44, 0.10, at_most=True)[0].status == "fail"  # lower end 31%
    unsure = decide_share(0, 8, 0.01, at_most=True)[0]  # 0 of 8 cannot show "at most 1%"
    assert unsure.status == "inconclusive" and "would be needed" in unsure.why
