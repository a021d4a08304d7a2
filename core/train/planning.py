"""Before a run: which dataset and base model it will use, what it will cost, and whether it can start.

    plan = plan_training(store, workspace, TrainConfig.from_preset("quick"))
    plan.problem          # None, or why it cannot start here and what to change
    plan.estimate         # memory (GB) and time, see core/train/estimate.py
    plan.yaml, plan.command

Fast (well under a second: reads config.json and the dataset manifest, loads no weights), so the Train
tab recomputes it whenever a setting changes. A hub model not downloaded yet has its config.json fetched.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path

from core.models.bundled import bundled_config
from core.models.hardware import HardwareInfo, describe_hardware
from core.models.spec import ResolvedBase, configured_base_model, resolve_base
from core.models.tiny import ensure_tiny_at
from core.paths import Workspace
from core.review.records import Dataset, get_dataset, latest_dataset
from core.store import Store, from_json
from core.train.data import data_size
from core.train.estimate import (
    DataSize,
    ModelShape,
    TrainEstimate,
    estimate_training,
    resolve_precision,
    use_packing,
)
from core.train.sft_config import RUN_COMMAND, TrainConfig, TrainingError

log = logging.getLogger(__name__)

# Suggested base models by hardware: small instruct models that train in reasonable time there.
CPU_BASES = ("HuggingFaceTB/SmolLM2-135M-Instruct", "bundled", "HuggingFaceTB/SmolLM2-360M-Instruct")
GPU_BASES = (
    "Qwen/Qwen2.5-0.5B-Instruct",
    "Qwen/Qwen2.5-1.5B-Instruct",
    "meta-llama/Llama-3.2-1B-Instruct",
    "meta-llama/Llama-3.2-3B-Instruct",
)
FALLBACK_WHY = re.compile(r"^Couldn't load .+? \((?P<why>.+)\), so the studio")


@dataclass(frozen=True)
class TrainingPlan:
    config: TrainConfig  # with base and dataset filled in
    dataset: Dataset
    base: ResolvedBase
    data: DataSize
    shape: ModelShape | None
    estimate: TrainEstimate | None
    notices: list[str]
    problem: str | None

    @property
    def yaml(self) -> str:
        return self.config.to_yaml()

    @property
    def command(self) -> str:
        return RUN_COMMAND


def plan_training(
    store: Store, workspace: Workspace, config: TrainConfig, hardware: HardwareInfo | None = None
) -> TrainingPlan:
    """Resolve the dataset and base of `config`, estimate the run, and say whether it can start."""
    hardware = hardware or describe_hardware()
    dataset = choose_dataset(store, config.dataset)
    base, notices = choose_base(store, workspace, config.base)
    config = config.model_copy(
        update={"dataset": dataset.id, "base": base.requested if not base.is_fallback else "tiny"}
    )
    data = data_size(dataset, config.opening_practice)
    shape, shape_problem = model_shape(base)
    if shape_problem:
        notices.append(shape_problem)
    estimate = None
    if shape is not None:
        packed = use_packing(config, hardware)
        estimate = estimate_training(
            config,
            shape,
            hardware,
            data=data if not packed else replace(data, longest_tokens=None),
            memory_gib=available_memory_gib(hardware),
            past_tokens_per_second=past_speeds(
                store, config.base, hardware, resolve_precision(config, hardware, shape.total_params)
            ),
            qlora_available=importlib.util.find_spec("bitsandbytes") is not None,
        )
        notices.extend(estimate.notes)
    problem = estimate.refusal if estimate else None
    return TrainingPlan(config, dataset, base, data, shape, estimate, notices, problem)


def suggested_bases(hardware: HardwareInfo, configured: str) -> list[str]:
    """The studio's base model first, then the presets for this hardware, then the offline `tiny`."""
    presets = GPU_BASES if hardware.device == "cuda" else CPU_BASES
    return list(dict.fromkeys([configured, *presets, "tiny"]))


def choose_dataset(store: Store, dataset_id: str) -> Dataset:
    if dataset_id:
        found = get_dataset(store, dataset_id)
        if found is None:
            raise TrainingError(
                f"No dataset version {dataset_id!r}. Pick one of the versions listed in the Train tab "
                "(or `tutor-studio dataset` builds one)."
            )
    else:
        found = latest_dataset(store)
        if found is None:
            raise TrainingError(
                "No dataset version yet. Accept conversations in the Review tab and build a dataset version "
                "there, then come back to train."
            )
    if found.kind != "sft":
        raise TrainingError(
            f"{found.id} is a preference dataset; supervised training needs a conversation dataset."
        )
    return found


def choose_base(store: Store, workspace: Workspace, requested: str) -> tuple[ResolvedBase, list[str]]:
    """The base to train on. A studio default that cannot be loaded falls back to tiny (with a notice);
    a model the user picked that cannot be loaded is refused, since training another model would surprise."""
    default = configured_base_model(store)
    name = requested or default
    resolved = resolve_base(name, workspace)
    if not resolved.is_fallback:
        return resolved, []
    if name == default:
        return resolved, [resolved.reason]
    match = FALLBACK_WHY.match(resolved.reason)
    why = match.group("why") if match else resolved.reason
    raise TrainingError(
        f"Can't train on {name}: {why}. Pick another base model (or `tiny`, the offline test model), or connect "
        "to the internet so it can be downloaded."
    )


def model_shape(base: ResolvedBase) -> tuple[ModelShape | None, str | None]:
    """The base's shape from its config.json (built for tiny, fetched alone for a hub model)."""
    try:
        if base.kind == "tiny":
            return ModelShape.from_folder(ensure_tiny_at(Path(base.source))), None
        if base.kind == "bundled":  # known without unpacking it (that takes ~20 s)
            return ModelShape.from_config(bundled_config(Path(base.source))), None
        if base.kind in ("local", "cache"):
            return ModelShape.from_folder(Path(base.source)), None
        return ModelShape.from_folder(_fetch_config(base)), None
    except Exception as exc:  # unreadable or unusual configs: train anyway, without an estimate
        log.info("no shape for %s: %r", base.display_name, exc)
        return None, f"No memory estimate for {base.display_name}: its config.json could not be read ({exc})."


def _fetch_config(base: ResolvedBase) -> Path:
    from huggingface_hub import hf_hub_download

    return Path(
        hf_hub_download(base.source, "config.json", revision=base.revision, cache_dir=base.cache_dir)
    ).parent


def available_memory_gib(hardware: HardwareInfo) -> float | None:
    """GPU memory on a GPU; on a CPU what is free under the container's cgroup limit (else the RAM)."""
    return hardware.available_memory_gib()


def past_speeds(store: Store, base: str, hardware: HardwareInfo, precision: str) -> list[float]:
    """tokens/s of earlier finished runs of this base on this kind of hardware and precision."""
    rows = store.query(
        "SELECT summary FROM runs WHERE base_model = ? AND status = 'succeeded' AND method = 'sft' "
        "ORDER BY created_at DESC LIMIT 10",
        (base,),
    )
    speeds = []
    for row in rows:
        summary = from_json(row["summary"], {})
        same = summary.get("device") == hardware.device and summary.get("precision") == precision
        if same and summary.get("hardware") == hardware.name and summary.get("tokens_per_second"):
            speeds.append(float(summary["tokens_per_second"]))
    return speeds
