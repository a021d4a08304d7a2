"""Pure formatting for the Deploy tab: adapters, export jobs, exports and parity reports in, HTML / markdown /
DataFrames out. No gradio, no I/O."""

from __future__ import annotations

import html
import time

import pandas as pd

from core.deploy.exports import TARGET_LABELS
from core.deploy.overview import AdapterSummary, DeployOverview, WatchedExport, WatchedParity
from core.deploy.parity import ParityReport
from core.deploy.records import ExportRecord, ExportSummary, ParityRecord
from core.jobs import Job
from core.train.records import Adapter
from studio.display import STATE_LABELS, format_bytes

VERDICT_TEXT = {
    "agree": ("ts-badge-succeeded", "Serving matches the studio"),
    "close": ("ts-badge-succeeded", "Close: only late, numerical differences"),
    "drift": ("ts-badge-failed", "Drift: serving answers differently"),
    "unreachable": ("ts-badge-failed", "Could not check the server"),
}
PREVIEW_LANGUAGES = {"serve.sh": "shell", "Modelfile": None, "README.md": "markdown"}
PREVIEW_LABEL = "The main file of the export"
EXPORT_COLUMNS = ["When", "Adapter", "Target", "Folder", "Size", "Hosted job"]
CHECK_COLUMNS = ["When", "Adapter", "Server", "Model", "Verdict", "Identical"]
ROW_COLUMNS = ["Same?", "Likely cause", "Prompt", "Studio says", "Server says", "From"]
ROW_WIDTHS: list[str | int] = ["7%", "13%", "28%", "22%", "22%", "8%"]
SOURCES = ("test split", "probe")
OUTCOMES = ("identical", "different")
CAUSE_LABELS = {
    "no_adapter": "adapter not applied",
    "system_prompt": "system prompt added",
    "template": "chat template differs",
    "numeric": "numerical noise",
    "length": "different length",
}


def adapter_choices(adapters: list[Adapter]) -> list[tuple[str, str]]:
    return [(f"{a.id} ({a.method.upper()})", a.id) for a in adapters]


def picked_adapter(adapters: list[Adapter], current: str | None) -> str | None:
    """Keep the user's pick while it exists; else the newest adapter (the first listed)."""
    ids = [a.id for a in adapters]
    return current if current in ids else (ids[0] if ids else None)


def change_keys(overview: DeployOverview) -> dict[str, str]:
    """One key per section of the tab: a section is redrawn only when its key changes (poll after poll)."""
    return {
        "adapters": str([a.id for a in overview.adapters]),
        "export": export_key(overview.export),
        "parity": str(overview.parity.record.id if overview.parity and overview.parity.record else None),
        "history": str([(r.id, r.updated_at) for r in overview.exports] + [c.id for c in overview.checks]),
    }


def export_key(watched: WatchedExport | None) -> str:
    """Changes when the watched export's record appears or moves on (a hosted job's status while followed)."""
    if watched is None or watched.record is None:
        return "none"
    return f"{watched.record.id}:{watched.record.updated_at}:{watched.job.state}"


def lineage_markdown(summary: AdapterSummary | None) -> str:
    if summary is None:
        return "Pick an adapter to see where it comes from."
    adapter = summary.adapter
    size = f" · {format_bytes(adapter.size_bytes)}" if adapter.size_bytes else ""
    lines = [f"**{adapter.id}** · {adapter.method.upper()} · base `{adapter.base_model}`{size}"]
    if summary.is_preference:
        lines.append(
            f"Preference-tuned from `{summary.parent_id}` (SFT dataset `{summary.sft_dataset}`, preference dataset "
            f"`{summary.preference_dataset}`). Exports serve both, so applications can switch with GENERATOR."
        )
    else:
        lines.append(f"Supervised adapter trained on `{summary.sft_dataset}`.")
    if summary.verdict:
        lines.append(f"Evaluate's verdict: **{summary.verdict.upper()}**.")
    else:
        lines.append("Not evaluated yet: the **Evaluate** tab checks it before students see it.")
    return "\n\n".join(lines)


def job_html(job: Job | None, element: str, idle: str) -> str:
    if job is None:
        return f'<p class="ts-muted" id="{element}">{html.escape(idle)}</p>'
    label = STATE_LABELS.get(job.state, job.state)
    bar = ""
    if job.is_active:
        fraction = job.fraction
        bar = (
            f'<progress class="ts-progress" value="{fraction:.3f}" max="1"></progress>'
            if fraction is not None
            else '<progress class="ts-progress"></progress>'
        )
    message = job.error if job.state in ("failed", "interrupted") and job.error else job.message
    return (
        f'<div id="{element}"><span class="ts-badge ts-badge-{job.state}">{label}</span> {bar} '
        f'{html.escape(job.title)} <code>{job.id}</code><p class="ts-muted">{html.escape(message or "")}</p></div>'
    )


def export_result_markdown(watched: WatchedExport | None) -> str:
    if watched is None or watched.record is None:
        return ""
    record, details = watched.record, watched.record.details
    target = TARGET_LABELS.get(record.target, record.target)
    lines = [f"✓ Exported **{record.adapter_id}** for {target} to `{record.path}`."]
    for name, command in details.commands.items():
        if name in ("serve", "create", "run", "kubernetes", "load"):
            lines.append(f"- {name}: `{command.splitlines()[0]}{' …' if chr(10) in command else ''}`")
    if watched.hosted is not None:
        lines.append(f"- Hosted fine-tuning: {watched.hosted.message}")
    elif details.hosted_status:
        lines.append(f"- Hosted fine-tuning: {details.hosted_status}")
    if not record.zip_path:
        lines.append("- Too big to download in the browser: copy the folder above.")
    return "\n".join(lines)


def preview(watched: WatchedExport | None) -> tuple[str, str | None, str]:
    """(text, language, label) of the export's main file."""
    if watched is None or watched.record is None:
        return "", None, PREVIEW_LABEL
    name = watched.main_file
    return watched.main_text, PREVIEW_LANGUAGES.get(name, "markdown"), f"{name} (in the download)"


def exports_frame(records: list[ExportRecord]) -> pd.DataFrame:
    rows = [
        [
            _when(r.created_at),
            r.adapter_id,
            TARGET_LABELS.get(r.target, r.target),
            r.path,
            format_bytes(r.details.bytes),
            _hosted(r.details),
        ]
        for r in records
    ]
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)


def checks_frame(records: list[ParityRecord]) -> pd.DataFrame:
    rows = [
        [
            _when(r.created_at),
            r.adapter_id,
            r.server_url,
            r.served_model,
            VERDICT_TEXT.get(r.verdict or "", ("", r.verdict or ""))[1],
            "" if r.agreement is None else f"{r.agreement:.0%}",
        ]
        for r in records
    ]
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def verdict_html(watched: WatchedParity | None) -> str:
    report = watched.report if watched else None
    if not report:
        return ""
    css, title = VERDICT_TEXT.get(report.verdict, ("", report.verdict))
    agreement = "" if report.agreement is None else f" · {report.agreement:.0%} identical"
    return (
        f'<div id="deploy-parity-verdict-body"><span class="ts-badge {css}">{html.escape(title)}</span>'
        f"{agreement}<p>{html.escape(report.message)}</p></div>"
    )


def parity_rows_frame(report: ParityReport | None) -> pd.DataFrame:
    rows = [
        [
            "yes" if row.agree else "no",
            CAUSE_LABELS.get(row.cause or "", ""),
            row.prompt.message[:160],
            row.studio[:240],
            row.server[:240],
            row.prompt.source,
        ]
        for row in (report.rows if report else [])
    ]
    return pd.DataFrame(rows, columns=ROW_COLUMNS)


def parity_plot_frame(report: ParityReport | None) -> pd.DataFrame:
    """Replies per prompt source, identical or not: one glance says where serving drifts."""
    # Every source and outcome, even at zero: the plot fixes its legend and colours from the first frame.
    counts = {(source, outcome): 0 for source in SOURCES for outcome in OUTCOMES}
    for row in report.rows if report else []:
        key = (row.prompt.source, "identical" if row.agree else "different")
        counts[key] = counts.get(key, 0) + 1
    rows = [{"prompts": source, "replies": outcome, "count": n} for (source, outcome), n in counts.items()]
    return pd.DataFrame(rows, columns=["prompts", "replies", "count"]).astype(
        {"prompts": "str", "replies": "str", "count": "int64"}
    )


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))


def _hosted(details: ExportSummary) -> str:
    status = details.hosted_status
    if not status:
        return ""
    model = details.fine_tuned_model
    return f"{status}: {model}" if model else str(status)
