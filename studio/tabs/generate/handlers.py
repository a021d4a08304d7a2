"""The Generate tab: pick documents (or chunks), a teacher, how many conversations per chunk and the student
mix; edit the tutor policy; preview three conversations; then generate as a background job whose counters,
filter reasons and newest conversations update live. Cancel and Resume work on the shown run. Each handler
calls one function of core/generate (or core/policy) and formats its answer with studio/tabs/generate/display.py."""

from __future__ import annotations

import random
from functools import partial
from typing import Any

import gradio as gr
from gradio.context import Context

from core.generate.config import SynthConfig, SynthError
from core.generate.intents import INTENTS, MixError, StudentMix
from core.generate.job import resume_generation, stop_generation, submit_generation
from core.generate.pipeline import preview_examples
from core.generate.status import describe_selection, generate_overview
from core.generate.teacher_config import TeacherConfig, TeacherConfigError, saved_teacher
from core.policy import PolicyError, current_policy, save_policy
from studio.context import AppContext
from studio.tabs.generate import display as show
from studio.tabs.generate.layout import GenerateWidgets, build_layout

POLL_SECONDS = 2.0
FIXABLE = (SynthError, TeacherConfigError, MixError, PolicyError)


def read_config(
    docs: list[str], chunks: list[str], kind: str, url: str, model: str, key_env: str, hf_model: str,
    per_chunk: float, concurrency: float, *weights: float,
) -> SynthConfig:  # fmt: skip
    """The widgets' values as a SynthConfig; core raises a message fit for the screen when one is wrong."""
    if kind == "openai":
        teacher = TeacherConfig(
            kind="openai", base_url=url.strip(), model=model.strip(), api_key_env=key_env.strip() or None
        )
    elif kind == "hf":
        teacher = TeacherConfig(kind="hf", model=hf_model.strip())
    else:
        teacher = TeacherConfig()
    mix = StudentMix(dict(zip(INTENTS, (float(w or 0) for w in weights), strict=True)))
    return SynthConfig(
        teacher=teacher,
        document_ids=tuple(docs or ()),
        chunk_ids=tuple(chunks or ()),
        per_chunk=int(per_chunk),
        concurrency=int(concurrency),
        mix=mix,
        seed=random.randrange(2**31),
    )


def refresh(
    ctx: AppContext, run_id: str | None, docs: list[str], signature: str, known: list[str]
) -> tuple[Any, ...]:
    """The poll: sources and runs (only when they changed), and the shown run's progress.

    A teacher who kept every document chosen gets new documents chosen too; a narrowed choice is kept."""
    view = generate_overview(ctx.store, ctx.workspace, run_id)
    status = view.status
    sources = show.sources_signature(view)
    ids = [d.id for d in view.documents]
    if sources == signature:
        docs_update, runs_update, empty = gr.skip(), gr.skip(), gr.skip()
    else:
        chosen = ids if set(known) <= set(docs or []) else [d for d in docs or [] if d in ids]
        docs_update = gr.update(choices=show.document_choices(view.documents), value=chosen)
        runs_update = gr.update(choices=show.run_choices(view.runs), value=status.run.id if status else None)
        empty = gr.update(visible=not view.documents)
    return (
        empty, docs_update, runs_update, sources, ids, show.progress_html(status),
        gr.update(value=show.reasons_frame(status), visible=bool(status and status.reasons)),
        show.latest_html(status), show.filtered_html(status.latest_filtered if status else []),
        gr.update(interactive=bool(status and status.is_active)), gr.update(interactive=bool(status and status.can_resume)),
    )  # fmt: skip


def select(ctx: AppContext, docs: list[str], chunks: list[str], per_chunk: float) -> tuple[Any, str]:
    selection = describe_selection(ctx.store, docs or [], chunks or [], int(per_chunk))
    choices = show.chunk_choices(selection.available, selection.names)
    kept = [c for c in chunks or [] if c in {cid for _, cid in choices}]
    return gr.update(choices=choices, value=kept), show.plan_markdown(selection)


def preview(ctx: AppContext, *values: Any) -> str:
    try:
        results = preview_examples(ctx.store, ctx.workspace, read_config(*values))
    except FIXABLE as exc:
        raise gr.Error(str(exc)) from exc
    return show.preview_html(results)


def generate(ctx: AppContext, *values: Any) -> tuple[str, Any]:
    try:
        start = submit_generation(ctx.store, ctx.workspace, read_config(*values))
    except FIXABLE as exc:
        raise gr.Error(str(exc)) from exc
    message = (
        f"Started: {start.items} conversations from {start.chunks} chunks. Counters and the newest conversations "
        "below update as they are written; kept ones wait in the Review tab."
    )
    return message, gr.update(value=start.run_id)


def cancel(ctx: AppContext, run_id: str | None) -> str:
    if not run_id:
        raise gr.Error("There is no run to cancel yet.")
    try:
        stop_generation(ctx.store, ctx.workspace, run_id)
    except FIXABLE as exc:
        raise gr.Error(str(exc)) from exc
    return "Cancelling: conversations already written are kept; press Resume later to write the rest."


def resume(ctx: AppContext, run_id: str | None) -> str:
    if not run_id:
        raise gr.Error("Pick a run to resume in the Run list.")
    try:
        start = resume_generation(ctx.store, ctx.workspace, run_id)
    except FIXABLE as exc:
        raise gr.Error(str(exc)) from exc
    return f"Resumed: {start.items} conversations left to write; finished ones are not redone."


def store_policy(ctx: AppContext, text: str) -> tuple[str, str]:
    try:
        saved = save_policy(ctx.store, text)
    except PolicyError as exc:
        raise gr.Error(str(exc)) from exc
    note = (
        "Saved. New conversations, Compare and Evaluate use this policy."
        if text.strip()
        else "Restored the default policy."
    )
    return saved, note


def show_teacher_fields(kind: str) -> tuple[Any, Any]:
    return gr.update(visible=kind == "openai"), gr.update(visible=kind == "hf")


def build(ctx: AppContext) -> None:
    ui = build_layout(saved_teacher(ctx.store), current_policy(ctx.store))
    _wire(ctx, ui)


def _wire(ctx: AppContext, ui: GenerateWidgets) -> None:
    poll = _wire_poll(ctx, ui)
    selection: dict[str, Any] = {
        "fn": partial(select, ctx),
        "inputs": [ui.docs, ui.chunks, ui.per_chunk],
        "outputs": [ui.chunks, ui.plan],
    }
    ui.docs.change(api_name="describe_selection", show_progress="hidden", **selection)
    ui.chunks.input(show_progress="hidden", **selection)
    ui.per_chunk.release(show_progress="hidden", **selection)
    ui.kind.change(show_teacher_fields, inputs=[ui.kind], outputs=[ui.server, ui.hf_model])
    _wire_run(ctx, ui, poll)
    _wire_policy(ctx, ui)


def _wire_poll(ctx: AppContext, ui: GenerateWidgets) -> dict[str, Any]:
    """The poll's event settings, wired to the timer, the page load and the run list; returned for `.then`."""
    poll: dict[str, Any] = {
        "fn": partial(refresh, ctx),
        "inputs": [ui.run, ui.docs, ui.signature, ui.known],
        "outputs": ui.poll_outputs,
        "show_progress": "hidden",
    }
    gr.Timer(POLL_SECONDS).tick(queue=False, api_name="generate_status", **poll)
    if Context.root_block is not None:  # fill the tab as soon as the page opens, not a poll later
        Context.root_block.load(api_visibility="private", **poll)
    ui.run.input(**poll)
    return poll


def _wire_run(ctx: AppContext, ui: GenerateWidgets, poll: dict[str, Any]) -> None:
    config_inputs = ui.config_inputs
    ui.preview.click(
        partial(preview, ctx), inputs=config_inputs, outputs=[ui.preview_out], api_name="preview_generation"
    )
    ui.start.click(
        partial(generate, ctx), inputs=config_inputs, outputs=[ui.notice, ui.run], api_name="start_generation"
    ).then(**poll)
    ui.cancel.click(partial(cancel, ctx), inputs=[ui.run], outputs=[ui.notice], api_name="cancel_generation")
    ui.resume.click(
        partial(resume, ctx), inputs=[ui.run], outputs=[ui.notice], api_name="resume_generation"
    ).then(**poll)


def _wire_policy(ctx: AppContext, ui: GenerateWidgets) -> None:
    ui.save_policy.click(
        partial(store_policy, ctx),
        inputs=[ui.policy],
        outputs=[ui.policy, ui.policy_notice],
        api_name="save_policy",
    )
    ui.reset_policy.click(
        partial(store_policy, ctx, ""), outputs=[ui.policy, ui.policy_notice], api_name="reset_policy"
    )
