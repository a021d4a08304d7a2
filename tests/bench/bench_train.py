"""Training throughput: the studio's trainer against a plain transformers.Trainer + peft baseline, side by side.

    .venv/bin/python -m tests.bench train                                   # or `make bench`
    .venv-gpu/bin/python -m tests.bench train --gpu                         # only the GPU comparisons
    .venv/bin/python -m tests.bench.bench_train --variant studio --device cpu   # one measurement, as JSON

Same data (tutor conversations of mixed length, loss on the tutor's turns in both), same model shape,
same LoRA (rank 16 on every linear layer), batch size, learning rate and number of steps. The baseline is
what a first script looks like: `Trainer` with default arguments, batches padded to their longest
conversation, the model in fp32 as loaded. The studio side is `train_adapter`, the function its jobs run,
with its defaults for the device. Each side runs in a fresh process; both are measured the same way, as
real (non-padding) tokens per second of optimiser steps, by the studio's own TrainingMonitor.

- CPU: a ~30M-parameter Qwen2-shaped model with random weights (the tiny tokenizer). Target: the studio
  is not slower than the baseline (ratio >= 1.0).
- GPU (runs only where CUDA is present; `--gpu` runs only these): Qwen2.5-0.5B- and 1.5B-shaped models
  with random weights, three sides each: the baseline, the studio with plain peft (fast_path off) and
  the studio with fast_path auto (unsloth once its one-step test passed, else peft with the reason).
  Targets: at least 1.3x the baseline's tokens/s with plain peft (packed padding-free batches, bf16,
  FlashAttention/Liger where they load), at least 2x with unsloth. Each side reports its peak GPU memory
  and the model FLOPs utilisation, counting 4 x N_matmul + 6 x N_lora FLOPs per token against
  989 TFLOP/s (H100/H200 dense bf16). A line `GPU_RESULT {json}` carries every figure for the notes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHAPES: dict[str, dict[str, Any]] = {
    # ~31M parameters: 10 blocks of 3.0M plus a 1M embedding.
    "cpu": {
        "hidden_size": 512,
        "num_hidden_layers": 10,
        "num_attention_heads": 8,
        "num_key_value_heads": 2,
        "intermediate_size": 1536,
        "vocab_size": 2048,
    },
    # Qwen2.5-0.5B: 494M parameters.
    "qwen2.5-0.5b": {
        "hidden_size": 896,
        "num_hidden_layers": 24,
        "num_attention_heads": 14,
        "num_key_value_heads": 2,
        "intermediate_size": 4864,
        "vocab_size": 151936,
    },
    # Qwen2.5-1.5B: 1.54B parameters.
    "qwen2.5-1.5b": {
        "hidden_size": 1536,
        "num_hidden_layers": 28,
        "num_attention_heads": 12,
        "num_key_value_heads": 2,
        "intermediate_size": 8960,
        "vocab_size": 151936,
    },
}
GPU_SHAPES = ("qwen2.5-0.5b", "qwen2.5-1.5b")
SETTINGS = {
    "cpu": {"steps": 8, "batch_size": 8, "max_seq_length": 1024},
    "qwen2.5-0.5b": {"steps": 60, "batch_size": 16, "max_seq_length": 2048},
    "qwen2.5-1.5b": {"steps": 40, "batch_size": 16, "max_seq_length": 2048},
}
LORA_RANK = 16
LEARNING_RATE = 2e-4
PEAK_FLOPS = 989e12
TARGET = {"cpu": 1.0, "peft": 1.3, "unsloth": 2.0}  # studio / baseline tokens/s
CONVERSATIONS = {"cpu": 240, "qwen2.5-0.5b": 4000, "qwen2.5-1.5b": 4000}  # the GPU packs many per row
LOG_EVERY = 2
ROUNDS = 2  # each side runs twice, interleaved, and its best round counts (the machine may be shared)


def build_model(folder: Path, device: str) -> Path:
    """A random-weight Qwen2 model of the shape named `device`, with the studio's tiny tokenizer and template."""
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    from core.models.tiny import ensure_tiny_at

    tiny = ensure_tiny_at(folder.parent / "tiny")
    tokenizer = AutoTokenizer.from_pretrained(str(tiny))
    config = Qwen2Config(
        **SHAPES[device],
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    Qwen2ForCausalLM(config).save_pretrained(str(folder), safe_serialization=True)
    tokenizer.save_pretrained(str(folder))
    return folder


def conversations(device: str) -> list[list[dict[str, str]]]:
    """The demo course's tutoring conversations (mixed lengths), repeated to CONVERSATIONS[device]."""
    demo = ROOT / "assets" / "demo_conversations.jsonl"
    if demo.exists():
        found = [json.loads(line)["messages"] for line in demo.read_text().splitlines() if line.strip()]
    else:
        from tests.core.train.conftest import tutor_conversations

        found = tutor_conversations(60)
    return [found[i % len(found)] for i in range(CONVERSATIONS[device])]


def measure_studio(home: Path, device: str, fast_path: str = "auto") -> dict[str, Any]:
    from core.models.hardware import describe_hardware
    from core.paths import Workspace
    from core.store import Store
    from core.train.launch import try_fast_path
    from core.train.planning import plan_training
    from core.train.runs import create_run
    from core.train.sft_config import TrainConfig
    from core.train.sft_job import training_inputs
    from core.train.sft_trainer import train_adapter
    from tests.core.train.conftest import RecordingReporter, write_dataset

    workspace = Workspace(home / "studio").ensure()
    workspace.configure_environment()
    store = Store.open(workspace)
    write_dataset(store, workspace, {"train": conversations(device)})
    settings = SETTINGS[device]
    config = TrainConfig(
        base=str(build_model(home / "model", device)),
        max_steps=settings["steps"],
        batch_size=settings["batch_size"],
        max_seq_length=settings["max_seq_length"],
        lora_rank=LORA_RANK,
        lora_alpha=2 * LORA_RANK,
        learning_rate=LEARNING_RATE,
        save_steps=10**6,
        logging_steps=4,
        fast_path=fast_path,
    )
    hardware = describe_hardware()
    fast = try_fast_path(config, hardware)
    plan = plan_training(store, workspace, config, hardware)
    inputs = training_inputs(
        workspace, store, create_run(store, workspace, plan), plan.config, hardware, fast
    )
    outcome = train_adapter(inputs, RecordingReporter())
    return {
        "tokens_per_second": outcome.tokens_per_second,
        "final_loss": outcome.final_loss,
        "detail": f"{outcome.engine}, {outcome.precision}, {'packed' if outcome.packing else 'padded'}, "
        f"loss mask: {outcome.masking.strategy}",
        "engine": outcome.engine,
        "engine_reason": outcome.engine_reason,
    }


def measure_baseline(home: Path, device: str, fast_path: str = "auto") -> dict[str, Any]:
    from peft import LoraConfig, get_peft_model
    from transformers import (
        AutoModelForCausalLM,
        AutoTokenizer,
        DataCollatorForSeq2Seq,
        Trainer,
        TrainingArguments,
    )

    from core.train.callbacks import TrainingMonitor, trainer_callback
    from core.train.chat_format import tokenize_conversations
    from tests.core.train.conftest import RecordingReporter

    settings = SETTINGS[device]
    folder = build_model(home / "model", device)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    rows = tokenize_conversations(
        tokenizer, conversations(device), tokenizer.chat_template, settings["max_seq_length"]
    )
    rows = [{**row, "attention_mask": [1] * len(row["input_ids"])} for row in rows]
    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(str(folder)),
        LoraConfig(r=LORA_RANK, lora_alpha=2 * LORA_RANK, target_modules="all-linear", task_type="CAUSAL_LM"),
    )
    monitor = TrainingMonitor(RecordingReporter(), settings["steps"], home / "baseline-checkpoints")
    args = TrainingArguments(
        output_dir=str(home / "baseline"),
        max_steps=settings["steps"],
        per_device_train_batch_size=settings["batch_size"],
        learning_rate=LEARNING_RATE,
        logging_steps=LOG_EVERY,  # measurement only: the same intervals as the studio side
        logging_first_step=True,
        save_strategy="no",
        report_to=[],
        disable_tqdm=True,
        include_num_input_tokens_seen="non_padding",  # measurement only: counts the same tokens as the studio
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=rows,
        data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True),
        callbacks=[trainer_callback(monitor)],
    )
    trainer.train()
    return {
        "tokens_per_second": monitor.tokens_per_second,
        "final_loss": monitor.last_loss,
        "detail": f"transformers.Trainer defaults, {str(model.dtype).replace('torch.', '')}, padded",
    }


def steady_rate(records: list[dict[str, Any]]) -> float:
    """Tokens/s over every logging interval but the first (which pays for warm-up), from the monitor's records."""
    logged = [r for r in records if r.get("tokens_per_second")]
    if len(logged) < 2:
        return float(logged[0]["tokens_per_second"]) if logged else 0.0
    tokens = [later["tokens_seen"] - earlier["tokens_seen"] for earlier, later in pairwise(logged)]
    seconds = sum(count / later["tokens_per_second"] for count, later in zip(tokens, logged[1:], strict=True))
    return sum(tokens) / seconds


def run_variant(variant: str, device: str, fast_path: str = "auto") -> dict[str, Any]:
    """One measurement in a fresh process (unsloth must be imported first, and memory starts clean)."""
    command = [sys.executable, "-m", "tests.bench.bench_train", "--variant", variant, "--device", device]
    command += ["--fast-path", fast_path]
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{variant} on {device} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(lines[-1]))


def mfu(tokens_per_second: float, device: str = "qwen2.5-0.5b") -> float:
    """Model FLOPs utilisation of a GPU shape: (4 x N_matmul + 6 x N_lora) per token over 989 TFLOP/s."""
    from core.train.estimate import ModelShape, flops_per_token, lora_parameters

    shape = ModelShape.from_config({**SHAPES[device], "tie_word_embeddings": True})
    return (
        tokens_per_second
        * flops_per_token(shape, lora_parameters(shape, LORA_RANK, ["all-linear"]))
        / PEAK_FLOPS
    )


def compare(device: str) -> bool:
    """The CPU comparison: baseline against the studio, best of ROUNDS interleaved rounds each."""
    rounds = [(run_variant("baseline", device), run_variant("studio", device)) for _ in range(ROUNDS)]
    baseline = max((b for b, _ in rounds), key=lambda r: r["tokens_per_second"])
    studio = max((s for _, s in rounds), key=lambda r: r["tokens_per_second"])
    ratio = studio["tokens_per_second"] / baseline["tokens_per_second"]
    print(f"{device.upper()} ({SETTINGS[device]['steps']} steps, batch {SETTINGS[device]['batch_size']}):")
    for name, result in (("baseline", baseline), ("studio", studio)):
        print(
            f"  {name:<9}{result['tokens_per_second']:>10,.0f} tokens/s  (loss {result['final_loss']:.3f}; "
            f"{result['detail']})"
        )
    holds = ratio >= TARGET[device]
    print(
        f"  studio / baseline = {ratio:.2f}x (target >= {TARGET[device]:.1f}x): {'holds' if holds else 'MISSED'}"
    )
    return holds


def compare_gpu(device: str) -> tuple[bool, dict[str, Any]]:
    """One GPU shape: the baseline, the studio with plain peft and the studio with fast_path auto, once each
    (the GPU is not shared), with tokens/s, ratio, peak GPU memory and MFU for each side."""
    sides = {
        "baseline": run_variant("baseline", device),
        "studio-peft": run_variant("studio", device, fast_path="off"),
        "studio-auto": run_variant("studio", device, fast_path="auto"),
    }
    base_rate = sides["baseline"]["tokens_per_second"]
    settings = SETTINGS[device]
    print(
        f"{device} ({settings['steps']} steps, batch {settings['batch_size']}, {settings['max_seq_length']} tokens):"
    )
    holds = True
    for name, result in sides.items():
        rate = result["tokens_per_second"]
        result["ratio"] = round(rate / base_rate, 3)
        result["mfu"] = round(mfu(rate, device), 4)
        print(
            f"  {name:<12}{rate:>10,.0f} tokens/s  {result['ratio']:.2f}x  peak {result['peak_gpu_gib']:.1f} GiB  "
            f"MFU {result['mfu']:.1%}  (loss {result['final_loss']:.3f}; {result['detail']})"
        )
        if name == "baseline":
            continue
        engine = result.get("engine", "peft")
        if name == "studio-auto" and engine != "unsloth":
            print(f"    unsloth not used: {result.get('engine_reason')}")
            continue
        target = TARGET[engine]
        ok = result["ratio"] >= target
        holds = holds and ok
        print(
            f"    {engine}: {result['ratio']:.2f}x (target >= {target:.1f}x): {'holds' if ok else 'MISSED'}"
        )
    return holds, {"shape": device, **settings, "sides": sides}


def cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def main() -> int:
    gpu_only = "--gpu" in sys.argv[1:]
    results = [] if gpu_only else [compare("cpu")]
    if not cuda_available():
        print(
            "GPU: skipped (no CUDA device here); where one is, it compares the Qwen2.5-0.5B and 1.5B shapes "
            "(tokens/s, ratio, peak GPU memory, MFU)."
        )
        return 0 if all(results) else 1
    figures = []
    for device in GPU_SHAPES:
        holds, summary = compare_gpu(device)
        results.append(holds)
        figures.append(summary)
    import torch

    print("GPU_RESULT " + json.dumps({"gpu": torch.cuda.get_device_name(0), "shapes": figures}))
    return 0 if all(results) else 1


def _one(variant: str, device: str, fast_path: str) -> None:
    home = Path(tempfile.mkdtemp(prefix=f"bench-train-{variant}-"))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    gpu = device != "cpu"
    try:
        measure = measure_studio if variant == "studio" else measure_baseline
        result = measure(home, device, fast_path)
        if gpu:
            import torch

            result["peak_gpu_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
        print(json.dumps(result))
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="One side of the training benchmark.")
    parser.add_argument("--variant", choices=["studio", "baseline"], required=True)
    parser.add_argument("--device", choices=[*SHAPES, "cuda"], default="cpu", help="cpu or a GPU shape")
    parser.add_argument("--fast-path", choices=["auto", "off"], default="auto")
    cli = parser.parse_args()
    _one(cli.variant, "qwen2.5-0.5b" if cli.device == "cuda" else cli.device, cli.fast_path)
