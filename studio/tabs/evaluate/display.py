"""Formatting for the Evaluate tab: records and reports in, choices, HTML and Markdown out. No gradio, no I/O.

The tables and plot data are in studio/tabs/evaluate/frames.py.
"""

from __future__ import annotations

import html
from typing import Any

from core.evaluate.job import EvalProgress
from core.evaluate.lm_tasks import TaskInfo
from core.evaluate.metrics import METRICS
from core.evaluate.overview import EvalListing
from core.evaluate.report import cli_summary
from core.evaluate.report_model import EvalReport, JudgeSection, VerdictRecord
from core.review.records import Dataset
from core.train.records import Adapter
from studio.display import format_duration

NO_REPORT = (
    "No report yet: pick what to evaluate above and press **Run evaluation**. Finished reports appear here."
)
VERDICT_STYLE = {
    "ship": ("#ecfdf5", "#047857", "Ship it"),
    "hold": ("#fffbeb", "#b45309", "Hold"),
    "inconclusive": ("#f3f4f6", "#374151", "Hold: inconclusive (inside the noise)"),
}
STATUS_MARK = {
    "pass": '<b style="color:#047857">PASS</b>',
    "fail": '<b style="color:#b91c1c">FAIL</b>',
    "not checked": '<span style="color:#6b7280">not checked</span>',
    "inconclusive": '<b style="color:#374151" title="The difference is smaller than its 95% interval">INCONCLUSIVE</b>',
}


def short_name(name: str) -> str:
    """A variant as a teacher reads it: Base, Prompted, or the adapter id without its base model part."""
    if name in ("base", "prompted"):
        return name.capitalize()
    return name.split("+", 1)[1] if "+" in name else name


def plot_labels(report: EvalReport) -> dict[str, str]:
    """Labels short enough for a bar: Base, Prompted, Adapter (or Adapter 1, 2, ... for several)."""
    adapters = report.adapters
    labels = {}
    for name in report.variants:
        if name in adapters:
            labels[name] = "Adapter" if len(adapters) == 1 else f"Adapter {adapters.index(name) + 1}"
        else:
            labels[name] = short_name(name)
    return labels


def adapter_choices(adapters: list[Adapter]) -> list[tuple[str, str]]:
    return [(f"{a.id} (trained on {a.dataset_id or 'unknown data'})", a.id) for a in adapters]


def dataset_choices(datasets: list[Dataset]) -> list[tuple[str, str]]:
    return [
        (f"{d.id} ({d.manifest.get('counts', {}).get('test', 0)} test conversations)", d.id) for d in datasets
    ]


def task_choices(tasks: list[TaskInfo]) -> list[tuple[str, str]]:
    return [(f"{t.label}{f' · {t.items} items' if t.items else ''}", t.name) for t in tasks]


def report_choices(listings: list[EvalListing]) -> list[tuple[str, str]]:
    choices = []
    for item in listings:
        record = item.record
        verdict = f" · {record.verdict.upper()}" if record.verdict else ""
        adapters = ", ".join(short_name(a) for a in record.adapter_ids) or "base vs prompted"
        choices.append((f"{record.id} · {adapters} on {record.dataset_id}{verdict}", record.id))
    return choices


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def progress_html(progress: EvalProgress | None) -> str:
    if progress is None:
        return ""
    job, record = progress.job, progress.record
    if progress.report is not None:
        return f'<p class="ts-muted" id="evaluate-progress-done">Evaluation <code>{record.id}</code> finished: its report is below.</p>'
    if job is None:
        return f'<p class="ts-warning">Evaluation {html.escape(record.id)} has no job record.</p>'
    if progress.problem:
        return f'<p class="ts-warning" id="evaluate-progress-problem">Evaluation {record.id} {job.state}: {html.escape(progress.problem)}</p>'
    fraction = job.fraction
    bar = (
        f'<progress class="ts-progress" value="{fraction:.3f}" max="1"></progress> {fraction:.0%}'
        if fraction is not None
        else '<progress class="ts-progress"></progress>'
    )
    if job.state == "queued":
        bar = "waiting for another model job (training or an evaluation) to finish"
    eta = job.eta_s()
    eta_text = f" · about {format_duration(eta)} left" if eta else ""
    return (
        f'<div id="evaluate-progress-body"><b>{record.id}</b> · <span class="ts-badge ts-badge-{job.state}">'
        f"{job.state}</span> {bar}{eta_text}<p class='ts-muted'>{html.escape(job.message)}</p></div>"
    )


def status_record(progress: EvalProgress) -> dict[str, Any]:
    """What the evaluation_status endpoint returns: plain JSON."""
    job, report = progress.job, progress.report
    return {
        "eval": progress.record.id,
        "state": "finished" if report else (job.state if job else "unknown"),
        "progress": job.fraction if job else None,
        "message": job.message if job else "",
        "problem": progress.problem,
        "summary": cli_summary(report).model_dump(mode="json") if report else None,
        "verdicts": {k: v.verdict for k, v in report.verdicts.items()} if report else {},
    }


def verdict_html(report: EvalReport | None) -> str:
    if report is None:
        return f'<p class="ts-empty">{NO_REPORT.replace("**", "")}</p>'
    if not report.verdicts:
        return '<p class="ts-muted">No adapter in this evaluation, so no verdict: the numbers compare base and prompted.</p>'
    return "".join(_verdict_block(adapter_id, verdict) for adapter_id, verdict in report.verdicts.items())


def _verdict_block(adapter_id: str, verdict: VerdictRecord) -> str:
    # Reports written before intervals have no outcome: their verdict is the outcome.
    outcome = verdict.outcome or verdict.verdict
    background, colour, title = VERDICT_STYLE[outcome]
    rows = "".join(
        f"<tr><td>{html.escape(c.label)}</td><td>{STATUS_MARK[c.status]}</td><td>{html.escape(c.detail)}</td></tr>"
        for c in verdict.checks
    )
    reasons = verdict.summary or "; ".join(verdict.reasons) or "every threshold holds"
    return (
        f'<div class="ts-verdict ts-verdict-{outcome}" style="background:{background};border-left:6px solid {colour};'
        f'padding:10px 14px;border-radius:8px;margin:6px 0">'
        f'<div style="font-size:1.25em;font-weight:700;color:{colour}">{title}: {html.escape(short_name(adapter_id))}</div>'
        f'<div class="ts-muted">{html.escape(reasons)}</div>'
        f'<table style="margin-top:6px;width:100%"><tr><th align="left">Threshold</th><th align="left">Result</th>'
        f'<th align="left">Numbers</th></tr>{rows}</table></div>'
    )


def forgetting_notes(report: EvalReport | None) -> str:
    forgetting = report.forgetting if report else None
    if not forgetting:
        return "The forgetting check was not part of this evaluation."
    limit = forgetting.limit
    notes = [f"Up to {limit} items per task." if limit else "Every item of each task."]
    notes += [f"⚠️ {message}" for message in forgetting.errors.values()]
    if limit and limit < 100:
        notes.append(
            "With few items a single answer moves the score by several points: read small changes as noise."
        )
    if any(t.local for t in forgetting.tasks.values()):
        notes.append(
            "The offline tasks are a smoke test: they catch a large drop, but showing a drop smaller than 2 "
            "points needs hundreds to thousands of items. The hub tasks (online) are the real check."
        )
    return " ".join(notes)


def variant_choices(report: EvalReport | None) -> list[tuple[str, str]]:
    if not report:
        return []
    labels = plot_labels(report)
    return [
        (labels[n] if labels[n] == short_name(n) else f"{labels[n]} ({short_name(n)})", n) for n in labels
    ]


def summary_markdown(report: EvalReport | None) -> str:
    if report is None:
        return ""
    dataset, base = report.dataset, report.base_model
    lines = [
        f"**{report.eval}** · {plural(dataset.tutor_turns, 'tutor turn')} from "
        f"{plural(dataset.conversations, 'test conversation')} of `{dataset.id}` · base model "
        f"`{base.display}` · checks: {', '.join(report.checks)}",
    ]
    labels = plot_labels(report)
    lines.append(" · ".join(f"**{labels[a]}** = `{a}`" for a in report.adapters))
    if report.cards:
        lines.append(
            "Model card: "
            + "; ".join(f"{labels.get(a, a)} {outcome}" for a, outcome in report.cards.items())
            + " (the verdict and every number are in its Evaluation section)."
        )
    if base.note:
        lines.append(f"⚠️ {base.note}")
    if report.judge:
        lines.append(judge_line(report.judge))
    return "\n\n".join(lines)


def judge_line(judge: JudgeSection) -> str:
    agreement = judge.agreement
    share = agreement.agreement if agreement else None
    pairs = agreement.pairs if agreement else 0
    return (
        f"Judge `{judge.model}`: "
        + ", ".join(f"{short_name(n)} {number(s.score)}" for n, s in judge.scores.items())
        + (
            f" · agrees with people on {percent(share)} of {pairs} voted pairs"
            if share is not None
            else " · no Compare votes to check it against yet"
        )
    )


def definitions_markdown() -> str:
    lines = ["| Number | What it means |", "|---|---|"]
    lines += [f"| {info.label} | {info.meaning} |" for info in METRICS.values()]
    lines.append(
        "\n*Reference* is the curated tutor turns of the test split scored the same way: what a perfect imitation "
        "of your dataset would get. Rates count only the turns they apply to (leaks and questions: before the "
        "student has reached the answer)."
    )
    return "\n".join(lines)
