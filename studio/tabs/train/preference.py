"""The Train tab's preference tuning panel: build a preference dataset from votes, edits and caught leaks,
then run DPO (or ORPO) on a supervised adapter as an ordinary run (the tab's live view, Stop, Resume and
Cancel follow it), with a plot of the reward margins. Each handler calls one core function and formats with
studio/tabs/train/preference_display.py; the run's other settings come from the tab's shared Settings form."""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace
from typing import Any

import gradio as gr
from pydantic import ValidationError

from core.review.content import DatasetError
from core.train.dpo_config import METHOD_LABELS, PreferenceConfig
from core.train.dpo_runs import plan_preference_training, preference_choices, start_preference_training
from core.train.pairs import SOURCES
from core.train.pairs_build import build_preference_dataset
from core.train.sft_config import TrainingError, describe_errors
from core.train.status import run_view
from studio.context import AppContext
from studio.tabs.train import display as train_display
from studio.tabs.train import preference_display as show

POLL_SECONDS = 2.0
INTRO = (
    "Make a trained tutor better at what people preferred: the replies voted best in **Compare**, the tutor "
    "turns you rewrote in **Review**, and Socratic rewrites of the replies the **Generate** filters caught "
    "giving answers away. The result is a new adapter (DPO or ORPO) that starts from the supervised one; "
    "Evaluate and Compare take it like any other."
)
PREFERENCE_FIELDS = ("learning_rate", "epochs", "max_steps")  # set here, not by the shared Settings form


def preference_config(
    method: str, parent: str | None, dataset: str | None, beta: float, *values: Any
) -> PreferenceConfig:
    """The shared Settings form's values, with this panel's method, parent, dataset and step settings."""
    learning_rate, epochs, max_steps, *form = values
    shared = train_display.config_from_form(dataset, "", "custom", list(form)).model_dump()
    shared = {k: v for k, v in shared.items() if k not in PREFERENCE_FIELDS}
    return PreferenceConfig(
        **shared,
        method=method,  # type: ignore[arg-type]
        parent_adapter=parent or "",
        beta=float(beta),
        learning_rate=float(learning_rate),
        epochs=float(epochs),
        max_steps=int(max_steps) if max_steps else None,
    )


def estimate(ctx: AppContext, *values: Any) -> str:
    try:
        plan = plan_preference_training(ctx.store, ctx.workspace, preference_config(*values), ctx.hardware)
    except ValidationError as exc:
        return show.error_html(describe_errors(exc, "", "Settings", PreferenceConfig))
    except (TrainingError, ValueError) as exc:
        return show.error_html(str(exc))
    return show.plan_html(plan)


def start(ctx: AppContext, *values: Any) -> tuple[str, Any]:
    try:
        started = start_preference_training(
            ctx.store, ctx.workspace, preference_config(*values), ctx.hardware
        )
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
    datasets = preference_choices(ctx.store).datasets
    return show.build_markdown(report), gr.update(
        choices=show.dataset_choices(datasets), value=report.dataset.id
    )


def poll(
    ctx: AppContext, run_id: str | None, parent: str | None, dataset: str | None, seen: dict
) -> tuple[Any, ...]:
    """The watched run's reward curves (shown for preference runs only), and fresh adapter/dataset lists."""
    view = run_view(ctx.store, ctx.workspace, run_id or None)
    choices = preference_choices(ctx.store)
    metrics = view.metrics if view else []
    keys = {
        "metrics": f"{view.run.id}:{len(metrics)}" if view else "none",
        "lists": str(([a.id for a in choices.adapters], [d.id for d in choices.datasets])),
    }
    changed = {name: (seen or {}).get(name) != key for name, key in keys.items()}
    adapters, datasets = show.adapter_choices(choices.adapters), show.dataset_choices(choices.datasets)
    pick_parent = (
        parent if parent in [a.id for a in choices.adapters] else (adapters[0][1] if adapters else None)
    )
    pick_dataset = (
        dataset if dataset in [d.id for d in choices.datasets] else (datasets[0][1] if datasets else None)
    )
    rewards = show.reward_frame(metrics)
    return (
        gr.update(value=rewards, visible=show.has_rewards(metrics)) if changed["metrics"] else gr.skip(),
        gr.update(choices=adapters, value=pick_parent) if changed["lists"] else gr.skip(),
        gr.update(choices=datasets, value=pick_dataset) if changed["lists"] else gr.skip(),
        gr.update(visible=not choices.adapters),
        keys,
    )


def build(ctx: AppContext, ui: SimpleNamespace) -> None:
    choices = preference_choices(ctx.store)
    defaults = PreferenceConfig()
    field = PreferenceConfig.model_fields
    with gr.Accordion(
        "Preference tuning (DPO / ORPO): improve a trained tutor", open=False, elem_id="train-pref"
    ):
        gr.Markdown(INTRO)
        ui.pref_no_parent = gr.Markdown(
            f"*{show.NO_PARENT}*", visible=not choices.adapters, elem_id="train-pref-empty"
        )
        with gr.Row(equal_height=True):
            ui.pref_sources = gr.CheckboxGroup(
                show.source_choices(),
                value=list(SOURCES),
                label="Pairs from",
                info="Where the preferred and rejected replies come from.",
                elem_id="train-pref-sources",
                scale=3,
            )
            ui.pref_build = gr.Button("Build preference dataset", elem_id="train-pref-build", scale=1)
        ui.pref_build_status = gr.Markdown(elem_id="train-pref-build-status")
        with gr.Row(equal_height=False):
            ui.pref_method = gr.Radio(
                [(label, key) for key, label in METHOD_LABELS.items()],
                value="dpo",
                label="Method",
                info=field["method"].description,
                elem_id="train-pref-method",
                scale=2,
            )
            ui.pref_parent = gr.Dropdown(
                show.adapter_choices(choices.adapters),
                value=choices.adapters[0].id if choices.adapters else None,
                label="Supervised adapter to improve",
                info=field["parent_adapter"].description,
                allow_custom_value=True,
                elem_id="train-pref-parent",
                scale=2,
            )
            ui.pref_dataset = gr.Dropdown(
                show.dataset_choices(choices.datasets),
                value=choices.datasets[0].id if choices.datasets else None,
                label="Preference dataset",
                info="A frozen set of preference pairs; build one above.",
                allow_custom_value=True,
                elem_id="train-pref-dataset",
                scale=2,
            )
        with gr.Row():
            ui.pref_beta = gr.Slider(
                0.01,
                1.0,
                value=defaults.beta,
                step=0.01,
                label="Beta",
                info=field["beta"].description,
                elem_id="train-pref-beta",
            )
            ui.pref_lr = gr.Number(
                defaults.learning_rate,
                minimum=1e-7,
                maximum=0.1,
                step=1e-5,
                label="Learning rate",
                info=field["learning_rate"].description,
                elem_id="train-pref-lr",
            )
            ui.pref_epochs = gr.Slider(
                0.5,
                10,
                value=defaults.epochs,
                step=0.5,
                label="Passes over the pairs (epochs)",
                info=field["epochs"].description,
                elem_id="train-pref-epochs",
            )
            ui.pref_steps = gr.Number(
                0,
                minimum=0,
                precision=0,
                label="Stop after steps (0 = use epochs)",
                info=field["max_steps"].description,
                elem_id="train-pref-steps",
            )
        ui.pref_estimate = gr.HTML(elem_id="train-pref-estimate")
        ui.pref_start = gr.Button("Start preference tuning", variant="primary", elem_id="train-pref-start")
        ui.pref_notice = gr.Markdown(elem_id="train-pref-notice")


def reward_plot(ui: SimpleNamespace) -> None:
    ui.pref_rewards = gr.LinePlot(
        x="step",
        y="reward",
        color="series",
        title="Preference rewards (the margin should climb)",
        color_map=show.REWARD_COLORS,
        y_axis_format=".3~f",
        height=240,
        visible=False,
        elem_id="train-reward-plot",
    )


def wire(ctx: AppContext, ui: SimpleNamespace) -> None:
    panel = [
        ui.pref_method,
        ui.pref_parent,
        ui.pref_dataset,
        ui.pref_beta,
        ui.pref_lr,
        ui.pref_epochs,
        ui.pref_steps,
    ]
    form = [*panel, *ui.fields]
    gr.on(
        [c.change for c in panel],
        partial(estimate, ctx),
        inputs=form,
        outputs=[ui.pref_estimate],
        show_progress="hidden",
        trigger_mode="always_last",
        api_name="train_preference_estimate",
    )
    ui.pref_start.click(
        partial(start, ctx), inputs=form, outputs=[ui.pref_notice, ui.run], api_name="train_preference_start"
    )
    ui.pref_build.click(
        partial(build_dataset, ctx),
        inputs=[ui.pref_sources],
        outputs=[ui.pref_build_status, ui.pref_dataset],
        api_name="train_preference_build",
    )
    ui.pref_seen = gr.State({})
    outputs = [ui.pref_rewards, ui.pref_parent, ui.pref_dataset, ui.pref_no_parent, ui.pref_seen]
    inputs = [ui.run, ui.pref_parent, ui.pref_dataset, ui.pref_seen]
    gr.Timer(POLL_SECONDS).tick(
        partial(poll, ctx),
        inputs=inputs,
        outputs=outputs,
        show_progress="hidden",
        queue=False,
        api_visibility="private",
    )
    ui.run.change(
        partial(poll, ctx), inputs=inputs, outputs=outputs, show_progress="hidden", api_visibility="private"
    )
