"""The Evaluate tab's tables and plot data: a report in, pandas DataFrames out. No gradio, no I/O."""

from __future__ import annotations

import pandas as pd

from core.evaluate.metrics import METRICS
from core.evaluate.report import ReportChange
from core.evaluate.report_model import EvalReport, ForgettingTask, Interval, ProbeItem
from studio.tabs.evaluate.display import number, percent, plot_labels, short_name
from studio.tabs.evaluate.intervals import interval_text

PLOTTED = (
    "question_rate",
    "leak_rate",
    "probe_leak_rate",
    "correct_refusal_rate",
    "encouragement_rate",
    "on_topic_rate",
    "prompt_tokens",
    "kl_to_prompted",
)


RATES = {
    "question_rate",
    "leak_rate",
    "probe_leak_rate",
    "correct_refusal_rate",
    "encouragement_rate",
    "on_topic_rate",
}


REFERENCE = "Reference"
OPENER_RATES = {"question_rate", "leak_rate", "encouragement_rate"}


INTENT_COLUMNS = [
    "Student intent",
    "Tutor",
    "Turns",
    "Guiding questions",
    "Answer leaks",
    "Encouragement",
    "On topic",
    "Reply tokens",
]


PLOT_TITLES = {
    "question_rate": "Guiding questions % ↑",
    "leak_rate": "Answer leaks % ↓",
    "probe_leak_rate": "Leaks on probes % ↓",
    "correct_refusal_rate": "Correct refusals % ↑",
    "encouragement_rate": "Encouragement % ↑",
    "on_topic_rate": "On topic % ↑",
    "prompt_tokens": "Input tokens per message ↓",
    "kl_to_prompted": "Distance to prompted ↓",
}
UNITS = {
    "rate": "",
    "tokens": " (tokens)",
    "seconds": " (seconds)",
    "nats": " (nats per token)",
    "score": " (1-5)",
}


OVERALL_METRICS = (*PLOTTED[:6], "reply_tokens", "prompt_tokens", "ttft_s", "kl_to_prompted", "judge_score")


def variant_order(report: EvalReport) -> list[str]:
    return list(plot_labels(report).values())


def metric_frame(report: EvalReport | None, metric: str) -> pd.DataFrame:
    """One bar per variant, rates in percent, each with its 95% interval (shown when hovering a bar).

    A rate the held-out openers measure comes from them (50+ replies per tutor); the others, and reports
    without openers, come from the test split (with the reference conversations beside them)."""
    rows = []
    if report is not None:
        labels = plot_labels(report)
        openers = report.openers.variants if report.openers else {}
        from_openers = bool(openers) and metric in OPENER_RATES
        for name, variant in report.variants.items():
            if from_openers and name in openers:
                found = openers[name].interval(metric) or Interval()
            else:
                found = variant.interval(metric) or Interval(value=variant.metric(metric))
            rows.append({"Tutor": labels[name], "Value": found.value, "Interval": _interval(metric, found)})
        curated = report.reference.metric(metric) if report.reference else None
        if metric in RATES and not from_openers and curated is not None:
            rows.append({"Tutor": REFERENCE, "Value": curated, "Interval": "curated turns"})
    frame = pd.DataFrame(rows, columns=["Tutor", "Value", "Interval"]).dropna(subset=["Value"])
    if metric in RATES:
        frame["Value"] = frame["Value"] * 100
    return frame


def _interval(metric: str, found: Interval) -> str:
    if found.low is None:
        return "no interval"
    shown = interval_text(found, tokens=metric not in RATES)
    return f"{shown} · {found.n} replies"


def plot_title(metric: str) -> str:
    return PLOT_TITLES[metric]


def overall_frame(report: EvalReport | None) -> pd.DataFrame:
    """Every headline number: one row per metric, one column per tutor (and the reference turns)."""
    if report is None:
        return pd.DataFrame(columns=["Number"])
    labels = plot_labels(report)
    reference = report.reference
    rows = []
    for metric in OVERALL_METRICS:
        values = [report.variants[name].metric(metric) for name in labels]
        if all(v is None for v in values):
            continue
        info = METRICS[metric]
        shown = [
            _with_interval(metric, v, report.variants[name].interval(metric))
            for name, v in zip(labels, values, strict=True)
        ]
        curated = (
            format_metric(metric, reference.metric(metric) if reference else None) if metric in RATES else "–"
        )
        rows.append([info.label + UNITS[info.unit], *shown, curated, f"{info.better} is better"])
    return pd.DataFrame(rows, columns=["Number", *labels.values(), REFERENCE, "Which way"])


def _with_interval(metric: str, value: float | None, found: Interval | None) -> str:
    """'42% (31–53%)' when the report has the interval (reports since intervals), else the point."""
    if found and found.low is not None and METRICS[metric].unit in ("rate", "tokens"):
        return interval_text(found, tokens=METRICS[metric].unit == "tokens")
    return format_metric(metric, value)


def format_metric(metric: str, value: float | None) -> str:
    unit = METRICS[metric].unit
    if unit == "rate":
        return percent(value)
    if unit == "nats":
        return number(value, 4)
    return number(value, {"seconds": 2, "tokens": 0}.get(unit, 1))


def intent_frame(report: EvalReport | None) -> pd.DataFrame:
    rows = []
    labels = plot_labels(report) if report else {}
    for name, variant in (report.variants if report else {}).items():
        for intent, m in variant.intents().items():
            rows.append(
                [
                    intent,
                    labels[name],
                    m.turns,
                    percent(m.question_rate),
                    percent(m.leak_rate),
                    percent(m.encouragement_rate),
                    percent(m.on_topic_rate),
                    number(m.reply_tokens, 0),
                ]
            )
    return pd.DataFrame(sorted(rows, key=lambda r: str(r[0])), columns=INTENT_COLUMNS)


def _tasks(report: EvalReport | None) -> dict[str, ForgettingTask]:
    return report.forgetting.tasks if report and report.forgetting else {}


def forgetting_frame(report: EvalReport | None) -> pd.DataFrame:
    """Per task: the base's score, each adapter's, and the change in points."""
    rows = []
    labels = plot_labels(report) if report else {}
    for task in _tasks(report).values():
        for adapter_id, score in task.adapters.items():
            change = task.change_points.get(adapter_id)
            paired = task.paired_difference(adapter_id)
            interval = (
                f" ({100 * paired.low:+.1f} to {100 * paired.high:+.1f}, {paired.items} items)"
                if paired
                else ""
            )
            rows.append(
                [
                    task.label,
                    labels.get(adapter_id, short_name(adapter_id)),
                    percent(task.base),
                    percent(score),
                    _signed(change) + interval,
                ]
            )
    columns = ["Task", "Adapter", "Base model", "Adapter score", "Change (points, 95% interval)"]
    return pd.DataFrame(rows, columns=columns)


def forgetting_change_frame(report: EvalReport | None) -> pd.DataFrame:
    rows = []
    for name, task in _tasks(report).items():
        for adapter_id, change in task.change_points.items():
            if change is not None and task.general:
                label = plot_labels(report).get(adapter_id, adapter_id) if report else adapter_id
                rows.append({"Task": task_label(name), "Change (points)": change, "Adapter": label})
    return pd.DataFrame(rows, columns=["Task", "Change (points)", "Adapter"])


def task_label(name: str) -> str:
    return name.removeprefix("ts_").replace("_", " ")


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1f}"


def probe_frame(report: EvalReport | None, variant: str | None) -> pd.DataFrame:
    columns = ["Probe", "Kind", "Student", "Reply", "Result", "Why"]
    section = report.probes.get(variant or "") if report else None
    rows = [
        [i.probe_id, i.category.replace("_", " "), i.message, i.reply, _probe_result(i), i.reason]
        for i in (section.rows() if section else [])
    ]
    return pd.DataFrame(rows, columns=columns)


def _probe_result(item: ProbeItem) -> str:
    if item.leaked:
        return "LEAKED"
    if item.refused is not None:
        return "refused" if item.refused else "GAVE IN"
    if item.handled is not None:
        return "handled" if item.handled else "NOT HANDLED"
    return "–"


def samples_frame(report: EvalReport | None, variant: str | None) -> pd.DataFrame:
    columns = ["Intent", "Student said", "Reference tutor", "This tutor said", "Problems"]
    rows = []
    for sample in report.samples if report else []:
        reply = sample.replies.get(variant or "")
        if reply is not None:
            rows.append(
                [sample.intent, sample.student, sample.reference, reply.text, ", ".join(reply.flags) or "–"]
            )
    return pd.DataFrame(rows, columns=columns)


def tutor_label(variant: str, report: EvalReport) -> str:
    """A compared variant as the tables name it: Base, Prompted, Adapter, or "v1 → v2" for two adapters."""
    labels = plot_labels(report)
    if " → " in variant:
        return " → ".join(short_name(part) for part in variant.split(" → "))
    return labels.get(variant, short_name(variant))


def change_text(metric: str, change: float | None) -> str:
    if change is None:
        return "–"
    if abs(change) < 1e-12:
        return "no change"
    return f"{100 * change:+.1f} points" if metric in RATES else f"{change:+.3g}"


def comparison_frame(rows: list[ReportChange], after: EvalReport) -> pd.DataFrame:
    """Every number of both reports: before, after, the change and whether that is better."""
    table = [
        [
            METRICS[row.metric].label,
            tutor_label(row.variant, after),
            format_metric(row.metric, row.before),
            format_metric(row.metric, row.after),
            change_text(row.metric, row.change),
            _better(row.metric, row.change),
        ]
        for row in rows
    ]
    return pd.DataFrame(table, columns=["Number", "Tutor", "Before", "After", "Change", "Better or worse"])


def comparison_plot_frame(rows: list[ReportChange], after: EvalReport) -> tuple[pd.DataFrame, list[float]]:
    """The change of every rate in points (one bar per rate and tutor, in metric order) and a y range
    of at least ±5 points, so that "no change" reads as a flat line rather than a magnified axis."""
    data = [
        {
            "Change": f"{METRICS[r.metric].label} · {tutor_label(r.variant, after)}",
            "Points": 100 * r.change,
            "Tutor": tutor_label(r.variant, after),
        }
        for metric in PLOTTED
        for r in rows
        if r.metric == metric and metric in RATES and r.change is not None
    ]
    frame = pd.DataFrame(data, columns=["Change", "Points", "Tutor"])
    low = min([-5.0, *frame["Points"].tolist()])
    high = max([5.0, *frame["Points"].tolist()])
    return frame, [low, high]


def _better(metric: str, change: float | None) -> str:
    if not change:
        return ""
    good = change > 0 if METRICS[metric].better == "higher" else change < 0
    return "better" if good else "worse"
