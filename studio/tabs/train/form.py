"""The Train tab's settings form: one widget per TrainConfig field, grouped, with the field's own
description as its help text. Layout only: values go through studio/tabs/train/display.py."""

from __future__ import annotations

from typing import Any

import gradio as gr

from core.train.sft_config import TrainConfig
from studio.tabs.train import display as show

# Every input of the tab (settings, dataset, base, preset, the preference panel) is one of these.
InputWidget = gr.Slider | gr.Number | gr.Dropdown | gr.Checkbox | gr.Radio
LAYER_CHOICES = ["all-linear", "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# How each setting is edited: numbers as sliders or number boxes, options as dropdowns or radios.
WIDGETS: dict[str, tuple[type, dict[str, Any]]] = {
    "lora_rank": (gr.Slider, {"minimum": 1, "maximum": 128, "step": 1}),
    "lora_alpha": (gr.Slider, {"minimum": 1, "maximum": 256, "step": 1}),
    "lora_dropout": (gr.Slider, {"minimum": 0.0, "maximum": 0.5, "step": 0.01}),
    "target_modules": (
        gr.Dropdown,
        {"choices": LAYER_CHOICES, "multiselect": True, "allow_custom_value": True},
    ),
    "learning_rate": (gr.Number, {"minimum": 1e-6, "maximum": 0.1, "step": 1e-5}),
    "epochs": (gr.Slider, {"minimum": 0.5, "maximum": 10, "step": 0.5}),
    "opening_practice": (gr.Slider, {"minimum": 0, "maximum": 4, "step": 1}),
    "max_steps": (gr.Number, {"minimum": 0, "precision": 0}),
    "batch_size": (gr.Slider, {"minimum": 1, "maximum": 64, "step": 1}),
    "gradient_accumulation": (gr.Slider, {"minimum": 1, "maximum": 32, "step": 1}),
    "max_seq_length": (gr.Slider, {"minimum": 128, "maximum": 8192, "step": 64}),
    "qlora": (gr.Checkbox, {}),
    "seed": (gr.Number, {"minimum": 0, "precision": 0}),
    "save_steps": (gr.Number, {"minimum": 1, "precision": 0}),
    "precision": (gr.Dropdown, {"choices": ["auto", "bf16", "fp16", "fp32"]}),
    "packing": (gr.Radio, {"choices": ["auto", "on", "off"]}),
    "gradient_checkpointing": (gr.Checkbox, {}),
    "warmup_ratio": (gr.Slider, {"minimum": 0.0, "maximum": 0.5, "step": 0.01}),
    "lr_scheduler": (gr.Dropdown, {"choices": ["cosine", "linear", "constant"]}),
    "weight_decay": (gr.Slider, {"minimum": 0.0, "maximum": 0.5, "step": 0.01}),
    "logging_steps": (gr.Number, {"minimum": 1, "precision": 0}),
    "eval_steps": (gr.Number, {"minimum": 0, "precision": 0}),
    "fast_path": (gr.Radio, {"choices": ["auto", "off"]}),
}
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Adapter", ("lora_rank", "lora_alpha", "lora_dropout", "target_modules")),
    ("Learning", ("learning_rate", "epochs", "opening_practice", "max_steps", "lr_scheduler")),
    ("Memory", ("batch_size", "gradient_accumulation", "max_seq_length", "gradient_checkpointing")),
    ("Hardware", ("precision", "packing", "qlora", "fast_path")),
    ("Saving and measuring", ("save_steps", "eval_steps", "logging_steps", "seed")),
    ("Fine points", ("warmup_ratio", "weight_decay")),
)


def build_fields(defaults: TrainConfig, *, gpu: bool) -> list[InputWidget]:
    """One widget per setting, grouped on screen; returned in show.FORM_FIELDS order."""
    values = dict(zip(show.FORM_FIELDS, show.form_values(defaults), strict=True))
    built: dict[str, InputWidget] = {}
    for title, names in GROUPS:
        gr.Markdown(f"**{title}**")
        with gr.Row(equal_height=False):
            for name in names:
                kind, options = WIDGETS[name]
                help_text = TrainConfig.model_fields[name].description
                extra = {"interactive": gpu} if name == "qlora" else {}
                built[name] = kind(
                    value=values[name],
                    label=show.LABELS[name],
                    info=help_text,
                    elem_id=f"train-{name.replace('_', '-')}",
                    min_width=200,
                    **options,
                    **extra,
                )
    return [built[name] for name in show.FORM_FIELDS]
