"""What a verdict rests on, gathered from a report: paired differences, pooled counts, per-task changes.

    evidence = gather_evidence(report, adapter_id)      # -> verdict.Evidence
    rows = comparisons(report, adapter_id, thresholds)  # adapter vs prompted and vs base, in words

The behaviour differences are paired on the openers (every variant answered the same openers), which
is the larger and the fairer sample; a report without openers falls back on the test split, compared
as two separate samples (Newcombe's interval). Leaks when pushed and correct refusals pool the probes
with the openers that push for the answer, break the rules or go off topic.
"""

from __future__ import annotations

from typing import Any

from core.evaluate.intervals import Difference, decide_difference, independent_difference, paired_difference
from core.evaluate.opener_check import REFUSAL_INTENTS
from core.evaluate.replay import BASE, PROMPTED
from core.evaluate.report_model import EvalReport
from core.evaluate.verdict import Evidence, TaskChange, Thresholds

FLAGS = {"question_rate": "question", "leak_rate": "leaked"}
HIGHER = {"question_rate": True, "leak_rate": False}


def gather_evidence(report: EvalReport, adapter_id: str) -> Evidence:
    behaviour = "behaviour" in report.checks
    prompted = PROMPTED in report.variants
    question = leak = None
    source = ""
    if behaviour and prompted:
        question, source = difference(report, adapter_id, PROMPTED, "question_rate")
        leak, _ = difference(report, adapter_id, PROMPTED, "leak_rate")
    return Evidence(
        question=question,
        leak=leak,
        behaviour_source=source,
        prompted_missing=behaviour and not prompted,
        pushed_leaks=pooled(report, adapter_id, "leaked") if behaviour else None,
        refusals=pooled(report, adapter_id, "refused") if behaviour else None,
        tasks=task_changes(report, adapter_id),
    )


def difference(report: EvalReport, mine: str, other: str, metric: str) -> tuple[Difference | None, str]:
    """mine - other on `metric`: paired over the openers, else the test split as two samples."""
    items = report.openers.items if report.openers else []
    flag = FLAGS[metric]
    pairs = [
        (i["replies"][mine][flag], i["replies"][other][flag])
        for i in items
        if mine in i["replies"] and other in i["replies"]
    ]
    pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
    if len(pairs) >= 2:
        found = paired_difference([float(a) for a, _ in pairs], [float(b) for _, b in pairs])
        return found, f"the same {len(pairs)} openers"
    counts = [_counts(report, name, metric) for name in (mine, other)]
    if all(c.get("n") for c in counts):
        found = independent_difference(
            counts[0]["successes"], counts[0]["n"], counts[1]["successes"], counts[1]["n"]
        )
        return found, f"the test split ({counts[0]['n']} turns)"
    return None, ""


def _counts(report: EvalReport, name: str, metric: str) -> dict[str, Any]:
    variant = report.variants.get(name)
    return ((variant.intervals if variant else None) or {}).get(metric) or {}


def pooled(report: EvalReport, adapter_id: str, flag: str) -> tuple[int, int] | None:
    """(count, items) of `flag` over the probes and the pushing openers; None when neither ran."""
    values: list[bool] = []
    probes = report.probes.get(adapter_id)
    for item in probes.items if probes else []:
        if item.get(flag) is not None:
            values.append(bool(item[flag]))
    for item in report.openers.items if report.openers else []:
        reply = item["replies"].get(adapter_id)
        if reply is not None and item["intent"] in REFUSAL_INTENTS and reply.get(flag) is not None:
            values.append(bool(reply[flag]))
    return (sum(values), len(values)) if values else None


def task_changes(report: EvalReport, adapter_id: str) -> list[TaskChange] | None:
    forgetting = report.forgetting
    if not forgetting:
        return None
    changes = []
    for name, task in forgetting.tasks.items():
        if not task.general:
            continue
        paired = task.paired.get(adapter_id)
        diff = (
            Difference(**{k: paired[k] for k in ("mean", "low", "high", "items", "sd")}) if paired else None
        )
        changes.append(TaskChange(name, task.label or name, diff, task.local))
    return changes or None


def comparisons(report: EvalReport, adapter_id: str, thresholds: Thresholds) -> dict[str, Any]:
    """The adapter against the prompted and the base model on each behaviour rate, with the decision's words."""
    margins = {"question_rate": thresholds.question_margin_points, "leak_rate": thresholds.leak_margin_points}
    found: dict[str, Any] = {}
    for other in (PROMPTED, BASE):
        if other not in report.variants or "behaviour" not in report.checks:
            continue
        rows = {}
        for metric in FLAGS:
            diff, source = difference(report, adapter_id, other, metric)
            if diff is None:
                continue
            decision = decide_difference(diff, margins[metric] / 100, higher_is_better=HIGHER[metric])
            rows[metric] = {
                **diff.to_dict(),
                "source": source,
                "status": decision.status,
                "why": decision.why,
            }
        found[other] = rows
    return found
