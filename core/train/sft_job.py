"""The training job: `core.train.sft_job:train_job` runs one run (or its resume) in the job's subprocess.

    submit_job(store, ws, kind="train", target="core.train.sft_job:train_job", params={"run_id": ...},
               resource=GPU)          # what core.train.runs.start_training does

The job imports unsloth first where it may help (it must patch transformers before anyone imports
them), launches accelerate workers when several GPUs are visible, trains, then records the outcome:
for a finished run the adapter row, its id (`<base>@<rev>+<dataset>+lora@vN`) and the model card.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.models.hardware import HardwareInfo, describe_hardware
from core.models.spec import ResolvedBase, resolve_base
from core.paths import Workspace
from core.review.records import get_dataset
from core.store import Store, from_json
from core.train.callbacks import Reporter
from core.train.card import CardFacts, build_card
from core.train.components import TrainInputs
from core.train.estimate import ModelShape
from core.train.launch import FastPath, plan_launch, try_fast_path
from core.train.lifecycle import AdapterEntry, TrainedRun, execute_run
from core.train.records import Run, adapter_id_for, require_run, update_run
from core.train.sft_config import TrainConfig, TrainingError, load_config

if TYPE_CHECKING:
    from core.jobs.runner import JobContext
    from core.train.sft_trainer import TrainOutcome

log = logging.getLogger(__name__)

RUN_YAML = "run.yaml"
RESULT_JSON = "result.json"
SFT_METRICS = ("first_loss", "final_loss", "eval_loss", "tokens_per_second", "steps")


def train_job(ctx: JobContext) -> dict[str, Any]:
    """Job target: train params["run_id"] from its run.yaml, resuming from its newest complete checkpoint."""
    run = require_run(ctx.store, ctx.params["run_id"])
    config = load_config(run.path / RUN_YAML)
    hardware = describe_hardware()
    launch = plan_launch(hardware, run_id=run.id, job_id=ctx.job_id)
    log.info("%s", launch.reason)
    if launch.command:  # several ranks: accelerate (GPUs) or torchrun (CPU)
        return run_workers(ctx, run, launch.command)
    return run_training(ctx.store, ctx.workspace, run, config, ctx, job_id=ctx.job_id, hardware=hardware)


def run_training(
    store: Store,
    workspace: Workspace,
    run: Run,
    config: TrainConfig,
    reporter: Reporter,
    *,
    job_id: str,
    hardware: HardwareInfo,
    distributed: bool = False,
    main_process: bool = True,
) -> dict[str, Any]:
    """Train and record the outcome (core.train.lifecycle). Failures mark the run failed and propagate."""
    fast = try_fast_path(
        config, hardware, distributed=distributed
    )  # first: unsloth must precede transformers
    log.info("%s", fast.reason)

    def train() -> TrainedRun:
        inputs = training_inputs(workspace, store, run, config, hardware, fast)
        from core.train.sft_trainer import train_adapter

        return trained_sft(inputs, train_adapter(inputs, reporter))

    return execute_run(store, run, job_id=job_id, engine=fast, train=train, main_process=main_process)


def training_inputs(
    workspace: Workspace, store: Store, run: Run, config: TrainConfig, hardware: HardwareInfo, fast: FastPath
) -> TrainInputs:
    dataset = get_dataset(store, run.dataset_id or "")
    if dataset is None:
        raise TrainingError(f"The dataset version {run.dataset_id} of this run is gone from the store.")
    resolved = resolve_base(run.base_model, workspace)
    if resolved.is_fallback:
        raise TrainingError(
            f"{resolved.reason.split(', so')[0]}. Pick a base model that is available, then start again."
        )
    return TrainInputs(workspace, run, config, dataset, resolved, hardware, fast)


def trained_sft(inputs: TrainInputs, outcome: TrainOutcome) -> TrainedRun:
    """A supervised run's outcome, with how its adapter is named, measured and carded."""
    return TrainedRun(inputs.run, outcome, inputs.hardware.name, partial(adapter_entry, inputs, outcome))


def adapter_entry(
    inputs: TrainInputs, outcome: TrainOutcome, summary: dict[str, Any], started: float
) -> AdapterEntry:
    """The adapter row of a supervised run: its version counts up per base and dataset."""
    run = inputs.run
    revision = base_revision(inputs.resolved)

    def card(adapter_id: str, size: int) -> dict[str, Any]:
        return build_card(card_facts(inputs, outcome, started, summary, adapter_id, revision, size))

    return AdapterEntry(
        base_model=run.base_model,
        dataset_id=run.dataset_id,
        method="sft",
        revision=revision,
        adapter_dir=outcome.adapter_dir or inputs.adapter_dir,
        metrics={k: summary[k] for k in SFT_METRICS},
        name=partial(adapter_id_for, run.base_model, revision, run.dataset_id or "none"),
        card=card,
    )


def base_revision(resolved: ResolvedBase) -> str:
    """A short hub revision for hub models, "local" for folders and the offline tiny model."""
    if resolved.kind in ("cache", "hub") and resolved.revision:
        return resolved.revision[:7]
    return "local"


def card_facts(
    inputs: TrainInputs,
    outcome: TrainOutcome,
    started: float,
    summary: dict[str, Any],
    adapter_id: str,
    revision: str,
    size: int,
) -> CardFacts:
    run, dataset, hardware, masking = inputs.run, inputs.dataset, inputs.hardware, outcome.masking
    adapter_dir = outcome.adapter_dir or inputs.adapter_dir
    return CardFacts(
        adapter_id=adapter_id,
        run_id=run.id,
        base={"name": run.base_model, "revision": revision, "parameters": _parameters(adapter_dir)},
        dataset={
            "id": dataset.id,
            "manifest_hash": dataset.manifest_hash,
            "content_hash": dataset.manifest.get("content_hash"),
            "counts": dataset.manifest.get("counts") or {},
        },
        hyperparameters=inputs.config.model_dump(mode="json"),
        training=summary,
        hardware={
            "name": hardware.name,
            "device": hardware.device,
            "gpus": hardware.gpu_count,
            "cpu_cores": hardware.cpu_cores,
        },
        chat_template={
            "sha256": masking.template_sha256,
            "text": masking.template,
            "loss_masking": f"{masking.strategy}: {masking.reason}",
        },
        adapter_path=str(adapter_dir),
        size_bytes=size,
        started_at=started,
        finished_at=time.time(),
    )


def _parameters(adapter_dir: Path) -> int | None:
    """The base's parameter count, from the base config that peft recorded (best effort)."""
    try:
        config = from_json((adapter_dir / "adapter_config.json").read_text())
        base = Path(config["base_model_name_or_path"])
        return ModelShape.from_folder(base).total_params if (base / "config.json").exists() else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def run_workers(ctx: JobContext, run: Run, command: list[str]) -> dict[str, Any]:
    """Several GPUs: run the accelerate workers as children (same process group, so Cancel ends them)."""
    log.info("launching: %s", " ".join(command))
    (run.path / RESULT_JSON).unlink(missing_ok=True)
    env = {**os.environ, "STUDIO_HOME": str(ctx.workspace.root)}
    done = subprocess.run(command, env=env, check=False)
    result_file = run.path / RESULT_JSON
    if done.returncode != 0 or not result_file.exists():
        if ctx.should_stop():
            return {"run": run.id, "status": ctx.stop_mode}
        message = (
            f"The training workers exited with status {done.returncode}; the log shows why. "
            "Resume the run to continue from its last complete checkpoint."
        )
        update_run(ctx.store, run.id, status="failed", message=message)  # a killed rank 0 could not say so
        raise TrainingError(message)
    return dict(from_json(result_file.read_text()))
