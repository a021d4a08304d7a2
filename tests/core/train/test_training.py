"""Training on the tiny model, in this process: the loss falls, only adapter weights change, the expected
files are written, the adapter reloads and generates; stop/resume, the marker-less template path, OOM."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from core.models.hardware import describe_hardware
from core.paths import Workspace
from core.review.records import Dataset
from core.store import Store
from core.train.checkpoints import MARKER, latest_complete
from core.train.components import TrainInputs
from core.train.launch import FastPath
from core.train.lifecycle import finish_run
from core.train.planning import plan_training
from core.train.records import get_adapter, get_run
from core.train.runs import create_run
from core.train.sft_config import TrainConfig, TrainingError
from core.train.sft_job import trained_sft, training_inputs
from core.train.sft_trainer import train_adapter
from tests.core.train.conftest import RecordingReporter, fast_config
from tests.core.train.test_chat_format import NO_MARKERS

pytestmark = pytest.mark.slow


def prepare(store: Store, workspace: Workspace, config: TrainConfig) -> TrainInputs:
    plan = plan_training(store, workspace, config)
    assert plan.problem is None, plan.problem
    run = create_run(store, workspace, plan)
    return training_inputs(workspace, store, run, plan.config, describe_hardware(), FastPath("peft", "tests"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_short_run_lowers_the_loss_and_changes_only_adapter_weights(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch
    from safetensors.torch import load_file
    from transformers import Trainer

    evaluations: list[int] = []
    evaluate = Trainer.evaluate

    def counted(self: Any, *args: Any, **kwargs: Any) -> dict[str, float]:
        evaluations.append(self.state.global_step)
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "evaluate", counted)
    inputs = prepare(store, tiny_workspace, fast_config(dataset=tutor_dataset.id))
    base_file = Path(inputs.resolved.source) / "model.safetensors"
    before = sha256(base_file)
    reporter = RecordingReporter()
    outcome = train_adapter(inputs, reporter, keep_model=True)

    assert outcome.status == "finished" and outcome.steps == 30 and outcome.masking.strategy == "template"
    assert outcome.first_loss and outcome.final_loss and outcome.final_loss < outcome.first_loss - 0.3
    assert outcome.eval_loss is not None and outcome.tokens_per_second and outcome.tokens_per_second > 0
    assert outcome.trainable_names and all("lora_" in name for name in outcome.trainable_names)
    original = load_file(str(base_file))
    trained = {n.replace(".base_layer", ""): p for n, p in outcome.model.get_base_model().named_parameters()}
    assert all(torch.equal(trained[name], tensor) for name, tensor in original.items())
    assert sha256(base_file) == before
    losses = [r["loss"] for r in reporter.records if "loss" in r]
    assert len(losses) == 16 and any("eval_loss" in r for r in reporter.records)  # step 1, then every 2
    # The last step's evaluation is the final validation loss: no second pass over the same weights.
    validated = [r for r in reporter.records if "eval_loss" in r]
    assert validated[-1]["step"] == 30 and outcome.eval_loss == validated[-1]["eval_loss"]
    assert evaluations.count(30) == 1 and len(evaluations) == len(validated)


def test_finished_run_writes_adapter_card_and_row_and_the_adapter_generates(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    inputs = prepare(store, tiny_workspace, fast_config(dataset=tutor_dataset.id, max_steps=12, save_steps=5))
    outcome = train_adapter(inputs, RecordingReporter())
    result = finish_run(store, trained_sft(inputs, outcome), started=0.0)

    run_dir = inputs.run.path
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "adapter",
        "card.json",
        "checkpoints",
        "model_card.md",
        "run.yaml",
    ]
    assert {"adapter_model.safetensors", "adapter_config.json", "README.md"} <= {
        p.name for p in (run_dir / "adapter").iterdir()
    }
    checkpoints = sorted(p for p in (run_dir / "checkpoints").iterdir() if p.is_dir())
    assert [p.name for p in checkpoints] == ["checkpoint-10", "checkpoint-12"]
    assert all((p / MARKER).exists() for p in checkpoints)
    weights = load_file(str(run_dir / "adapter" / "adapter_model.safetensors"))
    assert weights and all("lora_A" in k or "lora_B" in k for k in weights)
    assert any(float(t.abs().sum()) > 0 for k, t in weights.items() if "lora_B" in k)

    assert result["adapter_id"] == "tiny@local+tutor@v1+lora@v1"
    adapter = get_adapter(store, result["adapter_id"])
    assert adapter is not None and adapter.path == str(run_dir / "adapter") and adapter.size_bytes > 0
    assert adapter.metrics["steps"] == 12 and adapter.card_path == str(run_dir / "model_card.md")
    run = get_run(store, inputs.run.id)
    assert run is not None and run.status == "succeeded" and run.adapter_id == adapter.id
    card = json.loads((run_dir / "card.json").read_text())
    assert card["dataset"]["manifest_hash"] == tutor_dataset.manifest_hash
    assert (
        card["chat_template"]["text"] == AutoTokenizer.from_pretrained(inputs.resolved.source).chat_template
    )
    assert card["hyperparameters"]["lora_rank"] == 8 and card["training"]["steps"] == 12

    tokenizer = AutoTokenizer.from_pretrained(inputs.resolved.source)
    base = AutoModelForCausalLM.from_pretrained(inputs.resolved.source)
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is 2 + 3?"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    plain = base.generate(**prompt, max_new_tokens=8, do_sample=False)
    tuned = PeftModel.from_pretrained(base, adapter.path).generate(
        **prompt, max_new_tokens=8, do_sample=False
    )
    assert tuned.shape[1] > prompt["input_ids"].shape[1] and not plain.equal(tuned)


def test_stop_saves_a_checkpoint_and_a_resume_reaches_the_target(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    inputs = prepare(
        store, tiny_workspace, fast_config(dataset=tutor_dataset.id, max_steps=20, save_steps=50)
    )
    first = train_adapter(inputs, RecordingReporter(stop_at_step=7, mode="stop"))
    assert first.status == "stopped" and first.steps == 7 and first.adapter_dir is None
    checkpoint = latest_complete(inputs.checkpoints)
    assert checkpoint is not None and checkpoint.name == "checkpoint-7"

    reporter = RecordingReporter()
    second = train_adapter(inputs, reporter)
    assert second.status == "finished" and second.resumed_from == 7 and second.steps == 20
    assert reporter.records[0] == {"event": "start", "step": 7}
    assert min(r["step"] for r in reporter.records if "loss" in r) > 7


def test_cancel_ends_without_a_new_checkpoint_or_adapter(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    inputs = prepare(
        store, tiny_workspace, fast_config(dataset=tutor_dataset.id, max_steps=20, save_steps=50)
    )
    outcome = train_adapter(inputs, RecordingReporter(stop_at_step=4, mode="cancel"))
    assert outcome.status == "cancelled" and outcome.steps == 4
    assert latest_complete(inputs.checkpoints) is None and not inputs.adapter_dir.exists()


def test_a_template_without_markers_trains_on_the_tutor_turns(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset, tmp_path: Path
) -> None:
    local = tmp_path / "plain-template-model"
    shutil.copytree(tiny_workspace.models_dir / "tiny", local)
    (local / "chat_template.jinja").write_text(NO_MARKERS)
    inputs = prepare(
        store, tiny_workspace, fast_config(base=str(local), dataset=tutor_dataset.id, max_steps=16)
    )
    outcome = train_adapter(inputs, RecordingReporter())
    assert outcome.masking.strategy == "studio-spans" and outcome.masking.template == NO_MARKERS
    assert outcome.status == "finished" and outcome.final_loss and outcome.first_loss
    assert outcome.final_loss < outcome.first_loss - 0.2


def test_packed_batches_train_too(tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset) -> None:
    inputs = prepare(store, tiny_workspace, fast_config(dataset=tutor_dataset.id, max_steps=8, packing="on"))
    outcome = train_adapter(inputs, RecordingReporter())
    assert outcome.status == "finished" and outcome.packing and outcome.final_loss is not None


def test_out_of_memory_ends_with_what_to_lower(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch
    from trl import SFTTrainer

    def exhausted(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(SFTTrainer, "train", exhausted)
    inputs = prepare(
        store, tiny_workspace, fast_config(dataset=tutor_dataset.id, batch_size=8, max_seq_length=512)
    )
    with pytest.raises(TrainingError, match="ran out of memory") as error:
        train_adapter(inputs, RecordingReporter())
    assert "lower the batch size (now 8" in str(error.value) and "max sequence length (now 512)" in str(
        error.value
    )
