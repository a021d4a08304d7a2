"""PreferenceConfig: a DPO (or ORPO) run on top of a supervised adapter, as plain serialisable data.

    config = PreferenceConfig.from_preset("quick", parent_adapter="tiny@local+tutor@v1+lora@v1", dataset="preferences@v1")
    config.to_yaml()                          # a run folder's run.yaml (it names its method)
    load_run_config("runs/run_1a2b/run.yaml") # a TrainConfig or a PreferenceConfig, by the file's `method`

Every TrainConfig field keeps its meaning; `dataset` names a *preference* dataset version here, and the
adapter settings (rank, alpha, layers) are the parent adapter's, filled in when the run is planned: the
policy that learns is the parent adapter itself, so its shape cannot change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field

from core.train.sft_config import (
    PRESET_NAMES,
    ConfigError,
    Preset,
    TrainConfig,
    config_from_text,
)

PreferenceMethod = Literal["dpo", "orpo"]
METHODS: tuple[PreferenceMethod, ...] = ("dpo", "orpo")
METHOD_LABELS = {
    "dpo": "DPO: learn from the pairs, staying close to the supervised tutor",
    "orpo": "ORPO: learn the preferred replies and the preference at once, no reference copy",
}
# Preference tuning moves a trained adapter a little: lower learning rates and fewer passes than SFT.
PREFERENCE_PRESETS: dict[Preset, dict[str, Any]] = {
    "quick": {"epochs": 1.0, "learning_rate": 5e-5, "max_seq_length": 512},
    "balanced": {"epochs": 2.0, "learning_rate": 5e-5, "max_seq_length": 1024},
    "thorough": {"epochs": 3.0, "learning_rate": 2e-5, "max_seq_length": 2048, "gradient_accumulation": 2},
}


class PreferenceConfig(TrainConfig):
    """The settings of one preference-tuning run (DPO or ORPO on a supervised adapter)."""

    method: PreferenceMethod = Field(
        "dpo",
        description="dpo: prefer the chosen replies while staying close to the supervised tutor (usual choice). "
        "orpo: learn the chosen replies and the preference together, without a reference copy.",
    )
    parent_adapter: str = Field(
        "",
        description="The supervised (SFT) adapter to improve, such as tiny@local+tutor@v1+lora@v1. "
        "Empty: the newest supervised adapter.",
    )
    beta: float = Field(
        0.1,
        gt=0.0,
        le=10.0,
        description="How far the tutor may move from the supervised one: higher stays closer (DPO); for ORPO "
        "the weight of the preference part. 0.1 is typical.",
    )
    learning_rate: float = Field(
        5e-5,
        gt=0.0,
        le=0.1,
        description="Step size. Preference tuning needs smaller steps than supervised training: 1e-5 to 1e-4.",
    )
    epochs: float = Field(2.0, gt=0.0, le=100.0, description="How many times to go over the training pairs.")

    @classmethod
    def from_preset(cls, name: Preset = "balanced", **overrides: Any) -> PreferenceConfig:
        """The preference preset's values, then `overrides` (None values are ignored)."""
        if name not in PREFERENCE_PRESETS:
            raise ConfigError(f"Unknown preset {name!r}: choose one of {', '.join(PRESET_NAMES)}.")
        values: dict[str, Any] = {**PREFERENCE_PRESETS[name], "preset": name}
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)


def load_run_config(path: str | Path) -> TrainConfig:
    """A run.yaml (or any training YAML): a PreferenceConfig when it names a preference method."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read {file}: {exc.strerror or exc}. Check the path.") from exc
    return config_from_text(text, str(file), config_class(text))


def config_class(text: str) -> type[TrainConfig]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return TrainConfig  # config_from_text reports the syntax error with its line
    method = data.get("method") if isinstance(data, dict) else None
    return PreferenceConfig if method in METHODS else TrainConfig


def load_preference_config(path: str | Path) -> PreferenceConfig:
    config = load_run_config(path)
    if not isinstance(config, PreferenceConfig):
        raise ConfigError(f"{path} is a supervised training config; it names no method (dpo or orpo).")
    return config
