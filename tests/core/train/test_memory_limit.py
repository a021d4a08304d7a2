"""In an 8 GB pod the training estimate, the presets and the refusal use the cgroup's limit, not the RAM."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from core.models import memory
from core.models.hardware import HardwareInfo
from core.models.memory import GIB, read_memory_limit
from core.train.estimate import DataSize, ModelShape, estimate_training
from core.train.planning import available_memory_gib
from core.train.sft_config import TrainConfig

SMOLLM2_135M = {
    "hidden_size": 576,
    "num_hidden_layers": 30,
    "num_attention_heads": 9,
    "num_key_value_heads": 3,
    "intermediate_size": 1536,
    "vocab_size": 49152,
    "tie_word_embeddings": True,
    "max_position_embeddings": 8192,
}
QWEN_05B = {
    "hidden_size": 896,
    "num_hidden_layers": 24,
    "num_attention_heads": 14,
    "num_key_value_heads": 2,
    "intermediate_size": 4864,
    "vocab_size": 151936,
    "tie_word_embeddings": True,
    "max_position_embeddings": 32768,
}
DEMO_DATA = DataSize(conversations=110, mean_tokens=300.0, validation_conversations=10)


@pytest.fixture
def pod_8gb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HardwareInfo:
    """A 2-core CPU pod limited to 8 GiB (cgroup v2) on a host with 256 GiB of RAM, the studio using 0.5 GiB."""
    (tmp_path / "memory.max").write_text(str(8 * GIB))
    (tmp_path / "memory.current").write_text(str(GIB // 2))
    (tmp_path / "self").write_text("0::/\n")
    host = SimpleNamespace(total=256 * GIB, available=250 * GIB)
    monkeypatch.setattr(memory.psutil, "virtual_memory", lambda: host)
    limit = read_memory_limit(tmp_path, tmp_path / "self")
    return HardwareInfo("cpu", "CPU (2 cores)", 0, 2, False, memory=limit)


def test_planning_reads_the_free_memory_under_the_pod_limit(pod_8gb: HardwareInfo) -> None:
    assert available_memory_gib(pod_8gb) == pytest.approx(7.5)


def test_default_preset_on_the_135m_model_fits_an_8gb_pod_and_says_so(pod_8gb: HardwareInfo) -> None:
    estimate = estimate_training(
        TrainConfig.from_preset(),
        ModelShape.from_config(SMOLLM2_135M),
        pod_8gb,
        data=DEMO_DATA,
        memory_gib=available_memory_gib(pod_8gb),
    )
    assert estimate.fits, estimate.refusal
    assert any(
        "Fits this container's 8.0 GB memory limit (cgroup v2 memory.max)" in n for n in estimate.notes
    )


def test_half_billion_model_on_cpu_in_an_8gb_pod_is_refused_naming_the_limit(pod_8gb: HardwareInfo) -> None:
    estimate = estimate_training(
        TrainConfig.from_preset(),
        ModelShape.from_config(QWEN_05B),
        pod_8gb,
        data=DEMO_DATA,
        memory_gib=available_memory_gib(pod_8gb),
    )
    assert not estimate.fits
    assert "7.5 GB free under its 8.0 GB limit (cgroup v2 memory.max)" in (estimate.refusal or "")
    assert "gradient checkpointing" in (estimate.refusal or "")  # and what to change


def test_same_half_billion_run_fits_the_host_without_a_limit() -> None:
    unlimited = HardwareInfo("cpu", "CPU (2 cores)", 0, 2, False)
    estimate = estimate_training(
        TrainConfig.from_preset(),
        ModelShape.from_config(QWEN_05B),
        unlimited,
        data=DEMO_DATA,
        memory_gib=250.0,
    )
    assert estimate.fits
    assert not any("container" in note for note in estimate.notes)
