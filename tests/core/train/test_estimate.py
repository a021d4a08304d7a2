"""Before a run: memory and time estimates, and refusals that say what to change."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.models.hardware import GpuInfo, HardwareInfo
from core.train.estimate import (
    DataSize,
    ModelShape,
    estimate_training,
    flops_per_token,
    lora_parameters,
    resolve_precision,
)
from core.train.sft_config import TrainConfig

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
CPU = HardwareInfo("cpu", "CPU (2 cores)", 0, 2, False)
CPU_BF16 = HardwareInfo("cpu", "CPU (2 cores, bf16)", 0, 2, True)
H100 = HardwareInfo(
    "cuda", "NVIDIA H100 80GB HBM3 x1", 1, 16, False, (GpuInfo("NVIDIA H100 80GB HBM3", 79.6),)
)
DATA = DataSize(conversations=200, mean_tokens=400.0, validation_conversations=20, longest_tokens=900)


def test_shape_counts_match_the_published_qwen_size() -> None:
    shape = ModelShape.from_config(QWEN_05B)
    assert 490e6 < shape.total_params < 500e6  # Qwen2.5-0.5B has 494M parameters
    # LoRA r=16 on every linear layer of Qwen2.5-0.5B is 8.8M trainable parameters (peft's own count).
    assert lora_parameters(shape, 16, ["all-linear"]) == 8_798_208


def test_lora_count_matches_peft_on_the_tiny_model(tiny_model_dir: Path) -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir))
    peft_model = get_peft_model(model, LoraConfig(r=4, target_modules=["q_proj", "down_proj"]))
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    assert lora_parameters(ModelShape.from_folder(tiny_model_dir), 4, ["q_proj", "down_proj"]) == trainable


def test_memory_grows_with_batch_and_sequence_and_shrinks_with_checkpointing() -> None:
    shape = ModelShape.from_config(QWEN_05B)
    wide = DataSize(200, 400.0, 20, None)

    def need(**settings: object) -> float:
        return estimate_training(TrainConfig(**settings), shape, H100, data=wide, memory_gib=80).memory_gib  # type: ignore[arg-type]

    assert need(batch_size=8) > need(batch_size=4)
    assert need(max_seq_length=2048) > need(max_seq_length=512)
    assert need(gradient_checkpointing=True) < need()


def test_qlora_on_a_cpu_is_refused_with_the_fix() -> None:
    estimate = estimate_training(
        TrainConfig(qlora=True), ModelShape.from_config(QWEN_05B), CPU, data=DATA, memory_gib=16
    )
    assert not estimate.fits
    assert "needs an NVIDIA GPU" in str(estimate.refusal) and "Switch QLoRA off" in str(estimate.refusal)


def test_too_little_memory_is_refused_with_what_to_lower() -> None:
    estimate = estimate_training(
        TrainConfig(batch_size=8, max_seq_length=2048),
        ModelShape.from_config(QWEN_05B),
        CPU,
        data=DATA,
        memory_gib=4,
    )
    assert not estimate.fits
    refusal = str(estimate.refusal)
    assert "needs about" in refusal and "4.0 GB" in refusal
    assert "lower the batch size" in refusal and "gradient checkpointing" in refusal


def test_gpu_advice_offers_qlora() -> None:
    estimate = estimate_training(
        TrainConfig(batch_size=64, max_seq_length=8192),
        ModelShape.from_config(QWEN_05B),
        H100,
        data=DataSize(200, 4000.0),
        memory_gib=8,
    )
    assert "QLoRA" in str(estimate.refusal)


def test_sequence_longer_than_the_model_reads_is_refused() -> None:
    config = {**QWEN_05B, "max_position_embeddings": 512}
    estimate = estimate_training(
        TrainConfig(max_seq_length=1024), ModelShape.from_config(config), CPU, data=DATA, memory_gib=16
    )
    assert "at most 512 tokens" in str(estimate.refusal)


def test_empty_dataset_is_refused() -> None:
    estimate = estimate_training(
        TrainConfig(), ModelShape.from_config(QWEN_05B), CPU, data=DataSize(0, 0.0), memory_gib=16
    )
    assert "no training conversations" in str(estimate.refusal)


def test_time_uses_earlier_runs_when_there_are_some() -> None:
    shape = ModelShape.from_config(QWEN_05B)
    typical = estimate_training(TrainConfig(), shape, CPU, data=DATA, memory_gib=16)
    measured = estimate_training(
        TrainConfig(), shape, CPU, data=DATA, memory_gib=16, past_tokens_per_second=[50.0, 70.0, 60.0]
    )
    assert measured.tokens_per_second == 60.0 and "3 earlier runs" in measured.speed_source
    assert typical.speed_source.startswith("typical for")
    assert measured.seconds != typical.seconds


def test_steps_follow_epochs_or_max_steps() -> None:
    shape = ModelShape.from_config(QWEN_05B)
    by_epochs = estimate_training(TrainConfig(epochs=2, batch_size=4), shape, CPU, data=DATA, memory_gib=16)
    assert by_epochs.steps == 100  # 200 conversations / 4 per step x 2 epochs
    assert estimate_training(TrainConfig(max_steps=7), shape, CPU, data=DATA, memory_gib=16).steps == 7


@pytest.mark.parametrize(
    ("hardware", "params", "expected"),
    [(H100, 5e8, "bf16"), (CPU_BF16, 5e8, "bf16"), (CPU, 5e8, "fp32"), (CPU_BF16, 1e6, "fp32")],
)
def test_precision_is_bf16_where_the_hardware_supports_it(
    hardware: HardwareInfo, params: float, expected: str
) -> None:
    assert resolve_precision(TrainConfig(), hardware, int(params)) == expected


def test_bf16_cpu_speed_beats_fp32() -> None:
    shape = ModelShape.from_config(QWEN_05B)
    fp32 = estimate_training(TrainConfig(), shape, CPU, data=DATA, memory_gib=16)
    bf16 = estimate_training(TrainConfig(), shape, CPU_BF16, data=DATA, memory_gib=16)
    assert bf16.tokens_per_second > 2 * fp32.tokens_per_second


def test_flops_per_token_counts_lora_six_times() -> None:
    shape = ModelShape.from_config(QWEN_05B)
    assert flops_per_token(shape, 0) == 4 * shape.matmul_params
    assert flops_per_token(shape, 1000) - flops_per_token(shape, 0) == 6000
