"""The Deploy tab: ship a trained tutor. Export an adapter for a vLLM server (with Kubernetes manifests and the
GENERATOR feature flag), as a merged model, for Ollama, or as data for hosted fine-tuning (uploaded and
followed when an API key variable is set); download the result; then check that a running server answers
like the studio (parity). Exports and checks run as background jobs; each handler calls one core function
(core/deploy) and formats with studio/tabs/deploy/display.py."""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace
from typing import Any

import gradio as gr

from core.deploy.export_openai import DEFAULT_API, HostedConfig
from core.deploy.exports import ExportOptions, submit_export
from core.deploy.k8s import DEFAULT_IMAGE
from core.deploy.overview import NOTHING_TO_DEPLOY, adapter_summary, deploy_job_status, deploy_overview
from core.deploy.parity import ParityConfig
from core.deploy.parity_run import submit_parity
from core.deploy.subject import ExportError
from studio.context import AppContext
from studio.tabs.deploy import display as show
from studio.tabs.deploy import layout

POLL_SECONDS = 2.0
INTRO = (
    "Put the tutor where students are. **Export** an adapter for the server you use (the studio writes every "
    "file and the exact commands), then **check** that the running server answers exactly like the studio "
    "before switching students over."
)


def describe(ctx: AppContext, adapter_id: str | None) -> tuple[str, str]:
    """The adapter's lineage, and its name on a server (what the parity check asks for)."""
    summary = adapter_summary(ctx.store, adapter_id) if adapter_id else None
    return show.lineage_markdown(summary), adapter_id or ""


def set_target(target: str) -> tuple[Any, Any, Any]:
    return tuple(gr.update(visible=target == name) for name in ("vllm", "ollama", "openai"))  # type: ignore[return-value]


def export(ctx: AppContext, adapter_id: str | None, target: str, *values: Any) -> tuple[str, str]:
    if not adapter_id:
        raise gr.Error("Pick an adapter first (the Train tab makes them).")
    volume, namespace, image, ollama_mode, hosted_on, api_base, key_env, model, suffix = values
    hosted = (
        HostedConfig(api_base or DEFAULT_API, key_env or "", model or "", suffix or "tutor")
        if hosted_on
        else None
    )
    options = ExportOptions(volume, image or DEFAULT_IMAGE, namespace or "tutor-studio", ollama_mode, hosted)
    try:
        job = submit_export(ctx.store, ctx.workspace, adapter_id, target, options)
    except ExportError as exc:
        raise gr.Error(str(exc)) from exc
    where = " It waits for the GPU queue (it loads the model)." if job.resource else ""
    return f"Started the export as job `{job.id}`.{where} Progress shows below and in the Jobs panel.", job.id


def check(
    ctx: AppContext, adapter_id: str | None, url: str, model: str, key_env: str, prompts: float, probes: bool
) -> tuple[str, str]:
    if not adapter_id:
        raise gr.Error("Pick an adapter first.")
    config = ParityConfig(
        adapter_id, (url or "").strip(), model or "", key_env or "", int(prompts), bool(probes)
    )
    try:
        job = submit_parity(ctx.store, ctx.workspace, config)
    except ExportError as exc:
        raise gr.Error(str(exc)) from exc
    return f"Started the parity check as job `{job.id}`; its report shows below when it is done.", job.id


def poll(
    ctx: AppContext, export_job: str | None, parity_job: str | None, adapter: str | None, seen: dict
) -> tuple[Any, ...]:
    overview = deploy_overview(ctx.store, ctx.workspace, export_job, parity_job)
    seen = dict(seen or {})
    keys = {
        "adapters": str([a.id for a in overview.adapters]),
        "export": _export_key(overview),
        "parity": str(overview.parity.record.id if overview.parity and overview.parity.record else None),
        "history": str([(r.id, r.updated_at) for r in overview.exports] + [c.id for c in overview.checks]),
    }
    changed = {name: seen.get(name) != key for name, key in keys.items()}
    choices = show.adapter_choices(overview.adapters)
    pick = adapter if adapter in [a.id for a in overview.adapters] else (choices[0][1] if choices else None)
    return (
        gr.update(visible=overview.empty),
        gr.update(visible=not overview.empty),
        gr.update(choices=choices, value=pick) if changed["adapters"] else gr.skip(),
        show.job_html(
            overview.export.job if overview.export else None, "deploy-export-job", "No export yet."
        ),
        *(_export_outputs(overview) if changed["export"] else (gr.skip(),) * 3),
        show.job_html(overview.parity.job if overview.parity else None, "deploy-parity-job", "No check yet."),
        *(_parity_outputs(overview) if changed["parity"] else (gr.skip(),) * 3),
        show.exports_frame(overview.exports) if changed["history"] else gr.skip(),
        show.checks_frame(overview.checks) if changed["history"] else gr.skip(),
        keys,
    )


def _export_key(overview: Any) -> str:
    """Changes when the watched export's record appears or moves on (a hosted job's status while followed)."""
    watched = overview.export
    if watched is None or watched.record is None:
        return "none"
    return f"{watched.record.id}:{watched.record.updated_at}:{watched.job.state}"


def _export_outputs(overview: Any) -> tuple[Any, Any, Any]:
    record = overview.export.record if overview.export else None
    text, language, label = show.preview(record)
    zip_path = record.zip_path if record else None
    return (
        show.export_result_markdown(overview.export),
        gr.update(value=zip_path, visible=bool(zip_path)),
        gr.update(value=text, language=language, label=label, visible=bool(text)),
    )


def _parity_outputs(overview: Any) -> tuple[Any, Any, Any]:
    report = overview.parity.report if overview.parity else None
    return (
        show.verdict_html(overview.parity),
        gr.update(value=show.parity_plot_frame(report), visible=report is not None),
        gr.update(value=show.parity_rows_frame(report), visible=report is not None),
    )


def build(ctx: AppContext) -> None:
    gr.Markdown(INTRO)
    ui = SimpleNamespace()
    empty = deploy_overview(ctx.store, ctx.workspace).empty
    ui.empty = gr.HTML(f"<p class='ts-empty'>{NOTHING_TO_DEPLOY}</p>", visible=empty, elem_id="deploy-empty")
    with gr.Column(visible=not empty) as ui.main:
        with gr.Row(equal_height=False):
            ui.adapter = gr.Dropdown(
                label="Adapter to ship",
                choices=[],
                allow_custom_value=True,  # adapters trained after the page loaded arrive with the poll
                info="A trained tutor; preference-tuned ones (DPO/ORPO) ship together with their SFT parent.",
                scale=2,
                elem_id="deploy-adapter",
            )
            ui.lineage = gr.Markdown(elem_id="deploy-lineage")
        layout.export_section(ui)
        layout.parity_section(ui)
        layout.history_section(ui)
    ui.export_job, ui.parity_job, ui.seen = gr.State(None), gr.State(None), gr.State({})
    _wire(ctx, ui)


def _wire(ctx: AppContext, ui: SimpleNamespace) -> None:
    ui.target.change(
        set_target, [ui.target], [ui.vllm_box, ui.ollama_box, ui.openai_box], show_progress="hidden"
    )
    ui.adapter.change(partial(describe, ctx), [ui.adapter], [ui.lineage, ui.served], show_progress="hidden")
    options = [
        ui.volume,
        ui.namespace,
        ui.image,
        ui.ollama_mode,
        ui.hosted,
        ui.api_base,
        ui.key_env,
        ui.hosted_model,
        ui.suffix,
    ]
    ui.export.click(
        partial(export, ctx),
        [ui.adapter, ui.target, *options],
        [ui.notice, ui.export_job],
        api_name="deploy_export",
    )
    check_inputs = [ui.adapter, ui.url, ui.served, ui.parity_key, ui.prompts, ui.probes]
    ui.run_check.click(
        partial(check, ctx), check_inputs, [ui.parity_notice, ui.parity_job], api_name="deploy_check"
    )
    outputs = [ui.empty, ui.main, ui.adapter, ui.export_progress, ui.export_result, ui.download, ui.preview]
    outputs += [ui.parity_progress, ui.verdict, ui.plot, ui.rows, ui.exports, ui.checks, ui.seen]
    watch = {"inputs": [ui.export_job, ui.parity_job, ui.adapter, ui.seen], "outputs": outputs}
    refresh = partial(poll, ctx)
    gr.Timer(POLL_SECONDS).tick(
        refresh, **watch, show_progress="hidden", queue=False, api_visibility="private"
    )
    for state in (ui.export_job, ui.parity_job):
        state.change(refresh, **watch, show_progress="hidden", api_visibility="private")

    def deploy_job(job_id: str) -> dict[str, Any]:
        """An export's or a parity check's state; once finished, its folder, zip and commands (or its verdict)."""
        try:
            return deploy_job_status(ctx.store, ctx.workspace, job_id)
        except KeyError as exc:
            raise gr.Error(str(exc.args[0])) from exc

    gr.api(deploy_job, api_name="deploy_job")
