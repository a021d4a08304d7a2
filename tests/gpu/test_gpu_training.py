"""Training on CUDA (skipped without it): a LoRA run lowers the loss and leaves the base bit-identical;
bf16 trains in bf16; unsloth trains only after its one-step test, or the run falls back to peft and says why.

Run them in the GPU environment: `.venv-gpu/bin/python -m pytest tests/gpu -m gpu`.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.models.hardware import describe_hardware
from core.paths import Workspace
from core.review.records import Dataset
from core.store import Store
from core.train.components import TrainInputs
from core.train.launch import FastPath
from core.train.planning import plan_training
from core.train.runs import create_run
from core.train.sft_config import TrainConfig
from core.train.sft_job import training_inputs
from core.train.sft_trainer import train_adapter
from tests.core.train.conftest import RecordingReporter, fast_config, tutor_conversations, write_dataset


def _cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not _cuda(), reason="needs an NVIDIA GPU (CUDA)")]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tutor_dataset(store: Store, workspace: Workspace) -> Dataset:
    conversations = tutor_conversations(48)
    return write_dataset(store, workspace, {"train": conversations[:40], "validation": conversations[40:]})


def prepare(store: Store, workspace: Workspace, config: TrainConfig) -> TrainInputs:
    hardware = describe_hardware()
    assert hardware.device == "cuda", hardware
    plan = plan_training(store, workspace, config, hardware)
    assert plan.problem is None, plan.problem
    run = create_run(store, workspace, plan)
    return training_inputs(workspace, store, run, plan.config, hardware, FastPath("peft", "the GPU tests"))


def test_cuda_lora_lowers_the_loss_and_leaves_the_base_bit_identical(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    import torch
    from safetensors.torch import load_file

    inputs = prepare(store, tiny_workspace, fast_config(dataset=tutor_dataset.id, precision="fp32"))
    base_file = Path(inputs.resolved.source) / "model.safetensors"
    before = hashlib.sha256(base_file.read_bytes()).hexdigest()
    outcome = train_adapter(inputs, RecordingReporter(), keep_model=True)
    assert outcome.status == "finished" and outcome.device == "cuda" and outcome.engine == "peft"
    assert outcome.first_loss and outcome.final_loss and outcome.final_loss < outcome.first_loss - 0.3
    assert hashlib.sha256(base_file.read_bytes()).hexdigest() == before
    original = load_file(str(base_file))
    trained = {n.replace(".base_layer", ""): p for n, p in outcome.model.get_base_model().named_parameters()}
    assert all(torch.equal(trained[name].detach().cpu(), tensor) for name, tensor in original.items())


def test_bf16_trains_in_bf16_and_lowers_the_loss(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    import torch

    if not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bf16")
    inputs = prepare(store, tiny_workspace, fast_config(dataset=tutor_dataset.id, precision="bf16"))
    outcome = train_adapter(inputs, RecordingReporter(), keep_model=True)
    assert outcome.precision == "bf16" and outcome.status == "finished"
    assert outcome.first_loss and outcome.final_loss and outcome.final_loss < outcome.first_loss - 0.3
    dtypes = {p.dtype for name, p in outcome.model.named_parameters() if "lora_" not in name}
    assert dtypes == {torch.bfloat16}
    assert (inputs.adapter_dir / "adapter_model.safetensors").exists()


def test_unsloth_trains_only_after_its_one_step_test_or_falls_back_with_the_reason(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    # A fresh process: unsloth must be imported before transformers, which this one has loaded already.
    command = [sys.executable, "-m", "tests.gpu.unsloth_run", tutor_dataset.id]
    env = {**os.environ, "STUDIO_HOME": str(tiny_workspace.root), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=900, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == "finished" and result["steps"] == 30
    assert result["final_loss"] < result["first_loss"]
    if result["engine"] == "unsloth":
        assert "passed its one-step test" in result["engine_reason"]
    else:
        # Either unsloth is not in this environment, or it was and failed its test: the reason says which.
        assert "did not load" in result["engine_reason"] or "one-step test" in result["engine_reason"]
    print(f"unsloth on this GPU: {result['engine']} ({result['engine_reason']})")
