"""The Train tab's widgets, in the order they appear, declared in one dataclass (`TrainWidgets`; the
preference tuning panel is its `preference` part, built by studio/tabs/train/preference.py and the settings
form by form.py). Layout only: handlers.py wires the events."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from core.review.records import list_datasets
from core.train.planning import suggested_bases
from core.train.sft_config import PRESET_NAMES, TrainConfig, preset_help
from studio.context import AppContext
from studio.tabs.train import display as show
from studio.tabs.train.form import InputWidget, build_fields
from studio.tabs.train.preference import PreferenceWidgets, build_preference, build_reward_plot

PLOT_HEIGHT = 220
INTRO = (
    "Teach the base model your tutor's behaviour: it learns from the accepted conversations of a dataset "
    "version, so it needs no long instructions later. Training runs in the background; you can close the browser."
)
DATASET_HELP = "A frozen set of accepted conversations from the Review tab. The newest is picked for you."


@dataclass
class TrainWidgets:
    # what to train: dataset, base model, preset and the settings form (show.FORM_FIELDS order)
    no_dataset: gr.Markdown
    dataset: gr.Dropdown
    base: gr.Dropdown
    preset: gr.Radio
    settings: list[InputWidget]
    estimate: gr.HTML
    start: gr.Button
    notice: gr.Markdown
    command: gr.Markdown
    yaml: gr.Code
    preference: PreferenceWidgets
    # the watched run
    run: gr.Dropdown
    stop: gr.Button
    resume: gr.Button
    cancel: gr.Button
    progress: gr.HTML
    loss: gr.LinePlot
    rate: gr.LinePlot
    speed: gr.LinePlot
    log: gr.Textbox
    rewards: gr.LinePlot
    # every run
    runs_empty: gr.Markdown
    runs: gr.Dataframe
    card: gr.Markdown
    seen: gr.State
    run_ids: gr.State

    @property
    def form(self) -> list[InputWidget]:
        """The supervised run's inputs, in the order the handlers take them: dataset, base, preset, settings."""
        return [self.dataset, self.base, self.preset, *self.settings]


def build_layout(ctx: AppContext) -> TrainWidgets:
    gr.Markdown(INTRO)
    no_dataset, dataset, base, preset = _choose(ctx)
    with gr.Accordion(
        "Settings (the preset fills them in; each one is explained)", open=False, elem_id="train-settings"
    ):
        settings = build_fields(TrainConfig.from_preset("balanced"), gpu=ctx.hardware.device == "cuda")
    estimate, start, notice, command, yaml = _start()
    preference = build_preference(ctx)  # DPO / ORPO on a trained adapter: its own panel, the same runs
    run, stop, resume, cancel, progress = _watch()
    loss, rate, speed, log = _plots()
    rewards = build_reward_plot()
    runs_empty, runs, card = _runs()
    return TrainWidgets(
        no_dataset=no_dataset, dataset=dataset, base=base, preset=preset, settings=settings,
        estimate=estimate, start=start, notice=notice, command=command, yaml=yaml, preference=preference,
        run=run, stop=stop, resume=resume, cancel=cancel, progress=progress, loss=loss, rate=rate,
        speed=speed, log=log, rewards=rewards, runs_empty=runs_empty, runs=runs, card=card,
        seen=gr.State({}), run_ids=gr.State([]),
    )  # fmt: skip


def _choose(ctx: AppContext) -> tuple[gr.Markdown, gr.Dropdown, gr.Dropdown, gr.Radio]:
    datasets = list_datasets(ctx.store, "sft")
    no_dataset = gr.Markdown(f"*{show.NO_DATASET}*", visible=not datasets, elem_id="train-no-dataset")
    with gr.Row(equal_height=False):
        dataset = gr.Dropdown(
            label="Dataset version",
            choices=show.dataset_choices(datasets),
            allow_custom_value=True,  # versions built after the page loaded arrive with the poll
            info=DATASET_HELP,
            scale=2,
            elem_id="train-dataset",
        )
        base = gr.Dropdown(
            label="Base model",
            choices=suggested_bases(ctx.hardware, ctx.base.requested),
            value=ctx.base.requested,
            allow_custom_value=True,
            info=TrainConfig.model_fields["base"].description,
            scale=2,
            elem_id="train-base",
        )
        preset = gr.Radio(
            list(PRESET_NAMES),
            value="balanced",
            label="Preset",
            scale=2,
            elem_id="train-preset",
            info=preset_help(),
        )
    return no_dataset, dataset, base, preset


def _start() -> tuple[gr.HTML, gr.Button, gr.Markdown, gr.Markdown, gr.Code]:
    estimate = gr.HTML(elem_id="train-estimate")
    with gr.Row():
        start = gr.Button("Start training", variant="primary", elem_id="train-start")
    notice = gr.Markdown(elem_id="train-notice")
    with gr.Accordion("Command line", open=False, elem_id="train-command"):
        command = gr.Markdown(show.command_markdown(), elem_id="train-command-text")
        yaml = gr.Code(language="yaml", label="run.yaml", interactive=False, elem_id="train-yaml")
    return estimate, start, notice, command, yaml


def _watch() -> tuple[gr.Dropdown, gr.Button, gr.Button, gr.Button, gr.HTML]:
    with gr.Row(equal_height=True):
        run = gr.Dropdown(
            label="Watching",
            choices=[],
            allow_custom_value=True,  # runs started after the page loaded arrive with the poll
            info="The run whose progress is shown below.",
            scale=4,
            elem_id="train-run",
        )
        stop = gr.Button("Stop (resumable)", interactive=False, scale=1, elem_id="train-stop")
        resume = gr.Button("Resume", interactive=False, scale=1, elem_id="train-resume")
        cancel = gr.Button("Cancel", variant="stop", interactive=False, scale=1, elem_id="train-cancel")
    return run, stop, resume, cancel, gr.HTML(elem_id="train-progress")


def _plots() -> tuple[gr.LinePlot, gr.LinePlot, gr.LinePlot, gr.Textbox]:
    with gr.Row():
        loss = _plot("loss", "Loss (lower is better)", ".3~f", "train-loss-plot", color="series")
        rate = _plot("learning rate", "Learning rate", ".1e", "train-lr-plot")
        speed = _plot("tokens/s", "Speed (tokens per second)", ",.0f", "train-speed-plot")
    log = gr.Textbox(
        label="Training log (last lines)",
        lines=6,
        max_lines=10,
        interactive=False,
        autoscroll=True,
        elem_id="train-log",
    )
    return loss, rate, speed, log


def _plot(y: str, title: str, y_format: str, elem_id: str, color: str | None = None) -> gr.LinePlot:
    """A live curve over the run's steps (the loss plot colours its training and validation series)."""
    return gr.LinePlot(
        x="step",
        y=y,
        color=color,
        title=title,
        y_axis_format=y_format,
        color_map=show.LOSS_COLORS if color else None,
        height=PLOT_HEIGHT,
        elem_id=elem_id,
    )


def _runs() -> tuple[gr.Markdown, gr.Dataframe, gr.Markdown]:
    gr.Markdown("### Runs")
    runs_empty = gr.Markdown(show.NO_RUNS, elem_id="train-runs-empty")
    runs = gr.Dataframe(
        headers=show.RUN_COLUMNS,
        interactive=False,
        visible=False,
        wrap=True,
        max_height=320,
        elem_id="train-runs",
    )
    with gr.Accordion("Model card of the watched run", open=False, elem_id="train-card-box"):
        card = gr.Markdown(elem_id="train-card")
    return runs_empty, runs, card
