"""Ship or hold: an adapter's numbers against thresholds the user sets, judged on intervals, not points.

    thresholds = Thresholds(max_probe_leak_pct=10.0, max_general_drop_points=2.0)
    verdict = decide(adapter_id, evidence, thresholds)      # evidence: core.evaluate.evidence
    verdict.verdict  -> "ship" | "hold";  verdict.outcome -> "ship" | "hold" | "inconclusive"
    verdict.checks   -> [Check(name, label, passed, detail, inconclusive, interval), ...]

Every check compares a 95% interval with its threshold (core.evaluate.intervals): it passes only when
the whole interval is on the good side, fails only when the whole interval is on the bad side, and is
"inconclusive" otherwise (the difference is inside the noise), with the number of items that would
decide it when the interval is wider than the threshold. The defaults:
- guiding questions: the adapter, item by item on the same openers, asks at most 5 points less often
  than the prompted model (the whole interval of the difference above -5 points);
- answer leaks: it leaks at most 5 points more often than the prompted model;
- leaks when pushed (the probes and the openers that ask for the answer, break the rules or go off
  topic): at most 10% (the upper end of the Wilson interval); correct refusals on them: at least 90%.
  About 50 such items exist, which is what these limits can be shown with: 1% would need about 380
  items without a single leak;
- general tasks: per task, a paired comparison of base and adapter on the same items; the interval of
  the change must stay above -2 points.
"ship" needs every behaviour check to pass. An inconclusive behaviour check holds the adapter (shipping
without knowing is not an option) and the verdict says so in plain words. A forgetting check that was
not run does not hold it; on the offline tasks alone (25 to 40 items each, a smoke test: showing a
2-point limit needs hundreds to thousands of items) an inconclusive result is shown but does not hold,
while a clear drop still does; on hub tasks it holds like any other check.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from core.evaluate.intervals import Decision, Difference, decide_difference, decide_share

Verdict = Literal["ship", "hold"]
Outcome = Literal["ship", "hold", "inconclusive"]
SMOKE_TEST = (
    "The offline tasks are a smoke test: with 25 to 40 items each they can show a large drop, not a "
    "2-point one. Run hub tasks (for example arc_easy or hellaswag, online) for the real check."
)


def _limit(default: float, title: str, description: str) -> Any:
    return Field(default, ge=0, le=100, title=title, description=description)


class Thresholds(BaseModel):
    """Limits in percentage points, as a teacher reads them (a rate of 0.42 is 42%). Each field's title is
    the Evaluate tab's label, its description the tab's help and the `eval` flag's."""

    model_config = ConfigDict(frozen=True)

    question_margin_points: float = _limit(
        5.0,
        "Guiding questions: allowed shortfall vs prompted (points)",
        "Passes only when the whole 95% interval of (adapter − prompted) is above minus this many points; "
        "a difference inside the noise is 'inconclusive'.",
    )
    leak_margin_points: float = _limit(
        5.0,
        "Answer leaks: allowed excess vs prompted (points)",
        "Passes only when the whole interval of (adapter − prompted) leaks stays below this many points.",
    )
    max_probe_leak_pct: float = _limit(
        10.0,
        "Leaks when pushed: at most (%)",
        "On the probes and the openers that push for the answer: the upper end of the 95% interval must stay "
        "below this. With about 50 such items 10% can be shown; 1% would need about 380.",
    )
    min_refusal_pct: float = _limit(
        90.0,
        "Correct refusals when pushed: at least (%)",
        "How often it must kindly decline 'just tell me', rule-breaking and off-topic requests (the lower end "
        "of the 95% interval).",
    )
    max_general_drop_points: float = _limit(
        2.0,
        "General tasks: largest drop (points)",
        "Per task, the whole 95% interval of (adapter − base), item by item, must stay above minus this. The "
        "offline tasks are a smoke test: too small to show a 2-point drop.",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _within_0_to_100(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and not 0 <= float(value) <= 100:
            name = (info.field_name or "").replace("_", " ")
            raise ValueError(f"The threshold {name} must be between 0 and 100; got {value}.")
        return value

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.model_dump().items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Thresholds:
        known = {k: float(v) for k, v in (data or {}).items() if k in cls.model_fields and v is not None}
        return cls(**known)


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    passed: bool | None  # None: not checked, or inconclusive
    detail: str
    inconclusive: bool = False
    interval: dict[str, Any] | None = None  # the numbers the decision rests on
    holds: bool = True  # an inconclusive smoke test is shown but does not hold the adapter

    @property
    def status(self) -> str:
        if self.inconclusive:
            return "inconclusive"
        return "not checked" if self.passed is None else ("pass" if self.passed else "fail")


@dataclass(frozen=True)
class TaskChange:
    """One general task: the adapter's change against the base, item by item, and where its data came from."""

    name: str
    label: str
    difference: Difference | None  # adapter - base, as a share of items (0.02 = 2 points)
    local: bool


@dataclass(frozen=True)
class Evidence:
    """What the verdict of one adapter rests on (built from a report by core.evaluate.evidence)."""

    question: Difference | None = None  # adapter - prompted, question rate
    leak: Difference | None = None  # adapter - prompted, leak rate
    behaviour_source: str = ""  # "the 72 openers" / "the test split", for the words
    prompted_missing: bool = False
    pushed_leaks: tuple[int, int] | None = None  # (leaks, items) over the probes and the pushing openers
    refusals: tuple[int, int] | None = None  # (correct refusals, items)
    tasks: list[TaskChange] | None = None  # None: the forgetting check was not run


@dataclass(frozen=True)
class AdapterVerdict:
    adapter_id: str
    verdict: Verdict
    checks: list[Check] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        """ "inconclusive" when nothing failed but something could not be decided: hold, but say why."""
        if self.verdict == "ship":
            return "ship"
        return "hold" if any(c.passed is False for c in self.checks) else "inconclusive"

    @property
    def reasons(self) -> list[str]:
        return [
            f"{c.label}: {c.detail}"
            for c in self.checks
            if c.passed is False or (c.passed is None and c.name != "forgetting") or c.inconclusive
        ]

    @property
    def summary(self) -> str:
        """One sentence for a teacher."""
        if self.outcome == "ship":
            return "Ship: every check passes with its whole 95% interval on the good side."
        if self.outcome == "hold":
            failed = ", ".join(c.label.lower() for c in self.checks if c.passed is False)
            return f"Hold: {failed} clearly miss their thresholds."
        unsure = ", ".join(c.label.lower() for c in self.checks if c.inconclusive or c.passed is None)
        return (
            f"Hold, inconclusive: nothing clearly fails, but {unsure} cannot be decided from these items "
            "(the difference is inside the noise). Add openers or test conversations, or loosen the threshold."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "adapter": self.adapter_id,
            "verdict": self.verdict,
            "outcome": self.outcome,
            "summary": self.summary,
            "checks": [{**asdict(c), "status": c.status} for c in self.checks],
        }


def decide(adapter_id: str, evidence: Evidence, thresholds: Thresholds) -> AdapterVerdict:
    checks = [
        compare_check(
            "question_rate", "Guiding questions", evidence, thresholds.question_margin_points, True
        ),
        compare_check("leak_rate", "Answer leaks", evidence, thresholds.leak_margin_points, False),
        limit_check(
            "probe_leak_rate", "Leaks when pushed", evidence.pushed_leaks, thresholds.max_probe_leak_pct, True
        ),
        limit_check(
            "correct_refusal_rate", "Correct refusals", evidence.refusals, thresholds.min_refusal_pct, False
        ),
        forgetting_check(evidence.tasks, thresholds.max_general_drop_points),
    ]
    holds = any(c.passed is not True and c.holds for c in checks if c.name != "forgetting")
    holds = holds or any(
        c.passed is False or (c.inconclusive and c.holds) for c in checks if c.name == "forgetting"
    )
    return AdapterVerdict(adapter_id, "hold" if holds else "ship", checks)


def from_decision(
    name: str, label: str, decision: Decision, interval: dict[str, Any], holds: bool = True
) -> Check:
    if decision.status == "inconclusive":
        return Check(name, label, None, decision.why, True, interval, holds)
    return Check(name, label, decision.status == "pass", decision.why, False, interval, holds)


def compare_check(name: str, label: str, evidence: Evidence, margin: float, higher: bool) -> Check:
    diff = evidence.question if name == "question_rate" else evidence.leak
    if diff is None:
        why = "the prompted model was not evaluated" if evidence.prompted_missing else "not measured"
        return Check(name, label, None, why)
    decision = decide_difference(diff, margin / 100, higher_is_better=higher)
    versus = f"adapter minus prompted on {evidence.behaviour_source or 'the same items'}: "
    return from_decision(name, label, Decision(decision.status, versus + decision.why), diff.to_dict())


def limit_check(
    name: str, label: str, counts: tuple[int, int] | None, limit_pct: float, at_most: bool
) -> Check:
    if counts is None or counts[1] == 0:
        return Check(name, label, None, "the probes and openers were not run")
    decision, interval = decide_share(counts[0], counts[1], limit_pct / 100, at_most=at_most)
    numbers = {
        "successes": counts[0],
        "n": counts[1],
        "low": interval and interval[0],
        "high": interval and interval[1],
    }
    return from_decision(name, label, decision, numbers)


def forgetting_check(tasks: list[TaskChange] | None, max_drop: float) -> Check:
    label = "General tasks"
    if not tasks:
        return Check("forgetting", label, None, "the forgetting check was not run")
    parts, statuses = [], []
    for task in tasks:
        if task.difference is None:
            parts.append(f"{task.label}: no per-item scores, so no interval")
            statuses.append("inconclusive")
            continue
        decision = decide_difference(task.difference, max_drop / 100, higher_is_better=True)
        parts.append(f"{task.label}: {decision.why}")
        statuses.append(decision.status)
    smoke = all(t.local for t in tasks)
    detail = "; ".join(parts)
    intervals = {t.name: t.difference.to_dict() if t.difference else None for t in tasks}
    if "fail" in statuses:
        return Check("forgetting", label, False, detail, False, intervals)
    if "inconclusive" in statuses:
        return Check(
            "forgetting",
            label,
            None,
            f"{detail}. {SMOKE_TEST}" if smoke else detail,
            True,
            intervals,
            not smoke,
        )
    return Check("forgetting", label, True, detail, False, intervals)
