"""The Generate tab's layout: sources, teacher, student mix and policy, the buttons and the run's progress,
declared in one GenerateWidgets. Layout only; studio/tabs/generate/handlers.py wires the events.

Help texts and defaults come from SynthConfig (core/generate/config.py), the same fields that give the
`generate` command's flags their help and defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from core.generate.config import MAX_CONCURRENCY, MAX_PER_CHUNK, SynthConfig
from core.generate.intents import DEFAULT_WEIGHTS, INTENT_INFO, INTENTS
from core.generate.teacher_config import TeacherConfig
from studio.tabs.generate import display as show

INTRO = (
    "Write practice conversations between a student and a Socratic tutor from your course chunks. Each "
    "conversation is about one chunk; conversations that pass every check wait in the **Review** tab."
)
TEACHERS = [
    ("Offline template teacher (no model, for demos and tests)", "template"),
    ("OpenAI-compatible server (vLLM, Ollama, OpenAI)", "openai"),
    ("Local model on this machine (transformers)", "hf"),
]
POLICY_HELP = (
    "How the tutor should behave, in plain words. The teacher follows it when writing conversations, and the "
    "Compare and Evaluate tabs send this same text as the system prompt of the *prompted* model, so the "
    "comparison with your trained tutor is fair. (The offline template teacher always writes to the default policy.)"
)
MAX_WEIGHT = 10


@dataclass
class GenerateWidgets:
    empty: gr.HTML
    docs: gr.Dropdown
    chunks: gr.Dropdown
    plan: gr.Markdown
    kind: gr.Radio
    server: gr.Group
    url: gr.Textbox
    model: gr.Textbox
    key_env: gr.Textbox
    hf_model: gr.Textbox
    per_chunk: gr.Slider
    concurrency: gr.Slider
    weights: list[gr.Slider]  # one per intent, in INTENTS order
    policy: gr.Textbox
    save_policy: gr.Button
    reset_policy: gr.Button
    policy_notice: gr.Markdown
    preview: gr.Button
    start: gr.Button
    notice: gr.Markdown
    preview_out: gr.HTML
    run: gr.Dropdown
    cancel: gr.Button
    resume: gr.Button
    status: gr.HTML
    latest: gr.HTML
    reasons: gr.BarPlot
    filtered: gr.HTML
    signature: gr.State  # the sources and runs last drawn, so the poll redraws only on a change
    known: gr.State  # the document ids last offered

    @property
    def config_inputs(self) -> list[Any]:
        """The widgets a SynthConfig is read from, in the order handlers.read_config takes them."""
        return [
            self.docs, self.chunks, self.kind, self.url, self.model, self.key_env, self.hf_model,
            self.per_chunk, self.concurrency, *self.weights,
        ]  # fmt: skip

    @property
    def poll_outputs(self) -> list[Any]:
        """What the poll redraws, in the order handlers.refresh returns it."""
        return [
            self.empty, self.docs, self.run, self.signature, self.known, self.status, self.reasons,
            self.latest, self.filtered, self.cancel, self.resume,
        ]  # fmt: skip


def build_layout(saved: TeacherConfig, policy: str) -> GenerateWidgets:
    gr.Markdown(INTRO)
    # Hidden until the first poll (on page load) says there is nothing to write about.
    parts: dict[str, Any] = {
        "empty": gr.HTML(f"<p class='ts-empty'>{show.EMPTY_SOURCES}</p>", visible=False, elem_id="generate-empty")
    }  # fmt: skip
    parts |= sources_section()
    parts |= teacher_section(saved)
    parts |= mix_section()
    parts |= policy_section(policy)
    with gr.Row():
        parts["preview"] = gr.Button("Preview 3 conversations", elem_id="generate-preview")
        parts["start"] = gr.Button("Generate", variant="primary", elem_id="generate-start")
    parts["notice"] = gr.Markdown(elem_id="generate-notice")
    parts["preview_out"] = gr.HTML(elem_id="generate-preview-output")
    parts |= progress_section()
    parts |= {"signature": gr.State(""), "known": gr.State([])}
    return GenerateWidgets(**parts)


def sources_section() -> dict[str, Any]:
    with gr.Row(equal_height=False):
        docs = gr.Dropdown(
            label="Documents", multiselect=True, choices=[], scale=3, allow_custom_value=True,
            info=SynthConfig.help("document_ids"), elem_id="generate-documents",
        )  # fmt: skip
        chunks = gr.Dropdown(
            label="Only these chunks (optional)", multiselect=True, choices=[], scale=2, allow_custom_value=True,
            info=SynthConfig.help("chunk_ids"), elem_id="generate-chunks",
        )  # fmt: skip
    return {"docs": docs, "chunks": chunks, "plan": gr.Markdown(elem_id="generate-plan")}


def teacher_section(saved: TeacherConfig) -> dict[str, Any]:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            parts = teacher_fields(saved)
        with gr.Column(scale=2):
            parts["per_chunk"] = gr.Slider(
                1, MAX_PER_CHUNK, value=SynthConfig.default("per_chunk"), step=1, label="Conversations per chunk",
                info=SynthConfig.help("per_chunk"), elem_id="generate-per-chunk",
            )  # fmt: skip
            parts["concurrency"] = gr.Slider(
                1, MAX_CONCURRENCY, value=SynthConfig.default("concurrency"), step=1, label="Requests at once",
                info=SynthConfig.help("concurrency"), elem_id="generate-concurrency",
            )  # fmt: skip
    return parts


def teacher_fields(saved: TeacherConfig) -> dict[str, Any]:
    kind = gr.Radio(
        TEACHERS,
        value=saved.kind,
        label="Teacher",
        info=SynthConfig.help("teacher"),
        elem_id="generate-teacher",
    )
    with gr.Group(visible=saved.kind == "openai") as server:
        url = gr.Textbox(saved.base_url or "", label="Server address", placeholder="http://127.0.0.1:8000/v1", elem_id="generate-url",
                         info="The server's /v1 address: vLLM usually http://127.0.0.1:8000/v1, Ollama http://127.0.0.1:11434/v1.")  # fmt: skip
        model = gr.Textbox((saved.model or "") if saved.kind == "openai" else "", label="Model name", elem_id="generate-model",
                           info="The name the server knows the model by (for vLLM: the model you served).")  # fmt: skip
        key_env = gr.Textbox(saved.api_key_env or "", label="API key variable", placeholder="OPENAI_API_KEY", elem_id="generate-key-env",
                             info="The NAME of the environment variable that holds the API key; empty for a local server. The key itself is never stored.")  # fmt: skip
    hf_model = gr.Textbox((saved.model or "") if saved.kind == "hf" else "", label="Local model", visible=saved.kind == "hf", elem_id="generate-hf-model",
                          info="A Hugging Face model id or a model folder. It runs on this machine as a job that holds the accelerator.")  # fmt: skip
    return {
        "kind": kind,
        "server": server,
        "url": url,
        "model": model,
        "key_env": key_env,
        "hf_model": hf_model,
    }


def mix_section() -> dict[str, Any]:
    weights: list[gr.Slider] = []
    with gr.Accordion("Student mix", open=False, elem_id="generate-mix"):
        gr.Markdown(SynthConfig.help("mix"))
        for row in (INTENTS[:3], INTENTS[3:]):
            with gr.Row():
                weights += [
                    gr.Slider(0, MAX_WEIGHT, value=DEFAULT_WEIGHTS[i], step=1, label=INTENT_INFO[i].label, info=INTENT_INFO[i].help, elem_id=f"generate-mix-{i}")
                    for i in row
                ]  # fmt: skip
    return {"weights": weights}


def policy_section(policy: str) -> dict[str, Any]:
    with gr.Accordion("Tutor policy", open=False, elem_id="generate-policy-box"):
        gr.Markdown(POLICY_HELP)
        text = gr.Textbox(policy, lines=10, max_lines=24, label="Tutor policy", elem_id="generate-policy",
                          info="Edit it and press Save policy; clear it and save to go back to the default.")  # fmt: skip
        with gr.Row():
            save = gr.Button("Save policy", elem_id="generate-save-policy")
            reset = gr.Button("Restore the default policy", elem_id="generate-reset-policy")
        notice = gr.Markdown(elem_id="generate-policy-notice")
    return {"policy": text, "save_policy": save, "reset_policy": reset, "policy_notice": notice}


def progress_section() -> dict[str, Any]:
    gr.Markdown("### Progress")
    with gr.Row(equal_height=False):
        run = gr.Dropdown(label="Run", choices=[], scale=4, allow_custom_value=True, elem_id="generate-run",
                          info="The newest run is shown; pick an earlier one to see it or to resume it.")  # fmt: skip
        with gr.Column(scale=1, min_width=160):
            cancel = gr.Button("Cancel", variant="stop", interactive=False, elem_id="generate-cancel")
            resume = gr.Button("Resume", interactive=False, elem_id="generate-resume")
    status = gr.HTML(f"<p class='ts-empty'>{show.NO_RUN}</p>", elem_id="generate-progress")
    return {"run": run, "cancel": cancel, "resume": resume, "status": status, **outcome_section()}


def outcome_section() -> dict[str, Any]:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            gr.Markdown("**Newest kept conversations**")
            latest = gr.HTML(elem_id="generate-latest")
        with gr.Column(scale=2):
            reasons = gr.BarPlot(x="reason", y="conversations", title="Why conversations were left out", elem_id="generate-reasons",
                                 visible=False, height=260, x_title=" ", y_title="conversations", y_lim=[0, None])  # fmt: skip
            with gr.Accordion("Newest left-out conversations", open=False):
                filtered = gr.HTML(elem_id="generate-filtered")
    return {"latest": latest, "reasons": reasons, "filtered": filtered}
