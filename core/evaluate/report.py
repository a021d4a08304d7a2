"""The evaluation report: one JSON file per evaluation (evals/<id>/report.json), kept for comparison.

    report = new_report(eval_id, plan)            # an EvalReport: header, metric definitions, empty variants
    ... the checks fill its typed sections: variants, probes, kl, judge, forgetting, openers ...
    finish_report(report, plan.config.thresholds) # kl_to_prompted and judge_score per variant, verdicts
    cli_summary(report)                           # EvalSummary: what `tutor-studio eval --json` prints
    compare_reports(older, newer)                 # rows: metric, variant, before, after, change

Rates are shares from 0 to 1; forgetting scores are lm-eval's (accuracy 0 to 1) and their changes are
in percentage points.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from core.evaluate.evidence import comparisons, gather_evidence
from core.evaluate.metrics import METRICS
from core.evaluate.plan import EvalPlan
from core.evaluate.probes import PROBE_ANSWERS
from core.evaluate.replay import BASE, PROMPTED
from core.evaluate.report_model import (
    BaseModelInfo,
    DatasetInfo,
    EvalReport,
    VariantSection,
    VerdictRecord,
)
from core.evaluate.verdict import Thresholds, decide
from core.paths import write_atomic

REPORT_FILE = "report.json"
REPORT_VERSION = 1
CLI_METRICS = (
    "question_rate",
    "leak_rate",
    "probe_leak_rate",
    "encouragement_rate",
    "reply_tokens",
    "prompt_tokens",
    "kl_to_prompted",
)
COMPARED_METRICS = (*CLI_METRICS, "correct_refusal_rate", "on_topic_rate", "ttft_s", "judge_score")


def new_report(eval_id: str, plan: EvalPlan) -> EvalReport:
    test, base = plan.test, plan.base
    return EvalReport(
        version=REPORT_VERSION,
        eval=eval_id,
        created_at=time.time(),
        dataset=DatasetInfo(
            id=plan.dataset.id,
            conversations=len(test.conversations),
            tutor_turns=len(test.turns),
            intents=test.intents,
        ),
        base_model=BaseModelInfo(name=base.requested, display=base.display_name, note=base.reason),
        config=plan.config.to_params(),
        checks=list(plan.config.checks),
        metrics={name: {**info.__dict__} for name, info in METRICS.items()},
        variants={
            v.name: VariantSection(label=v.label, kind=v.kind, overall={}, by_intent={})
            for v in plan.variants
        },
        adapters=[v.name for v in plan.adapters],
        reference=None,
        probes={},
        probe_answers_known=sorted(p.id for p in plan.probes if p.id in PROBE_ANSWERS),
        samples=[],
        kl={},
        judge=None,
        forgetting=None,
        openers=None,  # core.evaluate.opener_check: every rate with its 95% interval
        comparisons={},  # adapter -> {"prompted"|"base": {metric: difference, status, why}}
        timings={},  # seconds per section, measured on this machine
        verdicts={},
        verdict=None,
    )


def as_report(report: EvalReport | dict[str, Any]) -> EvalReport:
    """The typed report; a dict (an older file, a test's hand-made report) is validated into it."""
    return report if isinstance(report, EvalReport) else EvalReport.model_validate(report)


def finish_report(report: EvalReport | dict[str, Any], thresholds: Thresholds) -> EvalReport:
    """Fold KL and judge scores into each variant's overall numbers, then decide every adapter."""
    report = as_report(report)
    judge_scores = report.judge.scores if report.judge else {}
    for name, variant in report.variants.items():
        variant.overall["kl_to_prompted"] = (report.kl.get(name) or {}).get("mean_per_token")
        judged = judge_scores.get(name)
        variant.overall["judge_score"] = judged.score if judged else None
    report.comparisons = dict(report.comparisons)
    for adapter_id in report.adapters:
        verdict = decide(adapter_id, gather_evidence(report, adapter_id), thresholds)
        report.verdicts[adapter_id] = VerdictRecord.model_validate(
            verdict.to_dict() | {"reasons": verdict.reasons}
        )
        report.comparisons[adapter_id] = comparisons(report, adapter_id, thresholds)
    first = report.first_adapter
    report.verdict = report.verdicts[first].verdict if first else None
    report.finished_at = time.time()
    return report


def save_report(folder: Path, report: EvalReport) -> Path:
    path = folder / REPORT_FILE
    write_atomic(path, json.dumps(report.to_json(), ensure_ascii=False, indent=2, sort_keys=False) + "\n")
    return path


def load_report(path: str | Path) -> EvalReport:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return EvalReport.model_validate(data)
    except (OSError, ValueError) as exc:
        raise FileNotFoundError(
            f"The report {path} cannot be read ({exc}); run the evaluation again."
        ) from exc


class EvalSummary(BaseModel):
    """What `tutor-studio eval --json` prints (and the job's result, with the report's path)."""

    eval: str
    variants: dict[str, dict[str, Any]]
    forgetting: dict[str, dict[str, Any]]
    verdict: str | None
    openers: dict[str, dict[str, dict[str, Any]]]
    outcome: str | None
    verdict_summary: str | None
    timings: dict[str, float]


def cli_summary(report: EvalReport | dict[str, Any]) -> EvalSummary:
    """`{"eval", "variants": {NAME: {metric: X}}, "forgetting": {TASK: {"base", "adapter"}}, "verdict"}`.

    Added since: "openers" ({NAME: {metric: {value, low, high, n}}} on the held-out openers),
    "outcome" (ship / hold / inconclusive), "verdict_summary" (one sentence), "timings" (seconds per section).
    """
    report = as_report(report)
    first = report.first_adapter
    tasks = report.forgetting.tasks if report.forgetting else {}
    first_verdict = report.verdicts.get(first) if first else None
    return EvalSummary(
        eval=report.eval,
        variants={
            name: {metric: variant.overall.get(metric) for metric in CLI_METRICS}
            for name, variant in report.variants.items()
        },
        forgetting={
            task: {"base": scores.base, "adapter": scores.adapters.get(first) if first else None}
            for task, scores in tasks.items()
        },
        verdict=report.verdict,
        openers={
            name: section.intervals()
            for name, section in (report.openers.variants if report.openers else {}).items()
        },
        outcome=first_verdict.outcome if first_verdict else None,
        verdict_summary=first_verdict.summary if first_verdict else None,
        timings=report.timings,
    )


def card_evaluation(
    report: EvalReport | dict[str, Any], adapter_id: str, report_path: Path
) -> dict[str, Any]:
    """What the adapter's model card records: the verdict, each threshold, and the full numbers."""
    report = as_report(report)
    verdict = report.verdicts[adapter_id]
    numbers = {
        name: report.variants[name].overall
        for name in (BASE, PROMPTED, adapter_id)
        if name in report.variants
    }
    tasks = report.forgetting.tasks if report.forgetting else {}
    forgetting = {
        task: {
            "base": s.base,
            "adapter": s.adapters.get(adapter_id),
            "change_points": s.change_points.get(adapter_id),
        }
        for task, s in tasks.items()
    }
    return {
        "verdict": verdict.verdict,
        "summary": verdict.summary,
        "eval_id": report.eval,
        "dataset": report.dataset.id,
        "thresholds": [f"{c.label}: {c.status} ({c.detail})" for c in verdict.checks],
        "numbers": numbers,
        "forgetting": forgetting,
        "report": str(report_path),
    }


class ReportChange(BaseModel):
    """One number of two compared reports: before, after and the change (after - before)."""

    metric: str
    variant: str
    before: float | None
    after: float | None
    change: float | None


def compare_reports(
    before: EvalReport | dict[str, Any], after: EvalReport | dict[str, Any]
) -> list[ReportChange]:
    """One row per metric and variant in both reports, with the change (after - before).

    Base and prompted are matched by name; the first adapter of each report is matched with the other's
    even when they differ (comparing adapter v1 with v2 is the usual reason to compare reports).
    """
    before, after = as_report(before), as_report(after)
    rows = []
    for old_name, new_name in matched_variants(before, after):
        old, new = before.variants[old_name].overall, after.variants[new_name].overall
        label = new_name if old_name == new_name else f"{old_name} → {new_name}"
        for metric in COMPARED_METRICS:
            a, b = old.get(metric), new.get(metric)
            if a is None and b is None:
                continue
            change = None if a is None or b is None else b - a
            rows.append(ReportChange(metric=metric, variant=label, before=a, after=b, change=change))
    return rows


def matched_variants(before: EvalReport, after: EvalReport) -> list[tuple[str, str]]:
    pairs = [(name, name) for name in after.variants if name in before.variants]
    first_old, first_new = before.first_adapter, after.first_adapter
    if first_old and first_new and first_old != first_new:
        pairs.append((first_old, first_new))
    return pairs
