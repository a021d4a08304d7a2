"""The Compare tab's "Where the tutors run" panel, its layout: the studio's own model or an
OpenAI-compatible server (URL, model name, the NAME of the API-key variable), a connection check,
and the exact `vllm serve` command for the adapters picked in the columns.

Layout only; studio/tabs/compare/serving_handlers.py holds its handlers.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from core.compare.backends import ServingConfig

SERVING_CHOICES = [
    ("In the studio (transformers)", "transformers"),
    ("OpenAI-compatible server (vLLM, Ollama, OpenAI)", "openai"),
]
DEFAULT_SERVER_URL = "http://127.0.0.1:8000/v1"


@dataclass
class ServingWidgets:
    kind: gr.Radio
    server_box: gr.Group  # the server's settings, shown for an OpenAI-compatible server
    url: gr.Textbox
    model: gr.Textbox
    key_env: gr.Textbox
    check: gr.Button
    check_result: gr.Markdown
    vllm: gr.Code
    vllm_notes: gr.Markdown

    def settings(self) -> list[gr.components.Component]:
        return [self.kind, self.url, self.model, self.key_env]


def build_serving(serving: ServingConfig, served_model: str, command: str, notes: str) -> ServingWidgets:
    with gr.Accordion("Where the tutors run", open=False, elem_id="compare-serving"):
        kind = gr.Radio(
            SERVING_CHOICES,
            value=serving.kind,
            label="Serving backend",
            info="The studio runs the base model itself (one copy shared by all columns), or sends every column "
            "to a server such as vLLM, which reaches each adapter by its name.",
            elem_id="compare-serving-kind",
        )
        with gr.Group(visible=serving.kind == "openai") as server_box:
            url, model, key_env = server_fields(serving, served_model)
            check = gr.Button("Check connection", size="sm", elem_id="compare-check")
            check_result = gr.Markdown(elem_id="compare-check-result")
        vllm = gr.Code(
            command,
            language="shell",
            interactive=False,
            label="To serve the tutors picked in the columns with vLLM (on a GPU machine), run:",
            elem_id="compare-vllm-command",
        )
        vllm_notes = gr.Markdown(notes, elem_id="compare-vllm-notes")
    return ServingWidgets(kind, server_box, url, model, key_env, check, check_result, vllm, vllm_notes)


def server_fields(serving: ServingConfig, served_model: str) -> tuple[gr.Textbox, gr.Textbox, gr.Textbox]:
    with gr.Row():
        url = gr.Textbox(
            value=serving.base_url or DEFAULT_SERVER_URL,
            label="Server URL",
            info="Where the server answers, ending in /v1.",
            elem_id="compare-server-url",
        )
        model = gr.Textbox(
            value=serving.model or served_model,
            label="Base model name on the server",
            info="vLLM: the --served-model-name in the command below.",
            elem_id="compare-server-model",
        )
        key_env = gr.Textbox(
            value=serving.api_key_env,
            label="API key variable",
            info="The NAME of the environment variable holding the key (e.g. OPENAI_API_KEY); the key "
            "itself is never stored. Leave empty for a local vLLM.",
            elem_id="compare-server-key-env",
        )
    return url, model, key_env
