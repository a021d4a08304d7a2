"""Preference tuning (DPO, ORPO) on the tiny model, in this process: the chosen-over-rejected margin rises,
only the policy adapter's weights change, the adapter is recorded with a card that links its parents, and
Compare and Evaluate take it like any adapter. Stop and resume use the SFT run machinery."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from core.compare.variants import variant_options
from core.evaluate.overview import evaluation_overview
from core.models.spec import ModelSpec, ResolvedBase, Variant
from core.paths import Workspace
from core.review.records import Dataset
from core.store import Store
from core.train.checkpoints import latest_complete
from core.train.dpo_config import PreferenceConfig
from core.train.dpo_job import preference_inputs, trained_preference
from core.train.dpo_runs import create_preference_run, plan_preference_training
from core.train.dpo_trainer import train_preference_adapter
from core.train.lifecycle import finish_run
from core.train.pairs_build import build_preference_dataset
from core.train.pairs_data import read_pairs
from core.train.records import get_adapter, get_run
from tests.core.evaluate.helpers import build_test_dataset, register_adapter
from tests.core.train.conftest import RecordingReporter
from tests.core.train.preference_seed import seed_all

pytestmark = pytest.mark.slow


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def lineage(
    tiny_workspace: Workspace, store: Store, tiny_model_dir: Path, tiny_adapter_dir: Path
) -> dict[str, Any]:
    """An SFT adapter (with its dataset and card) and a preference dataset from every source."""
    sft_dataset = build_test_dataset(store, tiny_workspace, tiny_model_dir)
    parent = register_adapter(store, tiny_workspace, tiny_adapter_dir, sft_dataset)
    seed_all(store)
    prefs = build_preference_dataset(store, tiny_workspace).dataset
    return {"sft_dataset": sft_dataset, "parent": parent, "prefs": prefs}


def dpo_config(lineage: dict[str, Any], **overrides: Any) -> PreferenceConfig:
    values: dict[str, Any] = {
        "parent_adapter": lineage["parent"],
        "dataset": lineage["prefs"].id,
        "max_steps": 16,
        "batch_size": 4,
        "learning_rate": 5e-3,
        "lr_scheduler": "constant",
        "warmup_ratio": 0.0,
        "logging_steps": 2,
        "save_steps": 8,
        "max_seq_length": 256,
        "beta": 0.1,
    }
    return PreferenceConfig.from_preset("quick", **(values | overrides))


def prepare(store: Store, workspace: Workspace, config: PreferenceConfig) -> Any:
    plan = plan_preference_training(store, workspace, config)
    assert plan.problem is None, plan.problem
    run = create_preference_run(store, workspace, plan)
    return preference_inputs(workspace, store, run, plan.config)


def mean_margin(workspace: Workspace, adapter_path: str, pairs: list[dict[str, Any]]) -> float:
    """Mean of log p(chosen) - log p(rejected) under base + adapter (the preference the adapter holds)."""
    from core.inference.transformers_backend import TransformersBackend

    backend = TransformersBackend(
        workspace,
        ResolvedBase("tiny", "tiny", str(workspace.models_dir / "tiny"), "tiny"),
        device="cpu",
        dtype="fp32",
    )
    variant = Variant("a", ModelSpec(adapter=adapter_path))
    margins = [
        backend.score_tokens(variant, [*p["prompt"], *p["chosen"]]).total
        - backend.score_tokens(variant, [*p["prompt"], *p["rejected"]]).total
        for p in pairs
    ]
    return sum(margins) / len(margins)


def test_dpo_raises_the_margin_and_changes_only_the_policy_adapter(
    tiny_workspace: Workspace, store: Store, lineage: dict[str, Any]
) -> None:
    import torch
    from safetensors.torch import load_file

    inputs = prepare(store, tiny_workspace, dpo_config(lineage))
    parent = get_adapter(store, lineage["parent"])
    assert parent is not None
    parent_file = Path(parent.path) / "adapter_model.safetensors"
    base_file = Path(inputs.train.resolved.source) / "model.safetensors"
    before = {"parent": sha256(parent_file), "base": sha256(base_file)}
    reporter = RecordingReporter()
    outcome = train_preference_adapter(inputs, reporter, keep_model=True)

    assert outcome.status == "finished" and outcome.steps == 16
    assert outcome.trainable_names and all(
        ".lora_" in n and ".default." in n for n in outcome.trainable_names
    )
    assert {"parent": sha256(parent_file), "base": sha256(base_file)} == before
    base = load_file(str(base_file))
    trained = {n.replace(".base_layer", ""): p for n, p in outcome.model.get_base_model().named_parameters()}
    assert all(torch.equal(trained[name], tensor) for name, tensor in base.items())
    saved = outcome.adapter_dir
    assert saved is not None and not (saved / "ref").exists()  # the frozen reference copy is not shipped
    assert set(load_file(str(saved / "adapter_model.safetensors"))) == set(load_file(str(parent_file)))

    pairs = read_pairs(lineage["prefs"], "train")
    assert (
        mean_margin(tiny_workspace, str(saved), pairs) > mean_margin(tiny_workspace, parent.path, pairs) + 1.0
    )
    margins = [r["reward_margin"] for r in reporter.records if "reward_margin" in r]
    assert len(margins) >= 8 and margins[-1] > margins[0]
    assert outcome.held_out and "reward_margin" in outcome.held_out  # measured on the test pairs


def test_the_finished_run_records_an_adapter_whose_card_links_both_datasets(
    tiny_workspace: Workspace, store: Store, lineage: dict[str, Any]
) -> None:
    inputs = prepare(store, tiny_workspace, dpo_config(lineage, max_steps=6))
    outcome = train_preference_adapter(inputs, RecordingReporter())
    result = finish_run(store, trained_preference(store, inputs, outcome), started=0.0)

    sft: Dataset = lineage["sft_dataset"]
    assert result["adapter_id"] == f"tiny@local+{sft.id}+preferences@v1+dpo@v1"
    adapter = get_adapter(store, result["adapter_id"])
    assert adapter is not None and adapter.method == "dpo" and adapter.dataset_id == sft.id
    run = get_run(store, inputs.train.run.id)
    assert run is not None and run.method == "dpo" and run.parent_adapter_id == lineage["parent"]
    assert run.dataset_id == "preferences@v1" and run.status == "succeeded"
    card = json.loads((run.path / "card.json").read_text())
    assert card["parent"]["adapter_id"] == lineage["parent"] and card["parent"]["sft_dataset"] == sft.id
    assert card["dataset"]["id"] == "preferences@v1" and card["method"] == "dpo"
    markdown = (run.path / "model_card.md").read_text()
    assert (
        f"`{lineage['parent']}`" in markdown and "`preferences@v1`" in markdown and f"`{sft.id}`" in markdown
    )
    assert "frozen copy of the SFT adapter" in markdown and "Preference pairs:" in markdown

    assert any(o.key == f"adapter:{adapter.id}" for o in variant_options(store))
    assert evaluation_overview(store).default_dataset(adapter.id) == sft.id


def test_stop_saves_a_checkpoint_and_resume_finishes_with_the_same_reference(
    tiny_workspace: Workspace, store: Store, lineage: dict[str, Any]
) -> None:
    import torch
    from peft import get_peft_model_state_dict
    from safetensors.torch import load_file

    inputs = prepare(store, tiny_workspace, dpo_config(lineage, max_steps=12, save_steps=50))
    first = train_preference_adapter(inputs, RecordingReporter(stop_at_step=5, mode="stop"))
    assert first.status == "stopped" and first.adapter_dir is None
    checkpoint = latest_complete(inputs.train.checkpoints)
    assert checkpoint is not None and checkpoint.name == "checkpoint-5"
    reporter = RecordingReporter()
    second = train_preference_adapter(inputs, reporter, keep_model=True)
    assert second.status == "finished" and second.resumed_from == 5 and second.steps == 12
    assert reporter.records[0] == {"event": "start", "step": 5}
    reference = get_peft_model_state_dict(second.model, adapter_name="ref")
    parent = load_file(str(Path(inputs.parent.path) / "adapter_model.safetensors"))
    assert set(reference) == set(parent) and all(torch.equal(reference[k], parent[k]) for k in parent)


def test_orpo_trains_without_a_reference_copy(
    tiny_workspace: Workspace, store: Store, lineage: dict[str, Any]
) -> None:
    inputs = prepare(store, tiny_workspace, dpo_config(lineage, method="orpo", max_steps=6))
    reporter = RecordingReporter()
    outcome = train_preference_adapter(inputs, reporter, keep_model=True)
    assert outcome.status == "finished" and list(outcome.model.peft_config) == ["default"]
    assert any("reward_margin" in r for r in reporter.records)
    result = finish_run(store, trained_preference(store, inputs, outcome), started=0.0)
    assert result["adapter_id"].endswith("+orpo@v1")
