"""The Train tab: pick a dataset version and a base model, adjust the settings (or a preset), see the
memory and time estimate, start a run as a background job, watch its loss curves, stop / resume / cancel
it, and read each finished run's adapter id and model card; or improve a trained adapter with DPO / ORPO.
Widgets come from layout.py as one `TrainWidgets`; each handler calls one function of core/train and
formats its answer with display.py (preference_display.py for the preference panel)."""

from __future__ import annotations

from functools import partial
from typing import Any

import gradio as gr
from gradio.components import Component
from pydantic import ValidationError

from core.review.content import DatasetError
from core.train.dpo_config import PreferenceConfig
from core.train.dpo_runs import plan_preference_training, preference_choices, start_preference_training
from core.train.pairs_build import build_preference_dataset
from core.train.planning import plan_training
from core.train.runs import cancel_training, resume_training, start_training, stop_training
from core.train.sft_config import TrainConfig, TrainingError, describe_errors
from core.train.status import RunView, TrainingOverview, run_view, training_overview
from studio.context import AppContext
from studio.tabs.train import display as show
from studio.tabs.train import preference_display as pref_show
from studio.tabs.train.layout import TrainWidgets, build_layout

POLL_SECONDS = 2.0
Updates = dict[Component, Any]


def build(ctx: AppContext) -> None:
    w = build_layout(ctx)
    _wire_form(ctx, w)
    _wire_poll(ctx, w)
    _wire_preference(ctx, w)


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


def poll(
    ctx: AppContext, w: TrainWidgets, run_id: str | None, dataset: str | None, seen: dict[str, str]
) -> Updates:
    """Redraw what changed: progress, plots and log of the watched run; the runs table; the card; datasets."""
    overview = training_overview(ctx.store, ctx.workspace, run_id or None)
    keys = show.poll_keys(overview)
    changed = show.changed_sections(seen, keys)
    return {
        **_watched(w, overview.view, changed["metrics"]),
        **_listed(w, overview, run_id, changed),
        **_datasets(w, overview, dataset, changed["datasets"]),
        w.seen: keys,
    }


def _watched(w: TrainWidgets, view: RunView | None, redraw: bool) -> Updates:
    metrics = view.metrics if view else []
    plots = (show.loss_frame(metrics), show.rate_frame(metrics), show.speed_frame(metrics))
    allowed = (view.can_stop, view.can_resume, view.can_cancel) if view else (False, False, False)
    return {
        w.progress: show.progress_html(view),
        **{
            plot: frame if redraw else gr.skip()
            for plot, frame in zip((w.loss, w.rate, w.speed), plots, strict=True)
        },
        w.log: view.log_tail if view else "",
        **{
            b: gr.update(interactive=bool(view and a))
            for b, a in zip((w.stop, w.resume, w.cancel), allowed, strict=True)
        },
        w.command: show.command_markdown(view.run if view else None),
    }


def _listed(
    w: TrainWidgets, overview: TrainingOverview, run_id: str | None, changed: dict[str, bool]
) -> Updates:
    runs = show.runs_frame(overview.runs)
    return {
        w.runs: gr.update(value=runs, visible=bool(overview.runs)) if changed["runs"] else gr.skip(),
        w.runs_empty: gr.update(visible=not overview.runs),
        w.run_ids: show.run_ids(overview.runs),
        w.run: _run_picker(overview, run_id),
        w.card: overview.card if changed["card"] else gr.skip(),
    }


def _run_picker(overview: TrainingOverview, run_id: str | None) -> Any:
    """Fresh run choices; the value only when nothing is watched yet. Setting it on every poll would let a
    poll that started before Start (or a click on the runs table) switch the view back to the old run."""
    choices = show.run_choices(overview.runs)
    if run_id:
        return gr.update(choices=choices)
    return gr.update(choices=choices, value=overview.view.run.id if overview.view else None)


def _datasets(w: TrainWidgets, overview: TrainingOverview, dataset: str | None, changed: bool) -> Updates:
    choices = show.dataset_choices(overview.datasets)
    pick = show.pick_choice(dataset, choices)
    return {
        w.dataset: gr.update(choices=choices, value=pick) if changed or pick != dataset else gr.skip(),
        w.no_dataset: gr.update(visible=not overview.datasets),
    }


def pick_run(ids: list[str], event: gr.SelectData) -> Any:
    row = event.index[0] if isinstance(event.index, list | tuple) else event.index
    return ids[row] if isinstance(row, int) and 0 <= row < len(ids) else gr.skip()


def preference_config(
    method: str, parent: str | None, dataset: str | None, beta: float, *values: Any
) -> PreferenceConfig:
    """The shared Settings form's values, with the preference panel's method, parent, dataset and steps."""
    learning_rate, epochs, max_steps, *form = values
    shared = show.config_from_form(dataset, "", "custom", list(form)).model_dump()
    shared = {k: v for k, v in shared.items() if k not in pref_show.PREFERENCE_FIELDS}
    return PreferenceConfig(
        **shared,
        method=method,  # type: ignore[arg-type]
        parent_adapter=parent or "",
        beta=float(beta),
        learning_rate=float(learning_rate),
        epochs=float(epochs),
        max_steps=int(max_steps) if max_steps else None,
    )


def estimate_preference(ctx: AppContext, *values: Any) -> str:
    try:
        plan = plan_preference_training(ctx.store, ctx.workspace, preference_config(*values), ctx.hardware)
    except ValidationError as exc:
        return pref_show.error_html(describe_errors(exc, "", "Settings", PreferenceConfig))
    except (TrainingError, ValueError) as exc:
        return pref_show.error_html(str(exc))
    return pref_show.plan_html(plan)


def start_preference(ctx: AppContext, *values: Any) -> tuple[str, Any]:
    try:
        config = preference_config(*values)
        started = start_preference_training(ctx.store, ctx.workspace, config, ctx.hardware)
    except ValidationError as exc:
        raise gr.Error(describe_errors(exc, "", "Settings", PreferenceConfig)) from exc
    except (TrainingError, ValueError) as exc:
        raise gr.Error(str(exc)) from exc
    return started.notice, started.run.id


def build_dataset(ctx: AppContext, sources: list[str]) -> tuple[str, Any]:
    if not sources:
        raise gr.Error("Tick at least one source of pairs.")
    try:
        report = build_preference_dataset(ctx.store, ctx.workspace, sources=sources)
    except DatasetError as exc:
        raise gr.Error(str(exc)) from exc
    choices = pref_show.dataset_choices(preference_choices(ctx.store).datasets)
    return pref_show.build_markdown(report), gr.update(choices=choices, value=report.dataset.id)


def poll_preference(
    ctx: AppContext, w: TrainWidgets, run_id: str | None, parent: str | None, dataset: str | None, seen: dict
) -> Updates:
    """The watched run's reward curves (shown for preference runs only), and fresh adapter/dataset lists."""
    view = run_view(ctx.store, ctx.workspace, run_id or None)
    choices = preference_choices(ctx.store)
    metrics, p = (view.metrics if view else []), w.preference
    keys = pref_show.poll_keys(view, choices)
    changed = show.changed_sections(seen, keys)
    adapters, datasets = (
        pref_show.adapter_choices(choices.adapters),
        pref_show.dataset_choices(choices.datasets),
    )
    rewards = gr.update(value=pref_show.reward_frame(metrics), visible=pref_show.has_rewards(metrics))
    lists = changed["lists"]
    return {
        w.rewards: rewards if changed["metrics"] else gr.skip(),
        p.parent: gr.update(choices=adapters, value=show.pick_choice(parent, adapters))
        if lists
        else gr.skip(),
        p.dataset: gr.update(choices=datasets, value=show.pick_choice(dataset, datasets))
        if lists
        else gr.skip(),
        p.no_parent: gr.update(visible=not choices.adapters),
        p.seen: keys,
    }


def _wire_form(ctx: AppContext, w: TrainWidgets) -> None:
    gr.on(
        [c.change for c in w.form],
        partial(estimate, ctx),
        inputs=w.form,
        outputs=[w.estimate, w.yaml],
        show_progress="hidden",
        trigger_mode="always_last",
        api_name="train_estimate",
    )
    w.preset.input(apply_preset, inputs=[w.preset], outputs=w.settings, show_progress="hidden")
    w.start.click(partial(start, ctx), inputs=w.form, outputs=[w.notice, w.run], api_name="train_start")
    for button, action in ((w.stop, "stop"), (w.resume, "resume"), (w.cancel, "cancel")):
        button.click(
            partial(act, ctx, action), inputs=[w.run], outputs=[w.notice, w.run], api_name=f"train_{action}"
        )


def _wire_poll(ctx: AppContext, w: TrainWidgets) -> None:
    outputs = [
        w.progress, w.loss, w.rate, w.speed, w.log, w.stop, w.resume, w.cancel, w.runs, w.runs_empty,
        w.run_ids, w.run, w.card, w.command, w.dataset, w.seen, w.no_dataset,
    ]  # fmt: skip
    refresh, inputs = partial(poll, ctx, w), [w.run, w.dataset, w.seen]
    gr.Timer(POLL_SECONDS).tick(
        refresh, inputs=inputs, outputs=outputs, show_progress="hidden", queue=False, api_name="train_status"
    )
    w.run.input(refresh, inputs=inputs, outputs=outputs, show_progress="hidden")
    w.runs.select(pick_run, inputs=[w.run_ids], outputs=[w.run]).then(
        refresh, inputs=inputs, outputs=outputs, show_progress="hidden"
    )


def _wire_preference(ctx: AppContext, w: TrainWidgets) -> None:
    p = w.preference
    form = [*p.panel, *w.settings]
    gr.on(
        [c.change for c in p.panel],
        partial(estimate_preference, ctx),
        inputs=form,
        outputs=[p.estimate],
        show_progress="hidden",
        trigger_mode="always_last",
        api_name="train_preference_estimate",
    )
    p.start.click(
        partial(start_preference, ctx),
        inputs=form,
        outputs=[p.notice, w.run],
        api_name="train_preference_start",
    )
    p.build.click(
        partial(build_dataset, ctx),
        inputs=[p.sources],
        outputs=[p.build_status, p.dataset],
        api_name="train_preference_build",
    )
    outputs = [w.rewards, p.parent, p.dataset, p.no_parent, p.seen]
    refresh, inputs = partial(poll_preference, ctx, w), [w.run, p.parent, p.dataset, p.seen]
    gr.Timer(POLL_SECONDS).tick(
        refresh, inputs=inputs, outputs=outputs, show_progress="hidden", queue=False, api_visibility="private"
    )
    w.run.change(refresh, inputs=inputs, outputs=outputs, show_progress="hidden", api_visibility="private")
