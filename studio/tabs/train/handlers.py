"""The Train tab: pick a dataset version and a base model, adjust the settings (or a preset), see the
memory and time estimate, start a run as a background job, watch its loss curves, stop / resume / cancel
it, and read each finished run's adapter id and model card. Each handler calls one function of
core/train and formats its answer with studio/tabs/train/display.py."""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace
from typing import Any

import gradio as gr
from pydantic import ValidationError

from core.review.records import list_datasets
from core.train.planning import plan_training, suggested_bases
from core.train.runs import cancel_training, resume_training, start_training, stop_training
from core.train.sft_config import PRESET_NAMES, TrainConfig, TrainingError, describe_errors
from core.train.status import training_overview
from studio.context import AppContext
from studio.tabs.train import display as show
from studio.tabs.train import preference as train_preference
from studio.tabs.train.form import build_fields

POLL_SECONDS = 2.0
PLOT_HEIGHT = 220
PRESET_SUMMARY = "quick: minutes on a laptop · balanced: the usual choice · thorough: best on a GPU."
DATASET_HELP = "A frozen set of accepted conversations from the Review tab. The newest is picked for you."


def _config(dataset: str | None, base: str | None, preset: str, values: tuple[Any, ...]) -> TrainConfig:
    try:
        return show.config_from_form(dataset, base, preset, list(values))
    except ValidationError as exc:
        raise gr.Error(describe_errors(exc, "", "Settings")) from exc


def estimate(
    ctx: AppContext, dataset: str | None, base: str | None, preset: str, *values: Any
) -> tuple[str, str]:
    """The estimate panel and the run's YAML, redone on every change of a setting."""
    try:
        config = show.config_from_form(dataset, base, preset, list(values))
        plan = plan_training(ctx.store, ctx.workspace, config, ctx.hardware)
    except ValidationError as exc:
        return show.error_html(describe_errors(exc, "", "Settings")), ""
    except TrainingError as exc:
        return show.error_html(str(exc)), ""
    return show.plan_html(plan), plan.yaml


def apply_preset(preset: str) -> list[Any]:
    return show.form_values(TrainConfig.from_preset(preset))  # type: ignore[arg-type]


def start(
    ctx: AppContext, dataset: str | None, base: str | None, preset: str, *values: Any
) -> tuple[str, Any]:
    config = _config(dataset, base, preset, values)
    try:
        started = start_training(ctx.store, ctx.workspace, config, ctx.hardware)
    except TrainingError as exc:
        raise gr.Error(str(exc)) from exc
    return started.notice, started.run.id


def act(ctx: AppContext, action: str, run_id: str | None) -> tuple[str, Any]:
    """Stop, Resume or Cancel the watched run."""
    if not run_id:
        raise gr.Error("Pick a run in 'Watching' first (or click its row in the runs table).")
    try:
        if action == "resume":
            started = resume_training(ctx.store, ctx.workspace, run_id)
            return started.notice, run_id
        message = (stop_training if action == "stop" else cancel_training)(ctx.store, ctx.workspace, run_id)
    except TrainingError as exc:
        raise gr.Error(str(exc)) from exc
    return message, gr.skip()


def poll(ctx: AppContext, run_id: str | None, dataset: str | None, seen: dict[str, str]) -> tuple[Any, ...]:
    """Redraw what changed: progress, plots and log of the watched run; the runs table; the card; datasets."""
    overview = training_overview(ctx.store, ctx.workspace, run_id or None)
    view, seen = overview.view, dict(seen or {})
    keys = {
        "metrics": show.metrics_signature(view),
        "runs": show.runs_signature(overview.runs),
        "card": overview.card,
        "datasets": str([d.id for d in overview.datasets]),
    }
    changed = {name: seen.get(name) != key for name, key in keys.items()}
    metrics = view.metrics if view else []
    plots = (show.loss_frame(metrics), show.rate_frame(metrics), show.speed_frame(metrics))
    runs = show.runs_frame(overview.runs)
    datasets = show.dataset_choices(overview.datasets)
    pick = dataset if dataset in [d.id for d in overview.datasets] else (datasets[0][1] if datasets else None)
    return (
        show.progress_html(view),
        *(plots if changed["metrics"] else (gr.skip(),) * 3),
        view.log_tail if view else "",
        *(gr.update(interactive=bool(view and allowed)) for allowed in _actions(view)),
        gr.update(value=runs, visible=bool(overview.runs)) if changed["runs"] else gr.skip(),
        gr.update(visible=not overview.runs),
        runs["Run"].tolist(),
        _run_picker(overview, run_id),
        overview.card if changed["card"] else gr.skip(),
        show.command_markdown(view.run if view else None),
        gr.update(choices=datasets, value=pick) if changed["datasets"] or pick != dataset else gr.skip(),
        keys,
        gr.update(visible=not overview.datasets),
    )


def _run_picker(overview: Any, run_id: str | None) -> Any:
    """Fresh run choices; the value only when nothing is watched yet. Setting it on every poll would let a
    poll that started before Start (or a click on the runs table) switch the view back to the old run."""
    choices = show.run_choices(overview.runs)
    if run_id:
        return gr.update(choices=choices)
    return gr.update(choices=choices, value=overview.view.run.id if overview.view else None)


def _actions(view: Any) -> tuple[bool, bool, bool]:
    return (view.can_stop, view.can_resume, view.can_cancel) if view else (False, False, False)


def pick_run(ids: list[str], event: gr.SelectData) -> Any:
    row = event.index[0] if isinstance(event.index, list | tuple) else event.index
    return ids[row] if isinstance(row, int) and 0 <= row < len(ids) else gr.skip()


def build(ctx: AppContext) -> None:
    gr.Markdown(
        "Teach the base model your tutor's behaviour: it learns from the accepted conversations of a dataset "
        "version, so it needs no long instructions later. Training runs in the background; you can close the browser."
    )
    ui = SimpleNamespace()
    _setup(ctx, ui)
    train_preference.build(ctx, ui)  # DPO / ORPO on a trained adapter: its own panel, the same runs
    _live(ui)
    train_preference.reward_plot(ui)
    _runs(ui)
    ui.seen, ui.run_ids = gr.State({}), gr.State([])
    _wire(ctx, ui)
    train_preference.wire(ctx, ui)


def _setup(ctx: AppContext, ui: SimpleNamespace) -> None:
    defaults = TrainConfig.from_preset("balanced")
    datasets = list_datasets(ctx.store, "sft")
    ui.no_dataset = gr.Markdown(f"*{show.NO_DATASET}*", visible=not datasets, elem_id="train-no-dataset")
    with gr.Row(equal_height=False):
        ui.dataset = gr.Dropdown(
            label="Dataset version",
            choices=show.dataset_choices(datasets),
            allow_custom_value=True,  # versions built after the page loaded arrive with the poll
            info=DATASET_HELP,
            scale=2,
            elem_id="train-dataset",
        )
        ui.base = gr.Dropdown(
            label="Base model",
            choices=suggested_bases(ctx.hardware, ctx.base.requested),
            value=ctx.base.requested,
            allow_custom_value=True,
            info=TrainConfig.model_fields["base"].description,
            scale=2,
            elem_id="train-base",
        )
        ui.preset = gr.Radio(
            list(PRESET_NAMES),
            value="balanced",
            label="Preset",
            scale=2,
            elem_id="train-preset",
            info=PRESET_SUMMARY,
        )
    with gr.Accordion(
        "Settings (the preset fills them in; each one is explained)", open=False, elem_id="train-settings"
    ):
        ui.fields = build_fields(defaults, gpu=ctx.hardware.device == "cuda")
    ui.estimate = gr.HTML(elem_id="train-estimate")
    with gr.Row():
        ui.start = gr.Button("Start training", variant="primary", elem_id="train-start")
    ui.notice = gr.Markdown(elem_id="train-notice")
    with gr.Accordion("Command line", open=False, elem_id="train-command"):
        ui.command = gr.Markdown(show.command_markdown(), elem_id="train-command-text")
        ui.yaml = gr.Code(language="yaml", label="run.yaml", interactive=False, elem_id="train-yaml")


def _live(ui: SimpleNamespace) -> None:
    with gr.Row(equal_height=True):
        ui.run = gr.Dropdown(
            label="Watching",
            choices=[],
            allow_custom_value=True,  # runs started after the page loaded arrive with the poll
            info="The run whose progress is shown below.",
            scale=4,
            elem_id="train-run",
        )
        ui.stop = gr.Button("Stop (resumable)", interactive=False, scale=1, elem_id="train-stop")
        ui.resume = gr.Button("Resume", interactive=False, scale=1, elem_id="train-resume")
        ui.cancel = gr.Button("Cancel", variant="stop", interactive=False, scale=1, elem_id="train-cancel")
    ui.progress = gr.HTML(elem_id="train-progress")
    with gr.Row():
        ui.loss = gr.LinePlot(
            x="step",
            y="loss",
            color="series",
            title="Loss (lower is better)",
            y_axis_format=".3~f",
            color_map=show.LOSS_COLORS,
            height=PLOT_HEIGHT,
            elem_id="train-loss-plot",
        )
        ui.rate = gr.LinePlot(
            x="step",
            y="learning rate",
            title="Learning rate",
            y_axis_format=".1e",
            height=PLOT_HEIGHT,
            elem_id="train-lr-plot",
        )
        ui.speed = gr.LinePlot(
            x="step",
            y="tokens/s",
            title="Speed (tokens per second)",
            y_axis_format=",.0f",
            height=PLOT_HEIGHT,
            elem_id="train-speed-plot",
        )
    ui.log = gr.Textbox(
        label="Training log (last lines)",
        lines=6,
        max_lines=10,
        interactive=False,
        autoscroll=True,
        elem_id="train-log",
    )


def _runs(ui: SimpleNamespace) -> None:
    gr.Markdown("### Runs")
    ui.runs_empty = gr.Markdown(show.NO_RUNS, elem_id="train-runs-empty")
    ui.runs = gr.Dataframe(
        headers=show.RUN_COLUMNS,
        interactive=False,
        visible=False,
        wrap=True,
        max_height=320,
        elem_id="train-runs",
    )
    with gr.Accordion("Model card of the watched run", open=False, elem_id="train-card-box"):
        ui.card = gr.Markdown(elem_id="train-card")


def _wire(ctx: AppContext, ui: SimpleNamespace) -> None:
    form = [ui.dataset, ui.base, ui.preset, *ui.fields]
    gr.on(
        [c.change for c in form],
        partial(estimate, ctx),
        inputs=form,
        outputs=[ui.estimate, ui.yaml],
        show_progress="hidden",
        trigger_mode="always_last",
        api_name="train_estimate",
    )
    ui.preset.input(apply_preset, inputs=[ui.preset], outputs=ui.fields, show_progress="hidden")
    ui.start.click(partial(start, ctx), inputs=form, outputs=[ui.notice, ui.run], api_name="train_start")
    for button, action in ((ui.stop, "stop"), (ui.resume, "resume"), (ui.cancel, "cancel")):
        button.click(
            partial(act, ctx, action),
            inputs=[ui.run],
            outputs=[ui.notice, ui.run],
            api_name=f"train_{action}",
        )
    outputs = [
        ui.progress,
        ui.loss,
        ui.rate,
        ui.speed,
        ui.log,
        ui.stop,
        ui.resume,
        ui.cancel,
        ui.runs,
        ui.runs_empty,
        ui.run_ids,
        ui.run,
        ui.card,
        ui.command,
        ui.dataset,
        ui.seen,
        ui.no_dataset,
    ]
    refresh, inputs = partial(poll, ctx), [ui.run, ui.dataset, ui.seen]
    gr.Timer(POLL_SECONDS).tick(
        refresh, inputs=inputs, outputs=outputs, show_progress="hidden", queue=False, api_name="train_status"
    )
    ui.run.input(refresh, inputs=inputs, outputs=outputs, show_progress="hidden")
    ui.runs.select(pick_run, inputs=[ui.run_ids], outputs=[ui.run]).then(
        refresh, inputs=inputs, outputs=outputs, show_progress="hidden"
    )
