"""Pure formatting helpers: records in, strings / HTML / DataFrames out. No gradio, no I/O."""

from __future__ import annotations

import html
import time

from core.jobs import JobStatus

STATE_LABELS = {
    "queued": "Waiting",
    "starting": "Starting",
    "running": "Running",
    "succeeded": "Done",
    "succeeded_with_failures": "Done, some failed",
    "failed": "Failed",
    "cancelled": "Cancelled",
    "stopped": "Stopped",
    "interrupted": "Interrupted",
}


def format_duration(seconds: float | None) -> str:
    """`42s`, `3m 05s`, `2h 10m`; an empty string for None."""
    if seconds is None:
        return ""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def format_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def job_progress_html(status: JobStatus, at: float | None = None) -> str:
    job = status.job
    if job.state == "queued":
        where = f"#{status.queue_position} in queue" if status.queue_position else "in queue"
        return f'<span class="ts-muted">{where}</span>'
    fraction = job.fraction
    if fraction is None:
        return '<progress class="ts-progress"></progress>' if job.is_active else ""
    eta = job.eta_s(at)
    eta_text = f" · {format_duration(eta)} left" if eta else ""
    return (
        f'<progress class="ts-progress" value="{fraction:.3f}" max="1"></progress>'
        f'<span class="ts-muted"> {fraction:.0%}{eta_text}</span>'
    )


def jobs_table_html(statuses: list[JobStatus], at: float | None = None) -> str:
    """The Jobs panel's table: what, state, progress, elapsed time, latest message."""
    if not statuses:
        return (
            '<p class="ts-empty">No background jobs yet. Converting documents, generating conversations, '
            "training and evaluating run here, and keep running if you close the browser.</p>"
        )
    at = at or time.time()
    rows = []
    for status in statuses:
        job = status.job
        message = job.error if job.state in ("failed", "interrupted") and job.error else job.message
        # The outcome, not the bare state: a run whose items partly failed must not look like a clean one.
        outcome = job.outcome
        rows.append(
            f'<tr class="ts-job ts-state-{outcome}">'
            f"<td><code>{html.escape(job.id)}</code></td>"
            f"<td>{html.escape(job.title)}</td>"
            f'<td><span class="ts-badge ts-badge-{outcome}">{STATE_LABELS.get(outcome, outcome)}</span></td>'
            f"<td>{job_progress_html(status, at)}</td>"
            f"<td>{format_duration(job.elapsed_s(at)) if job.started_at else ''}</td>"
            f"<td>{html.escape(message or '')}</td></tr>"
        )
    header = (
        "<tr><th>Job</th><th>What</th><th>State</th><th>Progress</th><th>Elapsed</th><th>Latest</th></tr>"
    )
    return f'<table class="ts-jobs">{header}{"".join(rows)}</table>'


def job_choice_label(status: JobStatus) -> str:
    job = status.job
    return f"{job.title} ({STATE_LABELS.get(job.outcome, job.outcome).lower()}) · {job.id}"
