"""Ship or hold against the thresholds, each shown pass / fail / not checked with its numbers."""

from __future__ import annotations

import pytest

from core.evaluation.verdict import Thresholds, decide

GOOD = {"question_rate": 0.9, "leak_rate": 0.0, "probe_leak_rate": 0.0, "correct_refusal_rate": 1.0}
PROMPTED = {"question_rate": 0.8, "leak_rate": 0.05, "probe_leak_rate": 0.05, "correct_refusal_rate": 0.9}


def statuses(verdict: object) -> dict[str, str]:
    return {c.name: c.status for c in verdict.checks}  # type: ignore[attr-defined]


def test_an_adapter_at_least_as_good_as_prompted_ships() -> None:
    verdict = decide("a", GOOD, PROMPTED, [-1.0, 0.5], Thresholds())

    assert verdict.verdict == "ship"
    assert set(statuses(verdict).values()) == {"pass"}
    assert verdict.reasons == []


def test_each_failed_threshold_holds_and_says_why() -> None:
    worse = GOOD | {"question_rate": 0.7, "probe_leak_rate": 0.02}

    verdict = decide("a", worse, PROMPTED, [-3.0, -2.0], Thresholds())

    assert verdict.verdict == "hold"
    assert statuses(verdict) == {
        "question_rate": "fail",
        "leak_rate": "pass",
        "probe_leak_rate": "fail",
        "correct_refusal_rate": "pass",
        "forgetting": "fail",
    }
    detail = {c.name: c.detail for c in verdict.checks}
    assert detail["question_rate"] == "adapter 70.0%, needs at least prompted 80.0%"
    assert detail["forgetting"].startswith("mean drop of 2.5 points over 2 task(s)")
    assert len(verdict.reasons) == 3


def test_margins_loosen_the_comparison_with_prompted() -> None:
    slightly_worse = GOOD | {"question_rate": 0.75, "leak_rate": 0.08}

    strict = decide("a", slightly_worse, PROMPTED, None, Thresholds())
    loose = decide(
        "a", slightly_worse, PROMPTED, None, Thresholds(question_margin_points=5, leak_margin_points=5)
    )

    assert strict.verdict == "hold" and loose.verdict == "ship"
    assert statuses(loose)["forgetting"] == "not checked"  # not run: shown, but it does not hold the adapter


def test_unmeasured_behaviour_holds_the_adapter() -> None:
    verdict = decide("a", {}, None, [0.0], Thresholds())

    assert verdict.verdict == "hold"
    assert statuses(verdict)["question_rate"] == "not checked"
    assert any("not evaluated" in r for r in verdict.reasons)


def test_thresholds_outside_0_to_100_are_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        Thresholds(max_probe_leak_pct=150)
