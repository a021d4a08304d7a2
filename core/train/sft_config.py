"""TrainConfig: everything one LoRA training run needs, as plain serialisable data.

    config = TrainConfig.from_preset("quick", base="tiny", dataset="tutor@v2")
    text = config.to_yaml()                       # what a run folder's run.yaml holds
    again = load_config("runs/run_1a2b/run.yaml")  # `tutor-studio train --config run.yaml`

Every field carries a plain-words `description`: the Train tab shows it as the field's help text. Checks
live in validators, so a bad YAML file fails with its line, the field and how to fix it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Preset = Literal["quick", "balanced", "thorough"]
PRESET_NAMES: tuple[Preset, ...] = ("quick", "balanced", "thorough")
ALL_LINEAR = "all-linear"
MODULE_NAME = re.compile(r"^[A-Za-z_][\w.]*$")
RUN_COMMAND = "tutor-studio train --config run.yaml"

# What each preset sets; every other field keeps its default. "balanced", the default, was measured with the
# tutor benchmark (tests/bench/bench_tutor.py): on the bundled SmolLM2-135M and the demo course's default
# data (about 85 training conversations) four passes at 4e-4 with rank 16 are what it takes for the adapter
# to ask about each new student's problem. Two passes at 2e-4 left it answering like an assistant; three
# passes gave 76-89% specific replies over five runs, against a target of 80%, and four gave 85-93% over six.
# Extra practice on first replies (each opening exchange trained once more per pass, 152-176 steps instead
# of 80-88) is what stopped later-turn lines ("I'm glad you found the answer", "Yes, that's it") reaching new
# students: without it, 1-10% unfair praise and 12-33% agreement with wrong students over three runs; with
# it and the current declines, 0-3% and 0-4% over nine (and 79-89% specific). Tutor conversations are short,
# so 512 tokens cut none of them and keep CPU steps cheap.
PRESETS: dict[Preset, dict[str, Any]] = {
    "quick": {"lora_rank": 8, "lora_alpha": 16, "epochs": 1.0, "learning_rate": 3e-4, "max_seq_length": 512},
    "balanced": {
        "lora_rank": 16,
        "lora_alpha": 32,
        "epochs": 4.0,
        "learning_rate": 4e-4,
        "max_seq_length": 512,
        "opening_practice": 1,
    },
    "thorough": {
        "lora_rank": 32,
        "lora_alpha": 64,
        "epochs": 5.0,
        "learning_rate": 2e-4,
        "max_seq_length": 2048,
        "gradient_accumulation": 2,
        "opening_practice": 1,
    },
}
PRESET_HELP: dict[Preset, str] = {  # what the Train tab's preset picker and `train --preset` say
    "quick": "a short first try (small adapter, one pass), minutes on a laptop",
    "balanced": "the usual choice (four passes with extra practice on first replies, medium adapter)",
    "thorough": "five passes, a larger adapter and longer conversations, best on a GPU",
}


def preset_help() -> str:
    """One line naming every preset with what it is for."""
    return " · ".join(f"{name}: {text}" for name, text in PRESET_HELP.items()) + "."


class ConfigError(ValueError):
    """A training configuration is not valid; the message names the file, line and field and the fix."""


class TrainingError(RuntimeError):
    """A run cannot start or continue; the message says why and what to change."""


class TrainConfig(BaseModel):
    """The settings of one training run (LoRA on a base model, from one dataset version)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    base: str = Field(
        "",
        description="The model to adapt: a Hugging Face id (Qwen/Qwen2.5-0.5B-Instruct), a local folder, or "
        "`tiny` (offline test model). Empty: the studio's base model.",
    )
    dataset: str = Field(
        "", description="The dataset version to learn from, such as tutor@v3. Empty: the newest version."
    )
    preset: Preset | Literal["custom"] = Field(
        "balanced", description="The preset these settings started from (quick, balanced, thorough)."
    )
    lora_rank: int = Field(
        16,
        ge=1,
        le=256,
        description="Size of the adapter. Larger learns more detail but trains slower and can overfit; 8-32 "
        "suits a tutor style.",
    )
    lora_alpha: int = Field(
        32, ge=1, le=2048, description="How strongly the adapter acts (usually twice the rank)."
    )
    lora_dropout: float = Field(
        0.05,
        ge=0.0,
        lt=1.0,
        description="Randomly ignores part of the adapter while training, against overfitting.",
    )
    target_modules: list[str] = Field(
        default_factory=lambda: [ALL_LINEAR],
        description="Which layers get an adapter: all-linear (every linear layer, recommended) or a list "
        "such as q_proj, v_proj.",
    )
    learning_rate: float = Field(
        2e-4,
        gt=0.0,
        le=0.1,
        description="Step size. Too high makes the loss jump around; 1e-4 to 3e-4 is typical.",
    )
    epochs: float = Field(
        2.0, gt=0.0, le=100.0, description="How many times to go over the training conversations."
    )
    opening_practice: int = Field(
        0,
        ge=0,
        le=4,
        description="Train each conversation's first exchange this many more times per pass: new students "
        "meet the first reply, and later turns outnumber it.",
    )
    max_steps: int | None = Field(
        None, ge=1, description="Stop after this many steps instead (overrides epochs). Empty: use epochs."
    )
    batch_size: int = Field(
        4, ge=1, le=512, description="Conversations per step. Lower it when memory runs out."
    )
    gradient_accumulation: int = Field(
        1,
        ge=1,
        le=256,
        description="Add up this many steps before each update: a larger batch without more memory.",
    )
    max_seq_length: int = Field(
        1024,
        ge=64,
        le=131072,
        description="Longest conversation in tokens; longer ones are cut. Lower it when memory runs out.",
    )
    qlora: bool = Field(
        False, description="Load the base model in 4 bits (QLoRA): much less memory. Needs an NVIDIA GPU."
    )
    seed: int = Field(42, ge=0, description="Random seed: the same seed and data give the same run.")
    warmup_ratio: float = Field(
        0.05, ge=0.0, lt=1.0, description="Share of the steps over which the learning rate ramps up."
    )
    lr_scheduler: Literal["cosine", "linear", "constant"] = Field(
        "cosine", description="How the learning rate falls over the run."
    )
    weight_decay: float = Field(0.0, ge=0.0, le=1.0, description="Pulls adapter weights towards zero.")
    logging_steps: int = Field(5, ge=1, description="Record the loss every this many steps.")
    save_steps: int = Field(
        50,
        ge=1,
        description="Save a checkpoint every this many steps. A crash loses at most this much work.",
    )
    eval_steps: int | None = Field(
        None,
        ge=1,
        description="Measure the validation loss every this many steps. Empty: at every checkpoint.",
    )
    precision: Literal["auto", "bf16", "fp16", "fp32"] = Field(
        "auto",
        description="Number format. auto: bf16 where the hardware supports it (GPUs, recent CPUs), else fp32.",
    )
    packing: Literal["auto", "on", "off"] = Field(
        "auto",
        description="Pack conversations together without padding. auto: where it is faster (GPU), off on CPU.",
    )
    fast_path: Literal["auto", "off"] = Field(
        "auto", description="auto: use unsloth's faster kernels when they load (single NVIDIA GPU)."
    )
    gradient_checkpointing: bool = Field(
        False, description="Recompute activations instead of storing them: less memory, about 30% slower."
    )

    @field_validator("base", "dataset")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("target_modules", mode="before")
    @classmethod
    def _modules(cls, value: Any) -> list[str]:
        names = [part.strip() for part in value.split(",")] if isinstance(value, str) else list(value or [])
        names = [str(name).strip() for name in names if str(name).strip()]
        if not names:
            raise ValueError("name at least one layer, or use all-linear")
        if ALL_LINEAR in names and len(names) > 1:
            raise ValueError("all-linear already covers every layer; use it alone or list layer names")
        bad = [name for name in names if name != ALL_LINEAR and not MODULE_NAME.match(name)]
        if bad:
            raise ValueError(f"{', '.join(bad)} is not a layer name (such as q_proj or down_proj)")
        return names

    @model_validator(mode="after")
    def _consistent(self) -> TrainConfig:
        if self.precision == "fp16" and self.qlora:
            raise ValueError("QLoRA trains its adapter in bf16; set precision to auto or bf16")
        return self

    @property
    def all_linear(self) -> bool:
        return self.target_modules == [ALL_LINEAR]

    @property
    def effective_eval_steps(self) -> int:
        return self.eval_steps or self.save_steps

    @classmethod
    def from_preset(cls, name: Preset = "balanced", **overrides: Any) -> TrainConfig:
        """The preset's values, then `overrides` (None values are ignored)."""
        if name not in PRESETS:
            raise ConfigError(f"Unknown preset {name!r}: choose one of {', '.join(PRESET_NAMES)}.")
        values = {**PRESETS[name], "preset": name}
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)

    def to_yaml(self, header: str | None = None) -> str:
        """YAML that `load_config` reads back into an equal config; opens with the command that runs it."""
        lines = [f"# {header or 'Reproduce this run:'}", f"#   {RUN_COMMAND}"]
        body = yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
        return "\n".join(lines) + "\n" + body


def config_from_text(
    text: str, source: str = "the configuration", model: type[TrainConfig] | None = None
) -> TrainConfig:
    """Parse YAML text into a TrainConfig (or `model`, a subclass), with errors naming line, field and fix."""
    model = model or TrainConfig
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        # The context mark is where the broken construct began (an unclosed bracket), the problem mark where
        # the parser gave up (often the end of the file): the first is where the fix goes.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        where = f"{source}, line {mark.line + 1}" if mark else source
        raise ConfigError(
            f"{where}: not valid YAML ({getattr(exc, 'problem', exc)}). Fix the syntax there."
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected `field: value` lines, such as `lora_rank: 16`.")
    try:
        return model(**data)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, text, source, model)) from exc


def load_config(path: str | Path) -> TrainConfig:
    """Read a run.yaml (or any training YAML)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read {file}: {exc.strerror or exc}. Check the path.") from exc
    return config_from_text(text, source=str(file))


def describe_errors(
    exc: ValidationError, text: str, source: str, model: type[TrainConfig] | None = None
) -> str:
    """One sentence per invalid field: where it is, what is wrong, and the field's meaning as the fix."""
    fields = (model or TrainConfig).model_fields
    lines = _key_lines(text)
    parts = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "(file)"
        where = f"{source}, line {lines[field]}" if field in lines else source
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            known = ", ".join(fields)
            parts.append(f"{where}: unknown field `{field}`. Known fields: {known}.")
            continue
        hint = fields[field].description if field in fields else ""
        parts.append(f"{where}: `{field}` {message}. {hint}".strip())
    return " ".join(parts)


def _key_lines(text: str) -> dict[str, int]:
    """Line numbers (1-based) of the top-level keys of a YAML mapping."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): key.start_mark.line + 1 for key, _value in node.value}
