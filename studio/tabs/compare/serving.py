"""The Compare tab's "Where the tutors run" panel: the studio's own model or an OpenAI-compatible
server (URL, model name, the NAME of the API-key variable), a connection check, and the exact
`vllm serve` command for the adapters picked in the columns.
"""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace
from typing import Any

import gradio as gr

from core.compare.backends import ServingConfig, ServingError, save_serving
from core.compare.server_check import check_server
from core.compare.variants import ADAPTER_PREFIX
from core.deploy.vllm import served_model_name, vllm_command_for
from studio.context import AppContext
from studio.tabs.compare import display as show

SERVING_CHOICES = [
    ("In the studio (transformers)", "transformers"),
    ("OpenAI-compatible server (vLLM, Ollama, OpenAI)", "openai"),
]
DEFAULT_SERVER_URL = "http://127.0.0.1:8000/v1"


def adapter_ids(keys: tuple[str | None, ...] | list[str | None]) -> list[str]:
    return [k.removeprefix(ADAPTER_PREFIX) for k in keys if k and k.startswith(ADAPTER_PREFIX)]


def vllm_command(ctx: AppContext, *keys: str | None) -> tuple[str, str]:
    """The `vllm serve` command for the adapters now in the columns, and its notes."""
    command = vllm_command_for(ctx.store, ctx.base, adapter_ids(keys))
    return command.text, show.notes_markdown(command.notes)


def set_serving_kind(kind: str) -> Any:
    return gr.update(visible=kind == "openai")


def check_connection(
    ctx: AppContext, kind: str, url: str, model: str, key_env: str, *keys: str | None
) -> str:
    try:
        serving = save_serving(ctx.store, ServingConfig(kind, url or "", model or "", key_env or ""))  # type: ignore[arg-type]
    except ServingError as exc:
        raise gr.Error(str(exc)) from exc
    result = check_server(ctx, serving, adapter_ids(keys))
    return ("✅ " if result.ok else "⚠️ ") + result.message


def build(ctx: AppContext, serving: ServingConfig, keys: list[str | None]) -> SimpleNamespace:
    ui = SimpleNamespace()
    command, notes = vllm_command(ctx, *keys)
    with gr.Accordion("Where the tutors run", open=False, elem_id="compare-serving"):
        ui.kind = gr.Radio(
            SERVING_CHOICES,
            value=serving.kind,
            label="Serving backend",
            info="The studio runs the base model itself (one copy shared by all columns), or sends every column "
            "to a server such as vLLM, which reaches each adapter by its name.",
            elem_id="compare-serving-kind",
        )
        with gr.Group(visible=serving.kind == "openai") as ui.server_box:
            with gr.Row():
                ui.url = gr.Textbox(
                    value=serving.base_url or DEFAULT_SERVER_URL,
                    label="Server URL",
                    info="Where the server answers, ending in /v1.",
                    elem_id="compare-server-url",
                )
                ui.model = gr.Textbox(
                    value=serving.model or served_model_name(ctx.base),
                    label="Base model name on the server",
                    info="vLLM: the --served-model-name in the command below.",
                    elem_id="compare-server-model",
                )
                ui.key_env = gr.Textbox(
                    value=serving.api_key_env,
                    label="API key variable",
                    info="The NAME of the environment variable holding the key (e.g. OPENAI_API_KEY); the key "
                    "itself is never stored. Leave empty for a local vLLM.",
                    elem_id="compare-server-key-env",
                )
            ui.check = gr.Button("Check connection", size="sm", elem_id="compare-check")
            ui.check_result = gr.Markdown(elem_id="compare-check-result")
        ui.vllm = gr.Code(
            command,
            language="shell",
            interactive=False,
            label="To serve the tutors picked in the columns with vLLM (on a GPU machine), run:",
            elem_id="compare-vllm-command",
        )
        ui.vllm_notes = gr.Markdown(notes, elem_id="compare-vllm-notes")
    return ui


def wire(ctx: AppContext, ui: SimpleNamespace, pickers: list[Any]) -> None:
    ui.kind.change(set_serving_kind, inputs=ui.kind, outputs=ui.server_box)
    ui.check.click(
        partial(check_connection, ctx),
        inputs=[ui.kind, ui.url, ui.model, ui.key_env, *pickers],
        outputs=ui.check_result,
        api_name="compare_check_server",
    )
    for picker in pickers:
        picker.change(
            partial(vllm_command, ctx),
            inputs=pickers,
            outputs=[ui.vllm, ui.vllm_notes],
            show_progress="hidden",
        )
