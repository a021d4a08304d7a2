"""TrainConfig: presets, checks with field names and fixes, YAML round-trip, and every shipped config."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.train.sft_config import (
    PRESET_NAMES,
    PRESETS,
    RUN_COMMAND,
    ConfigError,
    TrainConfig,
    config_from_text,
    load_config,
)

CONFIGS = Path(__file__).resolve().parents[3] / "assets" / "configs"


def test_presets_differ_in_size_and_keep_every_other_default() -> None:
    quick, balanced, thorough = (TrainConfig.from_preset(name) for name in PRESET_NAMES)
    assert quick.lora_rank < balanced.lora_rank < thorough.lora_rank
    assert quick.epochs < balanced.epochs < thorough.epochs
    assert quick.preset == "quick" and thorough.max_seq_length == PRESETS["thorough"]["max_seq_length"]
    assert quick.target_modules == ["all-linear"] and quick.seed == TrainConfig().seed


def test_overrides_win_over_the_preset_and_none_is_ignored() -> None:
    config = TrainConfig.from_preset("quick", lora_rank=64, max_steps=None, base="tiny")
    assert config.lora_rank == 64 and config.max_steps is None and config.base == "tiny"


def test_unknown_preset_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match="quick, balanced, thorough"):
        TrainConfig.from_preset("huge")  # type: ignore[arg-type]


def test_yaml_round_trip_is_exact_and_opens_with_the_command() -> None:
    config = TrainConfig.from_preset(
        "thorough", base="Qwen/Qwen2.5-0.5B-Instruct", dataset="tutor@v3", max_steps=120
    )
    text = config.to_yaml()
    assert text.splitlines()[1].strip("# ") == RUN_COMMAND
    assert config_from_text(text) == config


def test_target_modules_accept_a_comma_list_and_refuse_nonsense() -> None:
    assert TrainConfig(target_modules="q_proj, v_proj").target_modules == ["q_proj", "v_proj"]  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="all-linear already covers"):
        TrainConfig(target_modules=["all-linear", "q_proj"])
    with pytest.raises(ValueError, match="not a layer name"):
        TrainConfig(target_modules=["q proj!"])


def test_bad_yaml_names_file_line_field_and_fix(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("base: tiny\nlora_rank: 0\nlearning_rate: 2e-4\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert f"{path}, line 2" in message and "`lora_rank`" in message and "Size of the adapter" in message


def test_unknown_field_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"line 2: unknown field `lora_rnak`.*lora_rank"):
        config_from_text("base: tiny\nlora_rnak: 8\n", source="run.yaml")


def test_broken_yaml_syntax_names_the_line() -> None:
    with pytest.raises(ConfigError, match=r"run\.yaml, line 2"):
        config_from_text("base: tiny\nlora_rank: [8\n", source="run.yaml")


def test_missing_file_says_to_check_the_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Check the path"):
        load_config(tmp_path / "nope.yaml")


def test_every_field_has_help_text_for_the_ui() -> None:
    assert all(field.description for field in TrainConfig.model_fields.values())


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_loads_and_opens_with_its_command(path: Path) -> None:
    config = load_config(path)
    first_lines = path.read_text().splitlines()[:3]
    assert any(f"tutor-studio train --config assets/configs/{path.name}" in line for line in first_lines)
    assert config_from_text(config.to_yaml()) == config


def test_shipped_configs_cover_every_preset() -> None:
    presets = {load_config(path).preset for path in CONFIGS.glob("*.yaml")}
    assert set(PRESET_NAMES) <= presets
