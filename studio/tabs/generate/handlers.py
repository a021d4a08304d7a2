"""The Generate tab: pick documents (or chunks), a teacher, how many conversations per chunk and the student
mix; edit the tutor policy; preview three conversations; then generate as a background job whose counters,
filter reasons and newest conversations update live. Cancel and Resume work on the shown run. Each handler
calls one function of core/generate (or core/policy) and formats its answer with studio/tabs/generate/display.py."""

from __future__ import annotations

import random
from functools import partial
from types import SimpleNamespace
from typing import Any

import gradio as gr
from gradio.context import Context

from core.generate.config import DEFAULT_PER_CHUNK, MAX_CONCURRENCY, MAX_PER_CHUNK, SynthConfig, SynthError
from core.generate.intents import DEFAULT_WEIGHTS, INTENT_INFO, INTENTS, MixError, StudentMix
from core.generate.job import resume_generation, stop_generation, submit_generation
from core.generate.pipeline import preview_examples
from core.generate.status import describe_selection, generate_overview
from core.generate.teacher_config import TeacherConfig, TeacherConfigError, saved_teacher
from core.policy import PolicyError, current_policy, save_policy
from studio.context import AppContext
from studio.tabs.generate import display as show

POLL_SECONDS = 2.0
FIXABLE = (SynthError, TeacherConfigError, MixError, PolicyError)
TEACHERS = [
    ("Offline template teacher (no model, for demos and tests)", "template"),
    ("OpenAI-compatible server (vLLM, Ollama, OpenAI)", "openai"),
    ("Local model on this machine (transformers)", "hf"),
]
TEACHER_HELP = (
    "Who writes the conversations. The template teacher needs no model and is instant, but its wording is "
    "simple; an instruct model (e.g. served by vLLM) writes richer conversations and follows your edited policy."
)
POLICY_HELP = (
    "How the tutor should behave, in plain words. The teacher follows it when writing conversations, and the "
    "Compare and Evaluate tabs send this same text as the system prompt of the *prompted* model, so the "
    "comparison with your trained tutor is fair. (The offline template teacher always writes to the default policy.)"
)


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
        teacher,
        tuple(docs or ()),
        tuple(chunks or ()),
        int(per_chunk),
        int(concurrency),
        mix,
        seed=random.randrange(2**31),
    )


def refresh(
    ctx: AppContext, run_id: str | None, docs: list[str], signature: str, known: list[str]
) -> tuple[Any, ...]:
    """The poll: sources and runs (only when they changed), and the shown run's progress.

    A teacher who kept every document chosen gets new documents chosen too; a narrowed choice is kept."""
    view = generate_overview(ctx.store, ctx.workspace, run_id)
    status = view.status
    sources = "|".join(f"{d.id}:{d.chunks}" for d in view.documents) + "#" + ",".join(r.id for r in view.runs)
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
    gr.Markdown(
        "Write practice conversations between a student and a Socratic tutor from your course chunks. Each "
        "conversation is about one chunk; conversations that pass every check wait in the **Review** tab."
    )
    ui = SimpleNamespace()
    # Hidden until the first poll (on page load) says there is nothing to write about.
    ui.empty = gr.HTML(
        f"<p class='ts-empty'>{show.EMPTY_SOURCES}</p>", visible=False, elem_id="generate-empty"
    )
    _sources(ui)
    _teacher(ctx, ui)
    _mix_and_policy(ctx, ui)
    with gr.Row():
        ui.preview = gr.Button("Preview 3 conversations", elem_id="generate-preview")
        ui.start = gr.Button("Generate", variant="primary", elem_id="generate-start")
    ui.notice = gr.Markdown(elem_id="generate-notice")
    ui.preview_out = gr.HTML(elem_id="generate-preview-output")
    _progress(ui)
    ui.signature, ui.known = gr.State(""), gr.State([])
    _wire(ctx, ui)


def _sources(ui: SimpleNamespace) -> None:
    with gr.Row(equal_height=False):
        ui.docs = gr.Dropdown(
            label="Documents", multiselect=True, choices=[], scale=3, allow_custom_value=True, elem_id="generate-documents",
            info="Which documents to write about. Every ready document is chosen at first; remove any to leave it out.",
        )  # fmt: skip
        ui.chunks = gr.Dropdown(
            label="Only these chunks (optional)", multiselect=True, choices=[], scale=2, allow_custom_value=True, elem_id="generate-chunks",
            info="Leave empty to use every chunk of the chosen documents, or pick chunks to write about just those.",
        )  # fmt: skip
    ui.plan = gr.Markdown(elem_id="generate-plan")


def _teacher(ctx: AppContext, ui: SimpleNamespace) -> None:
    saved = saved_teacher(ctx.store)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            ui.kind = gr.Radio(
                TEACHERS, value=saved.kind, label="Teacher", info=TEACHER_HELP, elem_id="generate-teacher"
            )
            with gr.Group(visible=saved.kind == "openai") as ui.server:
                ui.url = gr.Textbox(saved.base_url or "", label="Server address", placeholder="http://127.0.0.1:8000/v1", elem_id="generate-url",
                                    info="The server's /v1 address: vLLM usually http://127.0.0.1:8000/v1, Ollama http://127.0.0.1:11434/v1.")  # fmt: skip
                ui.model = gr.Textbox((saved.model or "") if saved.kind == "openai" else "", label="Model name", elem_id="generate-model",
                                      info="The name the server knows the model by (for vLLM: the model you served).")  # fmt: skip
                ui.key_env = gr.Textbox(saved.api_key_env or "", label="API key variable", placeholder="OPENAI_API_KEY", elem_id="generate-key-env",
                                        info="The NAME of the environment variable that holds the API key; empty for a local server. The key itself is never stored.")  # fmt: skip
            ui.hf_model = gr.Textbox((saved.model or "") if saved.kind == "hf" else "", label="Local model", visible=saved.kind == "hf", elem_id="generate-hf-model",
                                     info="A Hugging Face model id or a model folder. It runs on this machine as a job that holds the accelerator.")  # fmt: skip
        with gr.Column(scale=2):
            ui.per_chunk = gr.Slider(1, MAX_PER_CHUNK, value=DEFAULT_PER_CHUNK, step=1, label="Conversations per chunk", elem_id="generate-per-chunk",
                                     info="Each one asks about a different fact of the chunk where it can, with a different kind of student.")  # fmt: skip
            ui.concurrency = gr.Slider(1, MAX_CONCURRENCY, value=8, step=1, label="Requests at once", elem_id="generate-concurrency",
                                       info="How many conversations are written at the same time. A vLLM server handles 32 or more; lower it if the server says 'too many requests'.")  # fmt: skip


def _mix_and_policy(ctx: AppContext, ui: SimpleNamespace) -> None:
    with gr.Accordion("Student mix", open=False, elem_id="generate-mix"):
        gr.Markdown(
            "How often each kind of student appears. The numbers are relative weights; 0 leaves a kind out."
        )
        ui.weights = []
        for row in (INTENTS[:3], INTENTS[3:]):
            with gr.Row():
                ui.weights += [
                    gr.Slider(0, 10, value=DEFAULT_WEIGHTS[i], step=1, label=INTENT_INFO[i].label, info=INTENT_INFO[i].help, elem_id=f"generate-mix-{i}")
                    for i in row
                ]  # fmt: skip
    with gr.Accordion("Tutor policy", open=False, elem_id="generate-policy-box"):
        gr.Markdown(POLICY_HELP)
        ui.policy = gr.Textbox(current_policy(ctx.store), lines=10, max_lines=24, label="Tutor policy", elem_id="generate-policy",
                               info="Edit it and press Save policy; clear it and save to go back to the default.")  # fmt: skip
        with gr.Row():
            ui.save_policy = gr.Button("Save policy", elem_id="generate-save-policy")
            ui.reset_policy = gr.Button("Restore the default policy", elem_id="generate-reset-policy")
        ui.policy_notice = gr.Markdown(elem_id="generate-policy-notice")


def _progress(ui: SimpleNamespace) -> None:
    gr.Markdown("### Progress")
    with gr.Row(equal_height=False):
        ui.run = gr.Dropdown(label="Run", choices=[], scale=4, allow_custom_value=True, elem_id="generate-run",
                             info="The newest run is shown; pick an earlier one to see it or to resume it.")  # fmt: skip
        with gr.Column(scale=1, min_width=160):
            ui.cancel = gr.Button("Cancel", variant="stop", interactive=False, elem_id="generate-cancel")
            ui.resume = gr.Button("Resume", interactive=False, elem_id="generate-resume")
    ui.status = gr.HTML(f"<p class='ts-empty'>{show.NO_RUN}</p>", elem_id="generate-progress")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            gr.Markdown("**Newest kept conversations**")
            ui.latest = gr.HTML(elem_id="generate-latest")
        with gr.Column(scale=2):
            ui.reasons = gr.BarPlot(x="reason", y="conversations", title="Why conversations were left out", elem_id="generate-reasons",
                                    visible=False, height=260, x_title=" ", y_title="conversations", y_lim=[0, None])  # fmt: skip
            with gr.Accordion("Newest left-out conversations", open=False):
                ui.filtered = gr.HTML(elem_id="generate-filtered")


def _wire(ctx: AppContext, ui: SimpleNamespace) -> None:
    config_inputs = [
        ui.docs,
        ui.chunks,
        ui.kind,
        ui.url,
        ui.model,
        ui.key_env,
        ui.hf_model,
        ui.per_chunk,
        ui.concurrency,
        *ui.weights,
    ]
    poll: dict[str, Any] = {
        "fn": partial(refresh, ctx),
        "inputs": [ui.run, ui.docs, ui.signature, ui.known],
        "outputs": [ui.empty, ui.docs, ui.run, ui.signature, ui.known, ui.status, ui.reasons, ui.latest, ui.filtered, ui.cancel, ui.resume],
        "show_progress": "hidden",
    }  # fmt: skip
    gr.Timer(POLL_SECONDS).tick(queue=False, api_name="generate_status", **poll)
    if Context.root_block is not None:  # fill the tab as soon as the page opens, not a poll later
        Context.root_block.load(api_visibility="private", **poll)
    ui.run.input(**poll)
    selection = {
        "fn": partial(select, ctx),
        "inputs": [ui.docs, ui.chunks, ui.per_chunk],
        "outputs": [ui.chunks, ui.plan],
    }
    ui.docs.change(api_name="describe_selection", show_progress="hidden", **selection)
    ui.chunks.input(show_progress="hidden", **selection)
    ui.per_chunk.release(show_progress="hidden", **selection)
    ui.kind.change(show_teacher_fields, inputs=[ui.kind], outputs=[ui.server, ui.hf_model])
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
    ui.save_policy.click(
        partial(store_policy, ctx),
        inputs=[ui.policy],
        outputs=[ui.policy, ui.policy_notice],
        api_name="save_policy",
    )
    ui.reset_policy.click(
        partial(store_policy, ctx, ""), outputs=[ui.policy, ui.policy_notice], api_name="reset_policy"
    )
