"""The Train tab's preference tuning panel (layout only): build a preference dataset from votes, edits and
caught leaks, then run DPO (or ORPO) on a supervised adapter as an ordinary run (the tab's live view, Stop,
Resume and Cancel follow it). Its widgets are `TrainWidgets.preference`; handlers.py wires them, and the
run's other settings come from the tab's shared Settings form."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from core.train.dpo_config import METHOD_LABELS, PreferenceConfig
from core.train.dpo_runs import PreferenceChoices, preference_choices
from core.train.pairs import SOURCES, source_help
from studio.context import AppContext
from studio.tabs.train import preference_display as show
from studio.tabs.train.form import InputWidget

INTRO = (
    "Make a trained tutor better at what people preferred: the replies voted best in **Compare**, the tutor "
    "turns you rewrote in **Review**, and Socratic rewrites of the replies the **Generate** filters caught "
    "giving answers away. The result is a new adapter (DPO or ORPO) that starts from the supervised one; "
    "Evaluate and Compare take it like any other."
)
FIELD = PreferenceConfig.model_fields


@dataclass
class PreferenceWidgets:
    no_parent: gr.Markdown
    sources: gr.CheckboxGroup
    build: gr.Button
    build_status: gr.Markdown
    method: gr.Radio
    parent: gr.Dropdown
    dataset: gr.Dropdown
    beta: gr.Slider
    learning_rate: gr.Number
    epochs: gr.Slider
    max_steps: gr.Number
    estimate: gr.HTML
    start: gr.Button
    notice: gr.Markdown
    seen: gr.State

    @property
    def panel(self) -> list[InputWidget]:
        """This panel's run settings, in the order handlers.preference_config takes them."""
        return [
            self.method,
            self.parent,
            self.dataset,
            self.beta,
            self.learning_rate,
            self.epochs,
            self.max_steps,
        ]


def build_preference(ctx: AppContext) -> PreferenceWidgets:
    with gr.Accordion(
        "Preference tuning (DPO / ORPO): improve a trained tutor", open=False, elem_id="train-pref"
    ):
        gr.Markdown(INTRO)
        choices = preference_choices(ctx.store)
        no_parent = gr.Markdown(
            f"*{show.NO_PARENT}*", visible=not choices.adapters, elem_id="train-pref-empty"
        )
        with gr.Row(equal_height=True):
            sources = gr.CheckboxGroup(
                show.source_choices(),
                value=list(SOURCES),
                label="Pairs from",
                info=source_help(),
                elem_id="train-pref-sources",
                scale=3,
            )
            build = gr.Button("Build preference dataset", elem_id="train-pref-build", scale=1)
        build_status = gr.Markdown(elem_id="train-pref-build-status")
        method, parent, dataset = _what(choices)
        beta, learning_rate, epochs, max_steps = _how()
        estimate = gr.HTML(elem_id="train-pref-estimate")
        start = gr.Button("Start preference tuning", variant="primary", elem_id="train-pref-start")
        notice = gr.Markdown(elem_id="train-pref-notice")
    return PreferenceWidgets(
        no_parent=no_parent, sources=sources, build=build, build_status=build_status, method=method,
        parent=parent, dataset=dataset, beta=beta, learning_rate=learning_rate, epochs=epochs,
        max_steps=max_steps, estimate=estimate, start=start, notice=notice, seen=gr.State({}),
    )  # fmt: skip


def _what(choices: PreferenceChoices) -> tuple[gr.Radio, gr.Dropdown, gr.Dropdown]:
    with gr.Row(equal_height=False):
        method = gr.Radio(
            [(label, key) for key, label in METHOD_LABELS.items()],
            value="dpo",
            label="Method",
            info=FIELD["method"].description,
            elem_id="train-pref-method",
            scale=2,
        )
        parent = gr.Dropdown(
            show.adapter_choices(choices.adapters),
            value=choices.adapters[0].id if choices.adapters else None,
            label="Supervised adapter to improve",
            info=FIELD["parent_adapter"].description,
            allow_custom_value=True,
            elem_id="train-pref-parent",
            scale=2,
        )
        dataset = gr.Dropdown(
            show.dataset_choices(choices.datasets),
            value=choices.datasets[0].id if choices.datasets else None,
            label="Preference dataset",
            info="A frozen set of preference pairs; build one above.",
            allow_custom_value=True,
            elem_id="train-pref-dataset",
            scale=2,
        )
    return method, parent, dataset


def _how() -> tuple[gr.Slider, gr.Number, gr.Slider, gr.Number]:
    defaults = PreferenceConfig.model_validate({})
    with gr.Row():
        beta = gr.Slider(
            0.01, 1.0, value=defaults.beta, step=0.01, label="Beta", info=FIELD["beta"].description,
            elem_id="train-pref-beta",
        )  # fmt: skip
        learning_rate = gr.Number(
            defaults.learning_rate, minimum=1e-7, maximum=0.1, step=1e-5, label="Learning rate",
            info=FIELD["learning_rate"].description, elem_id="train-pref-lr",
        )  # fmt: skip
        epochs = gr.Slider(
            0.5, 10, value=defaults.epochs, step=0.5, label="Passes over the pairs (epochs)",
            info=FIELD["epochs"].description, elem_id="train-pref-epochs",
        )  # fmt: skip
        max_steps = gr.Number(
            0, minimum=0, precision=0, label="Stop after steps (0 = use epochs)",
            info=FIELD["max_steps"].description, elem_id="train-pref-steps",
        )  # fmt: skip
    return beta, learning_rate, epochs, max_steps


def build_reward_plot() -> gr.LinePlot:
    """Below the live loss curves: shown while a preference run is watched."""
    return gr.LinePlot(
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
