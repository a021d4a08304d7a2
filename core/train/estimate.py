"""Before a run starts: how much memory and time it will take, and whether this machine can do it at all.

    shape = ModelShape.from_folder(model_dir)          # from config.json; no weights are read
    estimate = estimate_training(config, shape, hardware, data=DataSize(120, 310.0), memory_gib=22.0)
    estimate.refusal    # None, or a sentence saying why not and what to change

Torch-free and instant, so the Train tab can redo it on every change of a setting. The memory model is
deliberately simple (weights + LoRA training state + activations + logits + runtime overhead) and errs on
the generous side; time comes from earlier runs of the same base on this machine where there are any,
else from the hardware class's throughput and the model's FLOPs per token (4 x matmul + 6 x LoRA params).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.models.hardware import HardwareInfo
from core.train.sft_config import TrainConfig

GIB = 1024**3
# Effective (not peak) training FLOP/s per CPU core, measured on this project's reference machine: a
# 0.5B-shaped model ran LoRA at ~64 tokens/s in fp32 and ~172 in bf16 on 2 cores (see shared/DESIGN.md).
CPU_FLOPS_PER_CORE = {"fp32": 60e9, "bf16": 160e9}
# Dense bf16 peak by GPU family, and the share of it that LoRA on a small model typically reaches.
GPU_PEAK_FLOPS = {"H200": 989e12, "H100": 989e12, "A100": 312e12, "L40": 181e12, "L4": 121e12, "A10": 125e12}
GPU_DEFAULT_PEAK = 65e12
GPU_EFFICIENCY = 0.15
RUNTIME_OVERHEAD_GIB = {"cpu": 1.0, "cuda": 1.2}
# Fixed cost of a step beyond its FLOPs (Python, optimiser, kernel launches): what bounds small models.
STEP_OVERHEAD_S = {"cpu": 0.25, "cuda": 0.05}
MEMORY_HEADROOM = 0.9  # plan for 90% of the memory: the allocator and the OS need the rest
STARTUP_S = 20.0
# Training pays for bf16 sooner than inference: LoRA on a 30M-parameter model took ~1.5x less CPU time per
# step in bf16 than in fp32 on an AVX512-BF16 CPU. Below this the model is a toy and fp32 keeps it exact.
TRAIN_CPU_BF16_MIN_PARAMS = 10_000_000
QLORA_BYTES_PER_PARAM = 0.55  # 4-bit weights plus quantisation constants
LINEAR_NAMES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class ModelShape:
    """The numbers of a decoder-only transformer that size its training cost (from config.json)."""

    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int
    tied_embeddings: bool
    max_positions: int | None

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ModelShape:
        text = config.get("text_config") or config
        hidden, heads = int(text["hidden_size"]), int(text["num_attention_heads"])
        return cls(
            hidden=hidden,
            layers=int(text["num_hidden_layers"]),
            heads=heads,
            kv_heads=int(text.get("num_key_value_heads") or heads),
            head_dim=int(text.get("head_dim") or hidden // heads),
            intermediate=int(text.get("intermediate_size") or 4 * hidden),
            vocab=int(text["vocab_size"]),
            tied_embeddings=bool(config.get("tie_word_embeddings", text.get("tie_word_embeddings", False))),
            max_positions=text.get("max_position_embeddings"),
        )

    @classmethod
    def from_folder(cls, folder: Path) -> ModelShape:
        return cls.from_config(json.loads((folder / "config.json").read_text(encoding="utf-8")))

    def linear_shapes(self) -> dict[str, tuple[int, int]]:
        """(in, out) features of each linear layer of one block, by the usual module names."""
        q, kv, h, i = (
            self.heads * self.head_dim,
            self.kv_heads * self.head_dim,
            self.hidden,
            self.intermediate,
        )
        return {
            "q_proj": (h, q),
            "k_proj": (h, kv),
            "v_proj": (h, kv),
            "o_proj": (q, h),
            "gate_proj": (h, i),
            "up_proj": (h, i),
            "down_proj": (i, h),
        }

    @property
    def block_params(self) -> int:
        return self.layers * sum(a * b for a, b in self.linear_shapes().values())

    @property
    def matmul_params(self) -> int:
        """Parameters multiplied per token: every block's linear layers plus the output head."""
        return self.block_params + self.vocab * self.hidden

    @property
    def total_params(self) -> int:
        embeddings = self.vocab * self.hidden * (1 if self.tied_embeddings else 2)
        return self.block_params + embeddings


def lora_parameters(shape: ModelShape, rank: int, targets: list[str]) -> int:
    """Trainable LoRA parameters: rank x (in + out) for each targeted linear layer of every block."""
    shapes = shape.linear_shapes()
    chosen = list(shapes) if targets == ["all-linear"] else [name for name in targets if name in shapes]
    return shape.layers * sum(rank * (shapes[name][0] + shapes[name][1]) for name in chosen)


@dataclass(frozen=True)
class DataSize:
    """How much there is to learn from: training conversations and their mean length in tokens."""

    conversations: int
    mean_tokens: float
    validation_conversations: int = 0
    longest_tokens: int | None = None  # None: assume conversations can fill max_seq_length


@dataclass(frozen=True)
class TrainEstimate:
    device: str
    precision: str
    params: int
    lora_params: int
    memory_gib: float
    memory_parts: dict[str, float]
    available_gib: float | None
    steps: int
    tokens: int
    tokens_per_second: float
    seconds: float
    speed_source: str
    refusal: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def fits(self) -> bool:
        return self.refusal is None


def resolve_precision(config: TrainConfig, hardware: HardwareInfo, params: int | None = None) -> str:
    """bf16 on GPUs and bf16-capable CPUs (fp32 for tiny models, where it buys nothing), else fp32."""
    if config.precision != "auto":
        return config.precision
    if hardware.device == "cuda" or config.qlora:
        return "bf16"
    big_enough = params is None or params >= TRAIN_CPU_BF16_MIN_PARAMS
    return "bf16" if hardware.cpu_bf16 and big_enough else "fp32"


def use_packing(config: TrainConfig, hardware: HardwareInfo) -> bool:
    """Padding-free packed batches: on request, or by default on a GPU (on a CPU padded batches measured faster)."""
    if config.packing != "auto":
        return config.packing == "on"
    return hardware.device == "cuda"


def count_steps(config: TrainConfig, conversations: int) -> int:
    if config.max_steps:
        return config.max_steps
    per_step = config.batch_size * config.gradient_accumulation
    return max(1, math.ceil(config.epochs * math.ceil(max(conversations, 1) / per_step)))


def memory_parts(
    config: TrainConfig, shape: ModelShape, device: str, precision: str, sequence: int | None = None
) -> dict[str, float]:
    """GiB by purpose, for the worst batch: `sequence` tokens per conversation (default max_seq_length)."""
    width = 4 if precision == "fp32" else 2
    if config.qlora:
        weights = shape.block_params * QLORA_BYTES_PER_PARAM + (shape.total_params - shape.block_params) * 2
    else:
        weights = shape.total_params * width
    lora = lora_parameters(shape, config.lora_rank, config.target_modules) * 16  # fp32 weight, grad, 2x Adam
    tokens = config.batch_size * min(sequence or config.max_seq_length, config.max_seq_length)
    per_layer = (
        shape.hidden * 2 if config.gradient_checkpointing else 12 * shape.hidden + 5 * shape.intermediate
    )
    activations = tokens * shape.layers * per_layer * width
    logits = tokens * shape.vocab * (width + 8)  # the logits, their fp32 copy for the loss, and its gradient
    parts = {
        "model weights": weights,
        "adapter and optimiser": lora,
        "activations": activations,
        "output logits": logits,
    }
    gib = {name: value / GIB for name, value in parts.items()}
    gib["runtime"] = RUNTIME_OVERHEAD_GIB[device]
    return gib


def hardware_flops(hardware: HardwareInfo, precision: str) -> float:
    if hardware.device == "cuda":
        name = hardware.gpus[0].name if hardware.gpus else ""
        peak = next((flops for key, flops in GPU_PEAK_FLOPS.items() if key in name), GPU_DEFAULT_PEAK)
        return peak * GPU_EFFICIENCY * max(1, hardware.gpu_count)
    per_core = CPU_FLOPS_PER_CORE["bf16" if precision == "bf16" and hardware.cpu_bf16 else "fp32"]
    return per_core * max(1, hardware.cpu_cores)


def flops_per_token(shape: ModelShape, lora_params: int) -> float:
    """Training FLOPs per token with LoRA: forward and input-gradient pass of the base, full pass of LoRA."""
    return 4.0 * shape.matmul_params + 6.0 * lora_params


def estimate_training(
    config: TrainConfig,
    shape: ModelShape,
    hardware: HardwareInfo,
    *,
    data: DataSize,
    memory_gib: float | None,
    past_tokens_per_second: list[float] | None = None,
    qlora_available: bool = False,
) -> TrainEstimate:
    """Memory and time for `config` on this hardware, with a refusal when it cannot run here."""
    device = hardware.device
    precision = resolve_precision(config, hardware, shape.total_params)
    lora = lora_parameters(shape, config.lora_rank, config.target_modules)
    parts = memory_parts(config, shape, device, precision, data.longest_tokens)
    need = sum(parts.values())
    steps = count_steps(config, data.conversations)
    mean_tokens = min(data.mean_tokens, config.max_seq_length)
    tokens = int(steps * config.batch_size * config.gradient_accumulation * mean_tokens)
    step_tokens = config.batch_size * config.gradient_accumulation * mean_tokens
    speed, source = _speed(shape, lora, hardware, precision, past_tokens_per_second, step_tokens)
    seconds = STARTUP_S + tokens / speed * 1.1  # +10% for validation passes and checkpoints
    estimate = TrainEstimate(
        device=device,
        precision=precision,
        params=shape.total_params,
        lora_params=lora,
        memory_gib=round(need, 2),
        memory_parts={name: round(value, 3) for name, value in parts.items()},
        available_gib=None if memory_gib is None else round(memory_gib, 1),
        steps=steps,
        tokens=tokens,
        tokens_per_second=round(speed, 1),
        seconds=round(seconds, 1),
        speed_source=source,
    )
    refusal = refusal_reason(config, shape, hardware, estimate, data, qlora_available=qlora_available)
    estimate = TrainEstimate(**{**estimate.__dict__, "refusal": refusal})
    return TrainEstimate(**{**estimate.__dict__, "notes": _notes(config, hardware, estimate)})


def _speed(
    shape: ModelShape,
    lora: int,
    hardware: HardwareInfo,
    precision: str,
    past: list[float] | None,
    step_tokens: float,
) -> tuple[float, str]:
    measured = sorted(value for value in past or [] if value > 0)
    if measured:
        runs = "run" if len(measured) == 1 else "runs"
        return measured[len(measured) // 2], f"measured in {len(measured)} earlier {runs} of this model here"
    compute_s = step_tokens * flops_per_token(shape, lora) / hardware_flops(hardware, precision)
    step_s = compute_s + STEP_OVERHEAD_S[hardware.device]
    return max(step_tokens, 1.0) / step_s, f"typical for {hardware.name}"


def refusal_reason(
    config: TrainConfig,
    shape: ModelShape,
    hardware: HardwareInfo,
    estimate: TrainEstimate,
    data: DataSize,
    *,
    qlora_available: bool,
) -> str | None:
    """Why this run cannot start here (None when it can), with what to change."""
    if data.conversations == 0:
        return (
            "The dataset has no training conversations. Build a dataset version with accepted examples first."
        )
    if config.qlora and hardware.device != "cuda":
        return "QLoRA (4-bit) needs an NVIDIA GPU and this machine has none. Switch QLoRA off to train here."
    if config.qlora and not qlora_available:
        return "QLoRA needs the bitsandbytes package, which is not installed. Install it or switch QLoRA off."
    if estimate.precision == "fp16" and hardware.device != "cuda":
        return "fp16 training needs a GPU. Set precision to auto (bf16 or fp32 on this CPU)."
    if shape.max_positions and config.max_seq_length > shape.max_positions:
        return (
            f"This model reads at most {shape.max_positions} tokens. Set the max sequence length to "
            f"{shape.max_positions} or less."
        )
    available = estimate.available_gib
    if available is not None and estimate.memory_gib > available * MEMORY_HEADROOM:
        return (
            f"This run needs about {estimate.memory_gib:.1f} GB of memory and {_memory_room(hardware, available)}. "
            f"{memory_advice(config, hardware)}"
        )
    return None


def memory_advice(config: TrainConfig, hardware: HardwareInfo) -> str:
    """What to lower when a run does not fit (also used for out-of-memory errors during training)."""
    tips = []
    if config.batch_size > 1:
        tips.append(
            f"lower the batch size (now {config.batch_size}; raise gradient accumulation to keep the pace)"
        )
    if config.max_seq_length > 256:
        tips.append(f"lower the max sequence length (now {config.max_seq_length})")
    if not config.gradient_checkpointing:
        tips.append("turn on gradient checkpointing")
    if hardware.device == "cuda" and not config.qlora:
        tips.append("use QLoRA (4-bit)")
    if not tips:
        return "Choose a smaller base model."
    return "To fit: " + ", ".join(tips[:-1]) + (" or " if len(tips) > 1 else "") + tips[-1] + "."


def _memory_room(hardware: HardwareInfo, available: float) -> str:
    """Where the free memory is, naming a container's limit: in a pod the machine's RAM does not count."""
    if hardware.device == "cuda":
        return f"the GPU has {available:.1f} GB"
    limit = hardware.memory
    if limit is not None and limit.from_cgroup:
        return (
            f"this container has {available:.1f} GB free under its {limit.gib:.1f} GB limit ({limit.source})"
        )
    return f"the machine has {available:.1f} GB"


def _fits_note(hardware: HardwareInfo, estimate: TrainEstimate) -> str | None:
    """Under a container limit, say that the run fits it (people in an 8 GB workbench ask exactly that)."""
    limit = hardware.memory
    if hardware.device == "cuda" or limit is None or not limit.from_cgroup or estimate.available_gib is None:
        return None
    return (
        f"Fits this container's {limit.gib:.1f} GB memory limit ({limit.source}): the run needs about "
        f"{estimate.memory_gib:.1f} GB of the {estimate.available_gib:.1f} GB free."
    )


def _notes(config: TrainConfig, hardware: HardwareInfo, estimate: TrainEstimate) -> list[str]:
    notes = []
    fits = _fits_note(hardware, estimate) if estimate.refusal is None else None
    if fits:
        notes.append(fits)
    if hardware.device == "cpu" and estimate.params > 600_000_000:
        notes.append("Models above ~500M parameters train very slowly on a CPU; a GPU is the better place.")
    if estimate.seconds > 12 * 3600:
        notes.append("This run would take more than 12 hours: consider the quick preset or fewer steps.")
    if config.precision == "bf16" and hardware.device == "cpu" and not hardware.cpu_bf16:
        notes.append("This CPU has no native bf16: expect bf16 to be slower than fp32 here.")
    return notes
