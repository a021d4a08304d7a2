"""The Jobs panel, shown under every tab: background jobs with state, progress, elapsed time,
log tail and Cancel. It polls the store, so jobs started before a refresh or restart show again."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import partial

import gradio as gr

from core.jobs import enforce_stop, poll_jobs, read_log_tail, request_stop
from studio.context import AppContext
from studio.display import job_choice_label, jobs_table_html

POLL_SECONDS = 2.0


def refresh(ctx: AppContext, selected: str | None) -> tuple[str, dict, str]:
    statuses = poll_jobs(ctx.store, ctx.workspace)
    choices = [(job_choice_label(status), status.job.id) for status in statuses]
    ids = [job_id for _, job_id in choices]
    if selected not in ids:
        active = [status.job.id for status in statuses if status.job.is_active]
        selected = active[0] if active else (ids[0] if ids else None)
    log_tail = read_log_tail(ctx.workspace, selected) if selected else ""
    return jobs_table_html(statuses), gr.update(choices=choices, value=selected), log_tail


def cancel(ctx: AppContext, selected: str | None) -> str:
    if not selected:
        raise gr.Error("Pick a job in the list first, then press Cancel.")
    job = request_stop(ctx.store, selected, mode="cancel")
    if job.state in ("cancelled", "stopped"):
        return f"Cancelled {job.title} before it started."
    if not job.is_active:
        return f"{job.title} had already ended ({job.state})."
    # Escalation (grace period, SIGTERM, SIGKILL) can take a while: never block the click on it.
    threading.Thread(target=enforce_stop, args=(ctx.store, ctx.workspace, selected), daemon=True).start()
    return f"Cancelling {job.title}: it winds down, and is ended within {job.grace_s:.0f} s if it does not."


@dataclass
class JobsPanelWidgets:
    table: gr.HTML
    selected: gr.Dropdown
    cancel_button: gr.Button
    notice: gr.Markdown
    log_tail: gr.Textbox


def build(ctx: AppContext, demo: gr.Blocks) -> None:
    with gr.Accordion("Jobs", open=True, elem_id="jobs-panel"):
        widgets = _layout()
    _wire(ctx, demo, widgets)


def _layout() -> JobsPanelWidgets:
    table = gr.HTML(elem_id="jobs-table")
    with gr.Row():
        selected = gr.Dropdown(
            label="Selected job",
            info="Pick a job to see its log and to cancel it. Jobs keep running when you close the browser.",
            choices=[],
            scale=4,
            elem_id="jobs-selected",
        )
        cancel_button = gr.Button(
            "Cancel job", variant="stop", size="md", scale=0, min_width=140, elem_id="jobs-cancel"
        )
    notice = gr.Markdown(elem_id="jobs-notice")
    log_tail = gr.Textbox(
        label="Log (last lines)",
        lines=6,
        max_lines=12,
        interactive=False,
        elem_id="jobs-log",
        autoscroll=True,
    )
    return JobsPanelWidgets(table, selected, cancel_button, notice, log_tail)


def _wire(ctx: AppContext, demo: gr.Blocks, ui: JobsPanelWidgets) -> None:
    outputs = [ui.table, ui.selected, ui.log_tail]
    poll = partial(refresh, ctx)
    gr.Timer(POLL_SECONDS).tick(
        poll, inputs=[ui.selected], outputs=outputs, show_progress="hidden", queue=False, api_name="jobs"
    )
    ui.selected.input(poll, inputs=[ui.selected], outputs=outputs, show_progress="hidden")
    ui.cancel_button.click(
        partial(cancel, ctx), inputs=[ui.selected], outputs=[ui.notice], api_name="cancel_job"
    )
    demo.load(poll, inputs=[ui.selected], outputs=outputs, show_progress="hidden")
