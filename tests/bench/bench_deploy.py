"""Preference tuning and deployment: the costs a teacher waits for, measured side by side in one run.

    .venv/bin/python -m tests.bench deploy          # or `make bench`

- Preference dataset build from 600 blind votes (1,800 pairs): target < 2 s, and < 1 s to find that
  nothing changed on a second build.
- DPO against SFT on the offline tiny model, same batch size, steps and sequence lengths, run alternately in
  this process: seconds per optimiser step of each, and their ratio. A DPO step runs two sequences (chosen,
  rejected) and a reference pass (about 1.7x an SFT step measured here); target <= 3x.
- One copy of the base weights: the DPO model's non-LoRA parameters equal the base model's, and the frozen
  reference costs one more adapter, nothing more (target: exact).
- Exports of the tiny adapter: vLLM (files only) target < 1 s; merged target < 10 s (model load included).
- Parity check of 6 test prompts + the probes against the local OpenAI-compatible test server, the studio's
  side generating with tiny (three columns per prompt, one batch): target < 45 s.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

TARGETS = {
    "build_s": 2.0,
    "rebuild_s": 1.0,
    "dpo_over_sft": 3.0,
    "vllm_s": 1.0,
    "merged_s": 10.0,
    "parity_s": 45.0,
}
STEPS = 12


def _setup(root: Path) -> Any:
    from core.models.tiny import TINY_NAME, ensure_tiny_at
    from core.paths import Workspace
    from core.store import Store
    from tests.core.evaluate.helpers import build_test_dataset, register_adapter
    from tests.support.model_fixtures import build_tiny_adapter

    workspace = Workspace(root / "home").ensure()
    workspace.configure_environment()
    model_dir = ensure_tiny_at(workspace.models_dir / TINY_NAME)
    store = Store.open(workspace)
    dataset = build_test_dataset(store, workspace, model_dir)
    adapter_dir = build_tiny_adapter(model_dir, root / "adapter")
    parent = register_adapter(store, workspace, adapter_dir, dataset)
    return workspace, store, dataset, parent


def bench_build(store: Any, workspace: Any) -> dict[str, float]:
    from core.train.pairs_build import build_preference_dataset

    for round_ in range(100):
        _votes(store, round_)
    started = time.perf_counter()
    report = build_preference_dataset(store, workspace, name="bench")
    built = time.perf_counter() - started
    started = time.perf_counter()
    again = build_preference_dataset(store, workspace, name="bench")
    assert again.reused
    return {
        "pairs": report.dataset.manifest["counts"]["total"],
        "build_s": built,
        "rebuild_s": time.perf_counter() - started,
    }


def _votes(store: Any, round_: int) -> None:
    from core.compare.blind import cast_vote, record_comparison
    from core.compare.records import NewComparison, ShownVariant

    for index in range(6):
        message = f"Round {round_}, question {index}: what is {index + 1}/{round_ + 2} + 1/2?"
        comparison = record_comparison(
            store,
            NewComparison(
                message=message,
                prompt=[{"role": "user", "content": message}],
                variants=[ShownVariant(k, k) for k in ("base", "prompted", "adapter:a")],
                shown_order=[0, 1, 2],
                seed=1,
                replies=[
                    "It is 1.",
                    "What do the denominators share?",
                    f"Good start! What is half of {round_ + 2}?",
                ],
                base_model="tiny",
            ),
        )
        cast_vote(store, comparison.id, "browser:bench", ["C", "B", "A"])


def bench_training(store: Any, workspace: Any, parent: str) -> dict[str, float]:
    """Seconds per step of SFT and DPO on the same data sizes, alternating rounds; the best of each counts."""
    from core.models.hardware import describe_hardware
    from core.train.dpo_config import PreferenceConfig
    from core.train.dpo_job import preference_inputs
    from core.train.dpo_runs import create_preference_run, plan_preference_training
    from core.train.dpo_trainer import train_preference_adapter
    from core.train.launch import FastPath
    from core.train.planning import plan_training
    from core.train.runs import create_run
    from core.train.sft_job import training_inputs
    from core.train.sft_trainer import train_adapter
    from tests.core.train.conftest import RecordingReporter, fast_config

    sft_times, dpo_times, params = [], [], {}
    for _round in range(2):
        plan = plan_training(store, workspace, fast_config(max_steps=STEPS, save_steps=1000, logging_steps=1))
        run = create_run(store, workspace, plan)
        inputs = training_inputs(
            workspace, store, run, plan.config, describe_hardware(), FastPath("peft", "bench")
        )
        outcome = train_adapter(inputs, RecordingReporter())
        sft_times.append(outcome.train_seconds / outcome.steps)
        config = PreferenceConfig.from_preset(
            "quick", parent_adapter=parent, dataset="bench@v1", max_steps=STEPS, batch_size=4,
            max_seq_length=256, save_steps=1000, logging_steps=1, learning_rate=5e-3,
        )  # fmt: skip
        preference = plan_preference_training(store, workspace, config)
        dpo_run = create_preference_run(store, workspace, preference)
        dpo = train_preference_adapter(
            preference_inputs(workspace, store, dpo_run, preference.config),
            RecordingReporter(),
            keep_model=True,
        )
        dpo_times.append(dpo.train_seconds / dpo.steps)
        params = _parameter_counts(dpo.model, Path(workspace.models_dir / "tiny"))
    sft, dpo_step = min(sft_times), min(dpo_times)
    return {"sft_step_s": sft, "dpo_step_s": dpo_step, "dpo_over_sft": dpo_step / sft, **params}


def _parameter_counts(model: Any, base_dir: Path) -> dict[str, float]:
    from safetensors.torch import load_file

    base = sum(t.numel() for t in load_file(str(base_dir / "model.safetensors")).values())
    frozen = sum(p.numel() for n, p in model.named_parameters() if "lora_" not in n)
    policy = sum(p.numel() for n, p in model.named_parameters() if ".default." in n)
    reference = sum(p.numel() for n, p in model.named_parameters() if ".ref." in n)
    return {
        "base_params": base,
        "dpo_base_params": frozen,
        "policy_lora": policy,
        "reference_lora": reference,
    }


def bench_exports(store: Any, workspace: Any, parent: str, out: Path) -> dict[str, float]:
    from core.deploy.exports import export_adapter

    timings = {}
    for target in ("vllm", "merged"):
        started = time.perf_counter()
        export_adapter(store, workspace, parent, target, out / target)
        timings[f"{target}_s"] = time.perf_counter() - started
    return timings


def bench_parity(store: Any, workspace: Any, parent: str) -> dict[str, float]:
    from core.deploy.parity import ParityConfig
    from core.deploy.parity_run import check_parity
    from tests.support.openai_server import OpenAITestServer

    server = OpenAITestServer(models=[parent]).start()
    try:
        started = time.perf_counter()
        report = check_parity(
            store, workspace, ParityConfig(adapter_id=parent, server_url=server.base_url, max_prompts=6)
        )
        return {"parity_s": time.perf_counter() - started, "parity_prompts": len(report.rows)}
    finally:
        server.stop()


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    try:
        workspace, store, _dataset, parent = _setup(root)
        figures = bench_build(store, workspace)
        figures |= bench_training(store, workspace, parent)
        figures |= bench_exports(store, workspace, parent, root / "exports")
        figures |= bench_parity(store, workspace, parent)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for name, value in figures.items():
        print(f"{name:>18}: {value:,.3f}" if isinstance(value, float) else f"{name:>18}: {value:,}")
    checks = {name: figures[name] <= limit for name, limit in TARGETS.items()}
    checks["one_base_copy"] = figures["dpo_base_params"] == figures["base_params"]
    checks["reference_is_one_adapter"] = figures["reference_lora"] == figures["policy_lora"]
    for name, ok in checks.items():
        target = f"<= {TARGETS[name]}" if name in TARGETS else "exact"
        print(f"{'ok  ' if ok else 'MISS'} {name} ({target})")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
