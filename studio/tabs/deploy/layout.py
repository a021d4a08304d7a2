"""The Deploy tab's layout: the export form (with each target's options), the parity check, and the history.
Layout only; studio/tabs/deploy/handlers.py wires the events."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from core.deploy.export_openai import DEFAULT_API, DEFAULT_MODEL
from core.deploy.exports import TARGET_LABELS
from core.deploy.k8s import DEFAULT_IMAGE
from studio.tabs.deploy import display as show

TARGET_HELP = (
    "vLLM: a GPU server that serves the base model and your adapters (plus Kubernetes files). Merged: one "
    "standalone model folder. Ollama: for laptops and desktops. OpenAI: train the same data on a hosted service."
)


def export_section(ui: SimpleNamespace) -> None:
    gr.Markdown("### 1. Export")
    ui.target = gr.Radio(
        [(label, key) for key, label in TARGET_LABELS.items()],
        value="vllm",
        label="Export for",
        info=TARGET_HELP,
        elem_id="deploy-target",
    )
    with gr.Row(visible=True) as ui.vllm_box:
        ui.volume = gr.Radio(
            [("Automatic", "auto"), ("ConfigMap", "configmap"), ("Volume", "pvc")],
            value="auto",
            label="How the adapter reaches the server pod",
            info="Automatic: in a ConfigMap when it is small (under 1 MB), else on a volume you copy it into once.",
            elem_id="deploy-volume",
        )
        ui.namespace = gr.Textbox(
            "tutor-studio",
            label="Kubernetes namespace",
            info="Where Argo CD deploys it.",
            elem_id="deploy-namespace",
        )
        ui.image = gr.Textbox(
            DEFAULT_IMAGE, label="vLLM image", info="The vLLM server image to run.", elem_id="deploy-image"
        )
    with gr.Row(visible=False) as ui.ollama_box:
        ui.ollama_mode = gr.Radio(
            [("Merged model", "merged"), ("Base + adapter", "adapter")],
            value="merged",
            label="Ollama builds the tutor from",
            info="Merged works for every common model; base + adapter keeps the adapter separate (Llama, Mistral, Gemma).",
            elem_id="deploy-ollama-mode",
        )
    with gr.Group(visible=False) as ui.openai_box:
        ui.hosted = gr.Checkbox(
            False,
            label="Also upload and start a hosted fine-tuning job",
            info="Needs an API key in an environment variable where the studio runs.",
            elem_id="deploy-hosted",
        )
        with gr.Row():
            ui.api_base = gr.Textbox(
                DEFAULT_API,
                label="Fine-tuning API address",
                info="Any OpenAI-compatible fine-tuning API.",
                elem_id="deploy-api-base",
            )
            ui.key_env = gr.Textbox(
                "OPENAI_API_KEY",
                label="API key variable",
                info="The NAME of the environment variable holding the key; the key itself is never stored.",
                elem_id="deploy-key-env",
            )
            ui.hosted_model = gr.Textbox(
                DEFAULT_MODEL,
                label="Model to fine-tune",
                info="A model the service can fine-tune.",
                elem_id="deploy-hosted-model",
            )
            ui.suffix = gr.Textbox(
                "tutor",
                label="Name suffix",
                info="Added to the fine-tuned model's name.",
                elem_id="deploy-suffix",
            )
    ui.export = gr.Button("Export", variant="primary", elem_id="deploy-export")
    ui.notice = gr.Markdown(elem_id="deploy-notice")
    ui.export_progress = gr.HTML(elem_id="deploy-export-progress")
    ui.export_result = gr.Markdown(elem_id="deploy-export-result")
    ui.download = gr.File(label="Download the export (zip)", visible=False, elem_id="deploy-download")
    ui.preview = gr.Code(
        label="The main file of the export", interactive=False, visible=False, elem_id="deploy-preview"
    )


def parity_section(ui: SimpleNamespace) -> None:
    gr.Markdown("### 2. Check the running server")
    with gr.Row():
        ui.url = gr.Textbox(
            "http://127.0.0.1:8000/v1",
            label="Server URL",
            info="The OpenAI-compatible server running the export (vLLM, Ollama), ending in /v1.",
            elem_id="deploy-parity-url",
        )
        ui.served = gr.Textbox(
            label="The adapter's name on the server",
            info="vLLM: its --lora-modules name (the adapter id in the export).",
            elem_id="deploy-parity-model",
        )
        ui.parity_key = gr.Textbox(
            label="API key variable",
            info="The NAME of the variable with the server's key; empty for a local server.",
            elem_id="deploy-parity-key",
        )
    with gr.Row():
        ui.prompts = gr.Slider(
            1,
            50,
            value=12,
            step=1,
            label="Test conversations to send",
            info="First student turns of the adapter's test split.",
            elem_id="deploy-parity-prompts",
        )
        ui.probes = gr.Checkbox(
            True,
            label="Also send the built-in probes",
            info="Just tell me, rule-breaking, off-topic and frustrated students.",
            elem_id="deploy-parity-probes",
        )
        ui.run_check = gr.Button("Run parity check", elem_id="deploy-parity-run", scale=0, min_width=180)
    ui.parity_notice = gr.Markdown(elem_id="deploy-parity-notice")
    ui.parity_progress = gr.HTML(elem_id="deploy-parity-progress")
    ui.verdict = gr.HTML(elem_id="deploy-parity-verdict")
    with gr.Row():
        ui.plot = gr.BarPlot(
            visible=False,
            x="prompts",
            y="count",
            color="replies",
            title="Identical replies by prompt source",
            color_map={"identical": "#16a34a", "different": "#dc2626"},
            height=220,
            elem_id="deploy-parity-plot",
        )
        ui.rows = gr.Dataframe(
            headers=show.ROW_COLUMNS,
            column_widths=show.ROW_WIDTHS,
            visible=False,
            interactive=False,
            wrap=True,
            max_height=320,
            scale=2,
            elem_id="deploy-parity-rows",
        )


def history_section(ui: SimpleNamespace) -> None:
    with gr.Accordion("Earlier exports and checks", open=False, elem_id="deploy-history"):
        ui.exports = gr.Dataframe(
            headers=show.EXPORT_COLUMNS, interactive=False, wrap=True, elem_id="deploy-exports"
        )
        ui.checks = gr.Dataframe(
            headers=show.CHECK_COLUMNS, interactive=False, wrap=True, elem_id="deploy-checks"
        )
