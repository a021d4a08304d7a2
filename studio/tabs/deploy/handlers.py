"""The Deploy tab: ship a trained tutor. Export an adapter for a vLLM server (with Kubernetes manifests and the
GENERATOR feature flag), as a merged model, for Ollama, or as data for hosted fine-tuning (uploaded and
followed when an API key variable is set); download the result; then check that a running server answers
like the studio (parity). Exports and checks run as background jobs; each handler calls one core function
(core/deploy) and formats with studio/tabs/deploy/display.py. The widgets are studio/tabs/deploy/layout.py's
DeployWidgets."""

from __future__ import annotations

from functools import partial
from typing import Any

import gradio as gr
from pydantic import ValidationError

from core.deploy.export_openai import HostedConfig
from core.deploy.exports import ExportOptions, submit_export
from core.deploy.overview import DeployOverview, adapter_summary, deploy_job_status, deploy_overview
from core.deploy.parity import ParityConfig
from core.deploy.parity_run import submit_parity
from core.deploy.subject import ExportError
from core.models.loading import DtypeChoice
from studio.context import AppContext
from studio.tabs.deploy import display as show
from studio.tabs.deploy.layout import DeployWidgets, build_layout

POLL_SECONDS = 2.0


def describe(ctx: AppContext, adapter_id: str | None) -> tuple[str, str]:
    """The adapter's lineage, and its name on a server (what the parity check asks for)."""
    summary = adapter_summary(ctx.store, adapter_id) if adapter_id else None
    return show.lineage_markdown(summary), adapter_id or ""


def set_target(target: str) -> tuple[Any, Any, Any]:
    return tuple(gr.update(visible=target == name) for name in ("vllm", "ollama", "openai"))  # type: ignore[return-value]


def export_options(
    volume: str | None,
    namespace: str | None,
    image: str | None,
    ollama_mode: str | None,
    hosted_on: bool,
    api_base: str | None,
    key_env: str | None,
    model: str | None,
    suffix: str | None,
) -> ExportOptions:
    """The form's values as ExportOptions: a blank box takes the option's default (the key and model stay
    blank, so the hosted check names them)."""
    hosted = None
    if hosted_on:
        fields = _given(api_base=api_base, suffix=suffix) | {
            "api_key_env": key_env or "",
            "model": model or "",
        }
        hosted = HostedConfig.model_validate(fields)
    given = _given(volume=volume, namespace=namespace, image=image, ollama_mode=ollama_mode)
    return ExportOptions.model_validate(given | {"hosted": hosted})


def _given(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value not in ("", None)}


def export(ctx: AppContext, adapter_id: str | None, target: str, *values: Any) -> tuple[str, str]:
    if not adapter_id:
        raise gr.Error("Pick an adapter first (the Train tab makes them).")
    try:
        job = submit_export(ctx.store, ctx.workspace, adapter_id, target, export_options(*values))
    except (ExportError, ValidationError) as exc:
        raise gr.Error(str(exc)) from exc
    where = " It waits for the GPU queue (it loads the model)." if job.resource else ""
    return f"Started the export as job `{job.id}`.{where} Progress shows below and in the Jobs panel.", job.id


def check(
    ctx: AppContext,
    adapter_id: str | None,
    url: str,
    model: str,
    key_env: str,
    prompts: float,
    probes: bool,
    dtype: DtypeChoice = "auto",
) -> tuple[str, str]:
    if not adapter_id:
        raise gr.Error("Pick an adapter first.")
    try:
        config = ParityConfig(
            adapter_id=adapter_id,
            server_url=(url or "").strip(),
            served_model=model or "",
            api_key_env=key_env or "",
            max_prompts=int(prompts),
            include_probes=bool(probes),
            dtype=dtype or "auto",
        )
        job = submit_parity(ctx.store, ctx.workspace, config)
    except (ExportError, ValidationError) as exc:
        raise gr.Error(str(exc)) from exc
    return f"Started the parity check as job `{job.id}`; its report shows below when it is done.", job.id


def poll(
    ctx: AppContext, export_job: str | None, parity_job: str | None, adapter: str | None, seen: dict
) -> tuple[Any, ...]:
    """Every section of the tab from one overview; a section whose key did not change is skipped."""
    overview = deploy_overview(ctx.store, ctx.workspace, export_job, parity_job)
    keys = show.change_keys(overview)
    changed = {name: (seen or {}).get(name) != key for name, key in keys.items()}
    return (
        *_adapter_outputs(overview, adapter, changed["adapters"]),
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


def _adapter_outputs(overview: DeployOverview, adapter: str | None, changed: bool) -> tuple[Any, Any, Any]:
    choices = show.adapter_choices(overview.adapters)
    pick = show.picked_adapter(overview.adapters, adapter)
    return (
        gr.update(visible=overview.empty),
        gr.update(visible=not overview.empty),
        gr.update(choices=choices, value=pick) if changed else gr.skip(),
    )


def _export_outputs(overview: DeployOverview) -> tuple[Any, Any, Any]:
    record = overview.export.record if overview.export else None
    text, language, label = show.preview(overview.export)
    zip_path = record.zip_path if record else None
    return (
        show.export_result_markdown(overview.export),
        gr.update(value=zip_path, visible=bool(zip_path)),
        gr.update(value=text, language=language, label=label, visible=bool(text)),
    )


def _parity_outputs(overview: DeployOverview) -> tuple[Any, Any, Any]:
    report = overview.parity.report if overview.parity else None
    return (
        show.verdict_html(overview.parity),
        gr.update(value=show.parity_plot_frame(report), visible=report is not None),
        gr.update(value=show.parity_rows_frame(report), visible=report is not None),
    )


def job_status(ctx: AppContext, job_id: str) -> dict[str, Any]:
    """An export's or a parity check's state; once finished, its folder, zip and commands (or its verdict)."""
    try:
        return deploy_job_status(ctx.store, ctx.workspace, job_id).to_dict()
    except KeyError as exc:
        raise gr.Error(str(exc.args[0])) from exc


def build(ctx: AppContext) -> None:
    ui = build_layout(empty=deploy_overview(ctx.store, ctx.workspace).empty)
    _wire(ctx, ui)


def _wire(ctx: AppContext, ui: DeployWidgets) -> None:
    ui.target.change(
        set_target, [ui.target], [ui.vllm_box, ui.ollama_box, ui.openai_box], show_progress="hidden"
    )
    ui.adapter.change(partial(describe, ctx), [ui.adapter], [ui.lineage, ui.served], show_progress="hidden")
    ui.export.click(
        partial(export, ctx),
        [ui.adapter, ui.target, *ui.export_options],
        [ui.notice, ui.export_job],
        api_name="deploy_export",
    )
    check_inputs = [ui.adapter, ui.url, ui.served, ui.parity_key, ui.prompts, ui.probes, ui.parity_dtype]
    ui.run_check.click(
        partial(check, ctx), check_inputs, [ui.parity_notice, ui.parity_job], api_name="deploy_check"
    )
    _wire_poll(ctx, ui)

    def deploy_job(job_id: str) -> dict[str, Any]:
        """An export's or a parity check's state; once finished, its folder, zip and commands (or its verdict)."""
        return job_status(ctx, job_id)

    gr.api(deploy_job, api_name="deploy_job")


def _wire_poll(ctx: AppContext, ui: DeployWidgets) -> None:
    outputs = [ui.empty, ui.main, ui.adapter, ui.export_progress, ui.export_result, ui.download, ui.preview]
    outputs += [ui.parity_progress, ui.verdict, ui.plot, ui.rows, ui.exports, ui.checks, ui.seen]
    inputs = [ui.export_job, ui.parity_job, ui.adapter, ui.seen]
    refresh = partial(poll, ctx)
    gr.Timer(POLL_SECONDS).tick(
        refresh, inputs, outputs, show_progress="hidden", queue=False, api_visibility="private"
    )
    for state in (ui.export_job, ui.parity_job):
        state.change(refresh, inputs, outputs, show_progress="hidden", api_visibility="private")
