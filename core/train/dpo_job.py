"""The preference-tuning job: `core.train.dpo_job:preference_job` runs one DPO/ORPO run (or its resume).

    submit_run(store, ws, run, resume=False)     # core.train.runs picks this target for dpo/orpo runs

A finished run gets its adapter row (method dpo/orpo, id `<base>@<rev>+<sft dataset>+<preference
dataset>+dpo@vN`, N counting per base, SFT dataset and method) and a model card that links the parent SFT
adapter, the SFT dataset and the preference dataset and says how the reference model was kept. The
adapter's `dataset_id` is the SFT dataset, whose test split is what Evaluate replays; the run's is the
preference dataset it learnt from.
"""

from __future__ import annotations

import logging
import time
import warnings
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.models.hardware import describe_hardware
from core.models.spec import resolve_base
from core.paths import Workspace
from core.review.records import get_dataset
from core.store import Store
from core.train.callbacks import Reporter
from core.train.card import CardFacts, build_card, read_card
from core.train.chat_format import template_hash
from core.train.components import TrainInputs, param_count
from core.train.dpo_config import PreferenceConfig, load_preference_config
from core.train.launch import FastPath
from core.train.lifecycle import AdapterEntry, TrainedRun, execute_run
from core.train.pairs_sources import describe_sources
from core.train.records import Adapter, Run, get_adapter, require_run
from core.train.sft_config import TrainingError
from core.train.sft_job import RUN_YAML, base_revision

if TYPE_CHECKING:
    from core.jobs.runner import JobContext
    from core.train.dpo_trainer import PreferenceInputs, PreferenceOutcome

log = logging.getLogger(__name__)

ENGINE_NOTE = "Preference tuning runs in the job's process with plain peft (one device)."
ENGINE = FastPath("peft", ENGINE_NOTE)
PREFERENCE_METRICS = (
    "first_loss",
    "final_loss",
    "reward_margin",
    "reward_accuracy",
    "steps",
    "tokens_per_second",
    "test_reward_margin",
)
REFERENCE_NOTE = {
    "dpo": "a frozen copy of the SFT adapter (TRL's 'ref' adapter) on the same base weights: one copy of the "
    "base model in memory, the reference pass switches adapters",
    "orpo": "none: ORPO needs no reference model",
}


def preference_job(ctx: JobContext) -> dict[str, Any]:
    """Job target: tune params["run_id"] from its run.yaml, resuming from its newest complete checkpoint."""
    run = require_run(ctx.store, ctx.params["run_id"])
    config = load_preference_config(run.path / RUN_YAML)
    # transformers' and TRL's deprecation notices tell a teacher reading the job's log nothing.
    warnings.filterwarnings("ignore", category=FutureWarning)
    return run_preference(ctx.store, ctx.workspace, run, config, ctx, job_id=ctx.job_id)


def run_preference(
    store: Store, workspace: Workspace, run: Run, config: PreferenceConfig, reporter: Reporter, *, job_id: str
) -> dict[str, Any]:
    """Tune and record the outcome (core.train.lifecycle). Failures mark the run failed and propagate."""

    def train() -> TrainedRun:
        inputs = preference_inputs(workspace, store, run, config)
        from core.train.dpo_trainer import train_preference_adapter

        return trained_preference(store, inputs, train_preference_adapter(inputs, reporter))

    return execute_run(store, run, job_id=job_id, engine=ENGINE, train=train)


def preference_inputs(
    workspace: Workspace, store: Store, run: Run, config: PreferenceConfig
) -> PreferenceInputs:
    from core.train.dpo_trainer import PreferenceInputs

    parent = get_adapter(store, run.parent_adapter_id or config.parent_adapter)
    if parent is None:
        raise TrainingError(f"The SFT adapter {run.parent_adapter_id} of this run is gone from the store.")
    dataset = get_dataset(store, run.dataset_id or "")
    if dataset is None:
        raise TrainingError(f"The preference dataset {run.dataset_id} of this run is gone from the store.")
    resolved = resolve_base(parent.base_model, workspace)
    if resolved.is_fallback:
        raise TrainingError(f"{resolved.reason.split(', so')[0]}. Connect to the internet, then resume.")
    train = TrainInputs(workspace, run, config, dataset, resolved, describe_hardware(), ENGINE)
    return PreferenceInputs(train, parent)


def trained_preference(store: Store, inputs: PreferenceInputs, outcome: PreferenceOutcome) -> TrainedRun:
    """A preference run's outcome, with how its adapter is named, measured and carded."""
    entry = partial(adapter_entry, store, inputs, outcome)
    return TrainedRun(inputs.train.run, outcome, inputs.train.hardware.name, entry)


def preference_adapter_id(parent: Adapter, preference_dataset: str, method: str, version: int) -> str:
    base = Path(parent.base_model.rstrip("/\\")).name or parent.base_model
    lineage = "+".join(part for part in (parent.dataset_id, preference_dataset) if part)
    return f"{base}@{parent.base_revision or 'local'}+{lineage}+{method}@v{version}"


def adapter_entry(
    store: Store,
    inputs: PreferenceInputs,
    outcome: PreferenceOutcome,
    summary: dict[str, Any],
    started: float,
) -> AdapterEntry:
    """The adapter row of a preference run: lineage from its parent; N counts per base, SFT dataset and
    method; its dataset is the parent's SFT dataset (whose test split Evaluate replays)."""
    parent, method, dataset_id = inputs.parent, inputs.config.method, inputs.train.dataset.id
    revision = parent.base_revision or base_revision(inputs.train.resolved)

    def card(adapter_id: str, size: int) -> dict[str, Any]:
        return preference_card(store, inputs, outcome, started, summary, adapter_id, revision, size)

    return AdapterEntry(
        base_model=parent.base_model,
        dataset_id=parent.dataset_id,
        method=method,
        revision=revision,
        adapter_dir=outcome.adapter_dir or inputs.train.adapter_dir,
        metrics={k: summary.get(k) for k in PREFERENCE_METRICS},
        name=partial(preference_adapter_id, parent, dataset_id, method),
        card=card,
    )


def preference_card(
    store: Store,
    inputs: PreferenceInputs,
    outcome: PreferenceOutcome,
    started: float,
    summary: dict[str, Any],
    adapter_id: str,
    revision: str,
    size: int,
) -> dict[str, Any]:
    """The ordinary model card, plus the lineage (SFT adapter, SFT dataset, preference dataset) and the
    preference-specific limits."""
    train, parent = inputs.train, inputs.parent
    dataset = train.dataset
    facts = CardFacts(
        adapter_id=adapter_id,
        run_id=train.run.id,
        base={"name": parent.base_model, "revision": revision, "parameters": _parameters(train)},
        dataset={
            "id": dataset.id,
            "kind": "preference",
            "manifest_hash": dataset.manifest_hash,
            "content_hash": dataset.manifest.get("content_hash"),
            "counts": dataset.manifest.get("counts") or {},
            "sources": dataset.manifest.get("sources") or {},
        },
        hyperparameters=inputs.config.model_dump(mode="json"),
        training=summary,
        hardware={"name": train.hardware.name, "device": train.hardware.device},
        chat_template={
            "sha256": template_hash(outcome.chat_template),
            "text": outcome.chat_template,
            "loss_masking": "preference loss on the chosen and rejected tutor replies only (TRL)",
        },
        adapter_path=str(outcome.adapter_dir or train.adapter_dir),
        size_bytes=size,
        started_at=started,
        finished_at=time.time(),
    )
    card = build_card(facts)
    card["method"] = inputs.config.method
    card["parent"] = parent_links(store, parent)
    card["lineage"] = lineage(inputs, outcome, card["parent"])
    card["known_limits"] = preference_limits(inputs, outcome, card["parent"])
    return card


def parent_links(store: Store, parent: Adapter) -> dict[str, Any]:
    sft = get_dataset(store, parent.dataset_id or "") if parent.dataset_id else None
    template = None
    if parent.card_path:
        try:
            template = read_card(Path(parent.card_path).parent).get("chat_template", {}).get("sha256")
        except LookupError:
            template = None
    return {
        "adapter_id": parent.id,
        "adapter_path": parent.path,
        "card": parent.card_path,
        "sft_dataset": parent.dataset_id,
        "sft_dataset_manifest_hash": sft.manifest_hash if sft else None,
        "chat_template_sha256": template,
    }


def lineage(inputs: PreferenceInputs, outcome: PreferenceOutcome, parent: dict[str, Any]) -> dict[str, str]:
    config, dataset = inputs.config, inputs.train.dataset
    counts = dataset.manifest.get("counts") or {}
    held = outcome.held_out
    return {
        "Method": f"{config.method.upper()} (beta {config.beta})",
        "Started from (SFT adapter)": f"`{parent['adapter_id']}`",
        "SFT dataset": f"`{parent['sft_dataset']}` (manifest hash `{parent['sft_dataset_manifest_hash']}`)",
        "Preference dataset": f"`{dataset.id}`: {counts.get('train', '?')} training pairs, "
        f"{describe_sources(dataset.manifest.get('sources') or {})}",
        "Reference model": REFERENCE_NOTE[config.method],
        "Reward margin (training)": f"{_num(outcome.first_margin)} → {_num(outcome.final_margin)}",
        "Held-out pairs": (
            f"reward margin {_num(held.get('reward_margin'))}, chosen preferred in "
            f"{_pct(held.get('reward_accuracy'))} of {counts.get('test', 0)} test pairs"
            if held
            else "none (the preference dataset has no test split)"
        ),
    }


def preference_limits(
    inputs: PreferenceInputs, outcome: PreferenceOutcome, parent: dict[str, Any]
) -> list[str]:
    counts = inputs.train.dataset.manifest.get("counts") or {}
    limits = [
        f"Tuned on {counts.get('train', '?')} preference pairs: it leans towards the replies people preferred, "
        "and knows no more facts than its SFT adapter and base model.",
        "Trained without the long tutor system prompt, like its SFT adapter: use it without one.",
        f"Conversations longer than {inputs.config.max_seq_length} tokens were cut while tuning.",
    ]
    if parent.get("chat_template_sha256") and parent["chat_template_sha256"] != template_hash(
        outcome.chat_template
    ):
        limits.append(
            "Its chat template differs from the one its SFT adapter was trained with: check both cards."
        )
    if (outcome.final_accuracy or 0) >= 0.99 and (counts.get("train") or 0) < 50:
        limits.append(
            "Every training pair is already preferred: with this few pairs it may have memorised them."
        )
    if (outcome.steps or 0) < 20:
        limits.append(f"A short run ({outcome.steps} steps): the preference may be weak.")
    return limits


def _parameters(train: TrainInputs) -> int | None:
    folder = Path(train.resolved.source)
    return param_count(folder) if (folder / "config.json").is_file() else None


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"
