"""Preference tuning runs (DPO, ORPO) on top of a supervised adapter: plan, start; stop/resume/cancel are
the ordinary run functions of core/train/runs.py.

    plan = plan_preference_training(store, ws, PreferenceConfig(parent_adapter="tiny@local+tutor@v1+lora@v1"))
    plan.problem, plan.estimate, plan.parent, plan.dataset       # the preference dataset version
    started = start_preference_training(store, ws, config)       # a run (method dpo/orpo) and its job
    choices = preference_choices(store)                          # supervised adapters, preference datasets

Like plan_training, planning loads no weights (the parent's adapter_config.json, the base's config.json,
the pairs file), so the Train tab can redo it on every change.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.models.hardware import HardwareInfo, describe_hardware
from core.models.spec import ResolvedBase, resolve_base
from core.paths import Workspace
from core.review.records import Dataset, get_dataset, list_datasets
from core.store import Store
from core.train.dpo_config import PreferenceConfig
from core.train.estimate import DataSize, ModelShape, TrainEstimate, estimate_training
from core.train.pairs_data import PairSize, pair_size
from core.train.planning import available_memory_gib, model_shape
from core.train.records import Adapter, Run, get_adapter, list_adapters
from core.train.runs import StartedRun, launch_run, new_run
from core.train.sft_config import TrainingError

# The reference pass of DPO (a forward pass with the frozen copy) adds about half the work of a step.
REFERENCE_COST = {"dpo": 1.5, "orpo": 1.0}


@dataclass(frozen=True)
class PreferencePlan:
    config: PreferenceConfig  # with the parent, the dataset, the base and the parent's LoRA shape filled in
    parent: Adapter
    dataset: Dataset
    base: ResolvedBase
    size: PairSize
    shape: ModelShape | None
    estimate: TrainEstimate | None
    notices: list[str]
    problem: str | None

    @property
    def yaml(self) -> str:
        return self.config.to_yaml()


@dataclass(frozen=True)
class PreferenceChoices:
    adapters: list[Adapter]  # supervised adapters, newest first: what a preference run starts from
    datasets: list[Dataset]  # preference dataset versions, newest first


def preference_choices(store: Store) -> PreferenceChoices:
    adapters = [a for a in list_adapters(store) if a.method == "sft"]
    return PreferenceChoices(adapters, list_datasets(store, "preference"))


def plan_preference_training(
    store: Store, workspace: Workspace, config: PreferenceConfig, hardware: HardwareInfo | None = None
) -> PreferencePlan:
    """Resolve the parent adapter, the preference dataset and the base; estimate; say whether it can start."""
    hardware = hardware or describe_hardware()
    parent = choose_parent(store, config.parent_adapter)
    dataset = choose_preference_dataset(store, config.dataset)
    base = resolve_base(parent.base_model, workspace)
    update: dict[str, Any] = {"parent_adapter": parent.id, "dataset": dataset.id, "base": parent.base_model}
    config = config.model_copy(update=update | parent_lora_shape(Path(parent.path)))
    size = pair_size(dataset)
    shape, shape_problem = model_shape(base)
    notices = [shape_problem] if shape_problem else []
    estimate = _estimate(config, shape, hardware, size) if shape is not None else None
    notices += estimate.notes if estimate else []
    problem = base_problem(base) or (estimate.refusal if estimate else None)
    if size.pairs and not problem and size.pairs < 8:
        notices.append(f"Only {size.pairs} training pairs: enough to see the effect, too few to rely on it.")
    return PreferencePlan(config, parent, dataset, base, size, shape, estimate, notices, problem)


def choose_parent(store: Store, adapter_id: str) -> Adapter:
    if adapter_id:
        found = get_adapter(store, adapter_id)
        if found is None or found.deleted_at is not None:
            raise TrainingError(
                f"No adapter {adapter_id!r}. Pick a supervised adapter from the list (train one first)."
            )
    else:
        supervised = preference_choices(store).adapters
        if not supervised:
            raise TrainingError(
                "Preference tuning improves a trained tutor: train a supervised adapter first (above), "
                "then come back."
            )
        found = supervised[0]
    if not (Path(found.path) / "adapter_config.json").is_file():
        raise TrainingError(
            f"The files of adapter {found.id} are missing from {found.path}; pick another one."
        )
    return found


def choose_preference_dataset(store: Store, dataset_id: str) -> Dataset:
    found = get_dataset(store, dataset_id) if dataset_id else None
    if dataset_id and found is None:
        raise TrainingError(f"No preference dataset {dataset_id!r}; build one from votes, edits and leaks.")
    if found is None:
        versions = list_datasets(store, "preference")
        if not versions:
            raise TrainingError(
                "No preference dataset yet. Build one (Train tab, Preference tuning) from blind votes in "
                "Compare, tutor turns edited in Review, or answer leaks caught in Generate."
            )
        found = versions[0]
    if found.kind != "preference":
        raise TrainingError(
            f"{found.id} is a conversation dataset; preference tuning needs a preference dataset."
        )
    return found


def parent_lora_shape(adapter_dir: Path) -> dict[str, Any]:
    """The parent's rank, alpha and layers from its adapter_config.json: what the run will train."""
    try:
        config = json.loads((adapter_dir / "adapter_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    shape: dict[str, Any] = {}
    if isinstance(config.get("r"), int):
        shape["lora_rank"] = config["r"]
    if isinstance(config.get("lora_alpha"), int | float):
        shape["lora_alpha"] = int(config["lora_alpha"])
    targets = config.get("target_modules")
    if isinstance(targets, list) and targets:  # peft may record full module paths: keep the layer names
        shape["target_modules"] = sorted({str(t).rsplit(".", 1)[-1] for t in targets})
    return shape


def base_problem(base: ResolvedBase) -> str | None:
    if not base.is_fallback:
        return None
    return (
        f"The parent adapter's base model {base.requested} cannot be loaded here "
        f"({base.reason.split('(', 1)[-1].split(')')[0]}). Connect to the internet or pick another adapter."
    )


def _estimate(
    config: PreferenceConfig, shape: ModelShape, hardware: HardwareInfo, size: PairSize
) -> TrainEstimate:
    """A preference step runs the chosen and the rejected sequence of each pair, plus the reference pass:
    estimated as an SFT run with twice the batch, on sequences made longer by the reference work."""
    doubled = config.model_copy(update={"batch_size": config.batch_size * 2})
    cost = REFERENCE_COST[config.method]
    data = DataSize(size.pairs * 2, size.mean_tokens * cost, size.validation_pairs * 2, None)
    return estimate_training(
        doubled,
        shape,
        hardware,
        data=data,
        memory_gib=available_memory_gib(hardware),
        qlora_available=importlib.util.find_spec("bitsandbytes") is not None,
    )


def start_preference_training(
    store: Store, workspace: Workspace, config: PreferenceConfig, hardware: HardwareInfo | None = None
) -> StartedRun:
    """Check the run can start (refusing with the reason), write its folder, and queue its job."""
    plan = plan_preference_training(store, workspace, config, hardware)
    if plan.problem:
        raise TrainingError(plan.problem)
    run = create_preference_run(store, workspace, plan)
    return launch_run(store, workspace, run, plan.notices, f"{plan.config.method.upper()} run")


def create_preference_run(store: Store, workspace: Workspace, plan: PreferencePlan) -> Run:
    return new_run(
        store,
        workspace,
        plan.config,
        f"{plan.config.method.upper()} on {plan.parent.id}",
        base_model=plan.parent.base_model,
        dataset_id=plan.dataset.id,
        method=plan.config.method,
        parent_adapter_id=plan.parent.id,
    )
