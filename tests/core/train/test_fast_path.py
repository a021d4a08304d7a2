"""unsloth trains a run only after one step with it worked: a fake unsloth that fails (as it does without
a GPU) falls back to plain peft with the reason in the outcome and the run's record; one that works is
used, after a test step that leaves no checkpoint behind."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

from core.models.hardware import describe_hardware
from core.paths import Workspace
from core.review.records import Dataset
from core.store import Store
from core.train.checkpoints import list_checkpoints
from core.train.components import TrainInputs
from core.train.fast_path import SMOKE_DIR
from core.train.launch import FastPath
from core.train.lifecycle import finish_run
from core.train.planning import plan_training
from core.train.records import get_run
from core.train.runs import create_run
from core.train.sft_config import TrainConfig
from core.train.sft_job import trained_sft, training_inputs
from core.train.sft_trainer import train_adapter
from tests.core.train.conftest import RecordingReporter, fast_config

pytestmark = pytest.mark.slow
CANDIDATE = FastPath("unsloth", "unsloth loaded; it trains the run once its one-step test passes.")


def prepare(store: Store, workspace: Workspace, config: TrainConfig) -> TrainInputs:
    plan = plan_training(store, workspace, config)
    assert plan.problem is None, plan.problem
    run = create_run(store, workspace, plan)
    return training_inputs(workspace, store, run, plan.config, describe_hardware(), CANDIDATE)


def fake_unsloth(monkeypatch: pytest.MonkeyPatch, load: Any) -> list[str]:
    """An `unsloth` module whose FastLanguageModel.from_pretrained is `load`; returns the loads made."""
    loads: list[str] = []

    class FastLanguageModel:
        @staticmethod
        def from_pretrained(model_name: str, **kwargs: Any) -> Any:
            loads.append(model_name)
            return load(model_name, **kwargs)

        @staticmethod
        def get_peft_model(model: Any, **kwargs: Any) -> Any:
            from peft import LoraConfig, get_peft_model

            keys = ("r", "lora_alpha", "lora_dropout", "target_modules", "bias")
            return get_peft_model(model, LoraConfig(task_type="CAUSAL_LM", **{k: kwargs[k] for k in keys}))

    module = types.ModuleType("unsloth")
    module.FastLanguageModel = FastLanguageModel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "unsloth", module)
    return loads


def no_gpu(model_name: str, **kwargs: Any) -> Any:
    raise NotImplementedError("Unsloth: No NVIDIA GPU found")


def plain_load(model_name: str, **kwargs: Any) -> Any:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(model_name, dtype=kwargs.get("dtype"))
    return model, AutoTokenizer.from_pretrained(model_name)


def test_unsloth_failing_its_test_step_falls_back_to_peft_with_the_reason(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = fake_unsloth(monkeypatch, no_gpu)
    inputs = prepare(store, tiny_workspace, fast_config(dataset=tutor_dataset.id, max_steps=4, save_steps=2))
    outcome = train_adapter(inputs, RecordingReporter())
    assert len(loads) == 1  # tried once, in the test step, never for the run itself
    assert outcome.status == "finished" and outcome.engine == "peft" and outcome.steps == 4
    assert "one-step test" in outcome.engine_reason and "NotImplementedError" in outcome.engine_reason
    assert "No NVIDIA GPU found" in outcome.engine_reason and "plain peft" in outcome.engine_reason
    finish_run(store, trained_sft(inputs, outcome), 0.0)
    run = get_run(store, inputs.run.id)
    assert run is not None and run.summary["engine"] == "peft"
    assert "NotImplementedError" in run.summary["engine_reason"]
    assert not (inputs.run.path / SMOKE_DIR).exists()


def test_unsloth_passing_its_test_step_trains_the_run(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = fake_unsloth(monkeypatch, plain_load)
    inputs = prepare(store, tiny_workspace, fast_config(dataset=tutor_dataset.id, max_steps=4, save_steps=2))
    outcome = train_adapter(inputs, RecordingReporter())
    assert len(loads) == 2  # a fresh model for the run after the test step's
    assert outcome.status == "finished" and outcome.engine == "unsloth" and outcome.steps == 4
    assert "passed its one-step test" in outcome.engine_reason
    assert [step for step, _ in list_checkpoints(inputs.checkpoints)] == [2, 4]  # none from the test
    assert not (inputs.run.path / SMOKE_DIR).exists()
    assert (Path(inputs.adapter_dir) / "adapter_model.safetensors").exists()


def test_a_nan_loss_is_not_proof(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    def broken_load(model_name: str, **kwargs: Any) -> Any:
        model, tokenizer = plain_load(model_name, **kwargs)
        with torch.no_grad():
            model.get_input_embeddings().weight.fill_(float("nan"))
        return model, tokenizer

    loads = fake_unsloth(monkeypatch, broken_load)
    inputs = prepare(store, tiny_workspace, fast_config(dataset=tutor_dataset.id, max_steps=2, save_steps=2))
    outcome = train_adapter(inputs, RecordingReporter())
    assert len(loads) == 1 and outcome.engine == "peft" and "loss is nan" in outcome.engine_reason
