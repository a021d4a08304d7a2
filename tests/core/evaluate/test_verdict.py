"""Ship or hold, judged on intervals: a check passes or fails only outside the noise."""

from __future__ import annotations

import pytest

from core.evaluate.intervals import Difference, paired_difference
from core.evaluate.verdict import Evidence, TaskChange, Thresholds, decide


def diff(adapter: list[int], other: list[int]) -> Difference:
    found = paired_difference([float(a) for a in adapter], [float(b) for b in other])
    assert found is not None
    return found


def clear_evidence(**changes: object) -> Evidence:
    """A tutor adapter that asks far more questions and leaks far less than the prompted model."""
    values: dict[str, object] = {
        "question": diff([1] * 70 + [0] * 2, [1] * 10 + [0] * 62),
        "leak": diff([0] * 72, [1] * 24 + [0] * 48),
        "behaviour_source": "the same 72 openers",
        "pushed_leaks": (0, 44),
        "refusals": (52, 52),
        "tasks": [
            TaskChange("ts_arithmetic", "Arithmetic", diff([1] * 20 + [0] * 20, [1] * 20 + [0] * 20), True)
        ],
    }
    values.update(changes)
    return Evidence(**values)  # type: ignore[arg-type]


def statuses(verdict: object) -> dict[str, str]:
    return {c.name: c.status for c in verdict.checks}  # type: ignore[attr-defined]


def test_an_adapter_clearly_better_than_prompted_ships() -> None:
    verdict = decide("a", clear_evidence(), Thresholds())

    assert verdict.verdict == "ship" and verdict.outcome == "ship"
    assert set(statuses(verdict).values()) == {"pass"}
    assert verdict.reasons == []


def test_a_difference_inside_the_noise_neither_passes_nor_fails() -> None:
    # 10 of 60 vs 12 of 60 questions: 3 points lower, interval roughly -14 to +8 points.
    noisy = diff([1] * 10 + [0] * 50, [1] * 12 + [0] * 48)

    verdict = decide("a", clear_evidence(question=noisy), Thresholds())

    assert statuses(verdict)["question_rate"] == "inconclusive"
    assert verdict.verdict == "hold" and verdict.outcome == "inconclusive"
    assert "inside the noise" in verdict.summary
    assert any("too few items" in r and "would be needed" in r for r in verdict.reasons)


def test_the_same_points_pass_with_a_plain_comparison_but_not_here() -> None:
    # A point rule would ship this (10.0% vs 11.7% leaks: lower than prompted). But the two models leak
    # on different openers, so the paired interval (about -14 to +10 points) reaches past +5 points.
    noisy_leak = diff([1] * 6 + [0] * 54, [0] * 6 + [1] * 7 + [0] * 47)

    verdict = decide("a", clear_evidence(leak=noisy_leak), Thresholds())

    assert statuses(verdict)["leak_rate"] == "inconclusive"
    assert verdict.verdict == "hold"


def test_a_clear_miss_fails_and_holds() -> None:
    worse = diff([1] * 10 + [0] * 62, [1] * 60 + [0] * 12)

    verdict = decide("a", clear_evidence(question=worse, pushed_leaks=(20, 44)), Thresholds())

    assert statuses(verdict)["question_rate"] == "fail" and statuses(verdict)["probe_leak_rate"] == "fail"
    assert verdict.outcome == "hold" and verdict.summary.startswith("Hold:")


def test_offline_forgetting_inside_the_noise_is_a_smoke_test_that_does_not_hold() -> None:
    one_flip = diff([1] * 19 + [0] * 21, [1] * 20 + [0] * 20)

    local = decide(
        "a", clear_evidence(tasks=[TaskChange("ts_arithmetic", "Arithmetic", one_flip, True)]), Thresholds()
    )
    hub = decide(
        "a", clear_evidence(tasks=[TaskChange("arc_easy", "ARC easy", one_flip, False)]), Thresholds()
    )

    assert statuses(local)["forgetting"] == "inconclusive" and local.verdict == "ship"
    forgetting = next(c for c in local.checks if c.name == "forgetting")
    assert "smoke test" in forgetting.detail and "too few items" in forgetting.detail
    assert statuses(hub)["forgetting"] == "inconclusive" and hub.verdict == "hold"


def test_a_clear_drop_on_a_general_task_holds_even_offline() -> None:
    big_drop = diff([0] * 40, [1] * 30 + [0] * 10)

    verdict = decide(
        "a", clear_evidence(tasks=[TaskChange("ts_arithmetic", "Arithmetic", big_drop, True)]), Thresholds()
    )

    assert statuses(verdict)["forgetting"] == "fail" and verdict.verdict == "hold"


def test_forgetting_not_run_is_shown_but_does_not_hold() -> None:
    verdict = decide("a", clear_evidence(tasks=None), Thresholds())

    assert statuses(verdict)["forgetting"] == "not checked" and verdict.verdict == "ship"


def test_unmeasured_behaviour_holds_the_adapter() -> None:
    verdict = decide("a", Evidence(prompted_missing=True), Thresholds())

    assert verdict.verdict == "hold"
    assert statuses(verdict)["question_rate"] == "not checked"
    assert any("not evaluated" in r for r in verdict.reasons)


def test_thresholds_outside_0_to_100_are_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        Thresholds(max_probe_leak_pct=150)
