"""The Deploy tab's layout: the adapter, the export form (with each target's options), the parity check and the
history, declared in one DeployWidgets. Layout only; studio/tabs/deploy/handlers.py wires the events.

Help texts and defaults come from the configs in core (ExportOptions, HostedConfig, ParityConfig), the same
fields that give the `export` command's flags their help and defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

import gradio as gr
from pydantic import BaseModel

from core.deploy.export_openai import HostedConfig
from core.deploy.exports import DEFAULT_TARGET, TARGET_HELP, TARGET_LABELS, ExportOptions
from core.deploy.overview import NOTHING_TO_DEPLOY
from core.deploy.parity import DEFAULT_SERVER_URL, ParityConfig
from core.models.loading import DtypeChoice
from studio.tabs.deploy import display as show

INTRO = (
    "Put the tutor where students are. **Export** an adapter for the server you use (the studio writes every "
    "file and the exact commands), then **check** that the running server answers exactly like the studio "
    "before switching students over."
)
VOLUME_CHOICES = [("Automatic", "auto"), ("ConfigMap", "configmap"), ("Volume", "pvc")]
OLLAMA_CHOICES = [("Merged model", "merged"), ("Base + adapter", "adapter")]


@dataclass
class DeployWidgets:
    empty: gr.HTML
    main: gr.Column
    adapter: gr.Dropdown
    lineage: gr.Markdown
    target: gr.Radio
    vllm_box: gr.Row
    volume: gr.Radio
    namespace: gr.Textbox
    image: gr.Textbox
    ollama_box: gr.Row
    ollama_mode: gr.Radio
    openai_box: gr.Group
    hosted: gr.Checkbox
    api_base: gr.Textbox
    key_env: gr.Textbox
    hosted_model: gr.Textbox
    suffix: gr.Textbox
    export: gr.Button
    notice: gr.Markdown
    export_progress: gr.HTML
    export_result: gr.Markdown
    download: gr.File
    preview: gr.Code
    url: gr.Textbox
    served: gr.Textbox
    parity_key: gr.Textbox
    prompts: gr.Slider
    probes: gr.Checkbox
    parity_dtype: gr.Dropdown
    run_check: gr.Button
    parity_notice: gr.Markdown
    parity_progress: gr.HTML
    verdict: gr.HTML
    plot: gr.BarPlot
    rows: gr.Dataframe
    exports: gr.Dataframe
    checks: gr.Dataframe
    export_job: gr.State
    parity_job: gr.State
    seen: gr.State

    @property
    def export_options(self) -> list[Any]:
        """The export form's option widgets, in the order `deploy_export` takes them after adapter and target."""
        return [self.volume, self.namespace, self.image, self.ollama_mode, self.hosted, *self.hosted_fields]

    @property
    def hosted_fields(self) -> list[Any]:
        return [self.api_base, self.key_env, self.hosted_model, self.suffix]


def info(model: type[BaseModel], name: str) -> str:
    return model.model_fields[name].description or ""


def default(model: type[BaseModel], name: str) -> Any:
    return model.model_fields[name].default


def build_layout(empty: bool) -> DeployWidgets:
    gr.Markdown(INTRO)
    parts: dict[str, Any] = {}
    parts["empty"] = gr.HTML(
        f"<p class='ts-empty'>{NOTHING_TO_DEPLOY}</p>", visible=empty, elem_id="deploy-empty"
    )
    with gr.Column(visible=not empty) as parts["main"]:
        parts |= adapter_section()
        parts |= export_section()
        parts |= parity_section()
        parts |= history_section()
    parts |= {"export_job": gr.State(None), "parity_job": gr.State(None), "seen": gr.State({})}
    return DeployWidgets(**parts)


def adapter_section() -> dict[str, Any]:
    with gr.Row(equal_height=False):
        adapter = gr.Dropdown(
            label="Adapter to ship",
            choices=[],
            allow_custom_value=True,  # adapters trained after the page loaded arrive with the poll
            info="A trained tutor; preference-tuned ones (DPO/ORPO) ship together with their SFT parent.",
            scale=2,
            elem_id="deploy-adapter",
        )
        lineage = gr.Markdown(elem_id="deploy-lineage")
    return {"adapter": adapter, "lineage": lineage}


def export_section() -> dict[str, Any]:
    gr.Markdown("### 1. Export")
    target = gr.Radio(
        [(label, key) for key, label in TARGET_LABELS.items()],
        value=DEFAULT_TARGET,
        label="Export for",
        info=TARGET_HELP,
        elem_id="deploy-target",
    )
    parts = {"target": target, **vllm_options(), **ollama_options(), **openai_options()}
    return parts | export_outputs()


def vllm_options() -> dict[str, Any]:
    with gr.Row(visible=True) as box:
        volume = gr.Radio(
            VOLUME_CHOICES,
            value=default(ExportOptions, "volume"),
            label="How the adapter reaches the server pod",
            info=info(ExportOptions, "volume"),
            elem_id="deploy-volume",
        )
        namespace = gr.Textbox(
            default(ExportOptions, "namespace"),
            label="Kubernetes namespace",
            info=info(ExportOptions, "namespace"),
            elem_id="deploy-namespace",
        )
        image = gr.Textbox(
            default(ExportOptions, "image"),
            label="vLLM image",
            info=info(ExportOptions, "image"),
            elem_id="deploy-image",
        )
    return {"vllm_box": box, "volume": volume, "namespace": namespace, "image": image}


def ollama_options() -> dict[str, Any]:
    with gr.Row(visible=False) as box:
        mode = gr.Radio(
            OLLAMA_CHOICES,
            value=default(ExportOptions, "ollama_mode"),
            label="Ollama builds the tutor from",
            info=info(ExportOptions, "ollama_mode"),
            elem_id="deploy-ollama-mode",
        )
    return {"ollama_box": box, "ollama_mode": mode}


def openai_options() -> dict[str, Any]:
    with gr.Group(visible=False) as box:
        hosted = gr.Checkbox(
            False,
            label="Also upload and start a hosted fine-tuning job",
            info=f"{info(ExportOptions, 'hosted')} Needs an API key in an environment variable where the "
            "studio runs.",
            elem_id="deploy-hosted",
        )
        with gr.Row():
            fields = {
                "api_base": _hosted_box("api_base", "Fine-tuning API address", "deploy-api-base"),
                "key_env": _hosted_box("api_key_env", "API key variable", "deploy-key-env"),
                "hosted_model": _hosted_box("model", "Model to fine-tune", "deploy-hosted-model"),
                "suffix": _hosted_box("suffix", "Name suffix", "deploy-suffix"),
            }
    return {"openai_box": box, "hosted": hosted, **fields}


def _hosted_box(field: str, label: str, element: str) -> gr.Textbox:
    return gr.Textbox(
        default(HostedConfig, field), label=label, info=info(HostedConfig, field), elem_id=element
    )


def export_outputs() -> dict[str, Any]:
    return {
        "export": gr.Button("Export", variant="primary", elem_id="deploy-export"),
        "notice": gr.Markdown(elem_id="deploy-notice"),
        "export_progress": gr.HTML(elem_id="deploy-export-progress"),
        "export_result": gr.Markdown(elem_id="deploy-export-result"),
        "download": gr.File(label="Download the export (zip)", visible=False, elem_id="deploy-download"),
        "preview": gr.Code(
            label="The main file of the export", interactive=False, visible=False, elem_id="deploy-preview"
        ),
    }


def parity_section() -> dict[str, Any]:
    gr.Markdown("### 2. Check the running server")
    with gr.Row():
        parts = parity_server()
    with gr.Row():
        parts |= parity_prompts()
        parts["run_check"] = gr.Button(
            "Run parity check", elem_id="deploy-parity-run", scale=0, min_width=180
        )
    parts["parity_notice"] = gr.Markdown(elem_id="deploy-parity-notice")
    parts["parity_progress"] = gr.HTML(elem_id="deploy-parity-progress")
    parts["verdict"] = gr.HTML(elem_id="deploy-parity-verdict")
    with gr.Row():
        parts |= parity_outputs()
    return parts


def parity_server() -> dict[str, Any]:
    url = gr.Textbox(
        DEFAULT_SERVER_URL,
        label="Server URL",
        info=info(ParityConfig, "server_url"),
        elem_id="deploy-parity-url",
    )
    served = gr.Textbox(
        label="The adapter's name on the server",
        info=info(ParityConfig, "served_model"),
        elem_id="deploy-parity-model",
    )
    key = gr.Textbox(
        label="API key variable", info=info(ParityConfig, "api_key_env"), elem_id="deploy-parity-key"
    )
    return {"url": url, "served": served, "parity_key": key}


def parity_prompts() -> dict[str, Any]:
    prompts = gr.Slider(
        1,
        50,
        value=default(ParityConfig, "max_prompts"),
        step=1,
        label="Test conversations to send",
        info=info(ParityConfig, "max_prompts"),
        elem_id="deploy-parity-prompts",
    )
    probes = gr.Checkbox(
        default(ParityConfig, "include_probes"),
        label="Also send the built-in probes",
        info=info(ParityConfig, "include_probes"),
        elem_id="deploy-parity-probes",
    )
    dtype = gr.Dropdown(
        list(get_args(DtypeChoice)),
        value=default(ParityConfig, "dtype"),
        label="The studio's number format",
        info=info(ParityConfig, "dtype"),
        elem_id="deploy-parity-dtype",
    )
    return {"prompts": prompts, "probes": probes, "parity_dtype": dtype}


def parity_outputs() -> dict[str, Any]:
    plot = gr.BarPlot(
        visible=False,
        x="prompts",
        y="count",
        color="replies",
        title="Identical replies by prompt source",
        color_map={"identical": "#16a34a", "different": "#dc2626"},
        height=220,
        elem_id="deploy-parity-plot",
    )
    rows = gr.Dataframe(
        headers=show.ROW_COLUMNS,
        column_widths=show.ROW_WIDTHS,
        visible=False,
        interactive=False,
        wrap=True,
        max_height=320,
        scale=2,
        elem_id="deploy-parity-rows",
    )
    return {"plot": plot, "rows": rows}


def history_section() -> dict[str, Any]:
    with gr.Accordion("Earlier exports and checks", open=False, elem_id="deploy-history"):
        exports = gr.Dataframe(
            headers=show.EXPORT_COLUMNS, interactive=False, wrap=True, elem_id="deploy-exports"
        )
        checks = gr.Dataframe(
            headers=show.CHECK_COLUMNS, interactive=False, wrap=True, elem_id="deploy-checks"
        )
    return {"exports": exports, "checks": checks}
