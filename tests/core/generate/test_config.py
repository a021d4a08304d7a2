"""SynthConfig: its checks speak SynthError, its params round-trip through the store, and its field
descriptions and defaults are what the `generate` flags say."""

from __future__ import annotations

import pytest

from core.cli import build_parser
from core.generate.config import DEFAULT_CONCURRENCY, DEFAULT_PER_CHUNK, SynthConfig, SynthError
from core.generate.intents import StudentMix
from core.generate.teacher_config import TeacherConfig


def test_defaults_are_written_once_and_read_back() -> None:
    config = SynthConfig()
    assert (config.per_chunk, config.concurrency, config.seed) == (DEFAULT_PER_CHUNK, DEFAULT_CONCURRENCY, 0)
    assert config.mix == StudentMix.default() and config.teacher == TeacherConfig()
    assert SynthConfig.default("per_chunk") == DEFAULT_PER_CHUNK


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"per_chunk": 0}, "Conversations per chunk must be 1 to 20"),
        ({"concurrency": 65}, "Concurrency must be 1 to 64"),
    ],
)
def test_an_out_of_range_setting_raises_a_synth_error(changes: dict[str, int], message: str) -> None:
    with pytest.raises(SynthError, match=message):
        SynthConfig(**changes)
    with pytest.raises(SynthError, match=message):
        SynthConfig().with_changes(**changes)


def test_params_round_trip_through_the_store() -> None:
    config = SynthConfig(
        document_ids=("doc_1",), per_chunk=3, concurrency=2, seed=7, mix=StudentMix.parse("confused=2")
    )
    params = config.to_params()
    assert list(params) == [
        "teacher",
        "document_ids",
        "chunk_ids",
        "per_chunk",
        "concurrency",
        "mix",
        "seed",
        "dedup_threshold",
    ]
    assert SynthConfig.from_params(params).to_params() == params


def test_the_generate_flags_help_is_the_config_description() -> None:
    parser = next(
        action.choices["generate"] for action in build_parser()._actions if getattr(action, "choices", None)
    )
    flags = {option: action.help or "" for action in parser._actions for option in action.option_strings}
    assert flags["--per-chunk"].startswith(SynthConfig.help("per_chunk").rstrip("."))
    assert f"default {DEFAULT_PER_CHUNK}" in flags["--per-chunk"]
    assert flags["--concurrency"].startswith(SynthConfig.help("concurrency").rstrip("."))
    assert flags["--chunks"] == SynthConfig.help("chunk_ids")
