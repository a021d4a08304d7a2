"""One run lifecycle for every method (sft, dpo, orpo): mark the run running, train, then record how it ended.

    result = execute_run(store, run, job_id=..., engine=fast, train=partial(...))   # train() -> TrainedRun
    result = finish_run(store, trained, started)       # stopped/cancelled: a message; finished: the adapter

Only the method-specific parts live in sft_job.py and dpo_job.py: how the inputs are gathered, which trainer
runs, and the adapter's id, lineage, metrics and model card (an `AdapterEntry`). Registering the adapter
(its version, row and card, in one transaction) and updating the run row happen here, the same for all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from core.store import Store
from core.train.card import write_card
from core.train.launch import FastPath
from core.train.records import Run, RunStatus, insert_adapter, next_adapter_version, update_run
from core.train.sft_config import TrainingError

Method = Literal["sft", "dpo", "orpo"]


class Outcome(Protocol):
    """What every trainer returns: how the run ended, after how many steps, and its JSON summary."""

    @property
    def status(self) -> Literal["finished", "stopped", "cancelled"]: ...

    @property
    def steps(self) -> int: ...

    def summary(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class AdapterEntry:
    """The method-specific facts of a finished run's adapter row; `name` and `card` get the version / id."""

    base_model: str
    dataset_id: str | None
    method: Method
    revision: str
    adapter_dir: Path
    metrics: dict[str, Any]
    name: Callable[[int], str]  # version -> adapter id
    card: Callable[[str, int], dict[str, Any]]  # (adapter id, size in bytes) -> model card


@dataclass(frozen=True)
class TrainedRun:
    """A run whose trainer returned: the outcome, and how to describe its adapter from the run summary."""

    run: Run
    outcome: Outcome
    hardware: str
    entry: Callable[[dict[str, Any], float], AdapterEntry]  # (summary, started) -> adapter facts


def execute_run(
    store: Store,
    run: Run,
    *,
    job_id: str,
    engine: FastPath,
    train: Callable[[], TrainedRun],
    main_process: bool = True,
) -> dict[str, Any]:
    """Train and record the outcome. Failures mark the run failed (with the reason) and propagate."""
    started = time.time()
    if main_process:
        summary = {"engine": engine.engine, "engine_reason": engine.reason}
        update_run(store, run.id, status="running", job_id=job_id, message=engine.reason, summary=summary)
    try:
        trained = train()
    except BaseException as exc:
        if main_process:
            update_run(store, run.id, status="failed", message=failure_message(exc))
        raise
    if not main_process:
        return {}
    return finish_run(store, trained, started)


def failure_message(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, TrainingError) else f"{type(exc).__name__}: {exc}"


def finish_run(store: Store, trained: TrainedRun, started: float) -> dict[str, Any]:
    """Record how the run ended; a finished one gets its adapter row and model card."""
    run, outcome = trained.run, trained.outcome
    summary = {**outcome.summary(), "hardware": trained.hardware}
    result: dict[str, Any] = {"run": run.id, "status": outcome.status, **summary}
    if outcome.status != "finished":
        stopped = outcome.status == "stopped"
        message = (
            f"Stopped at step {outcome.steps}: resume to continue from its last checkpoint."
            if stopped
            else f"Cancelled at step {outcome.steps}."
        )
        status: RunStatus = "stopped" if stopped else "cancelled"
        update_run(store, run.id, status=status, message=message, summary=summary)
        return result | {"message": message}
    adapter_id, adapter_dir = register_adapter(store, run, trained.entry(summary, started))
    message = f"Finished: adapter {adapter_id}."
    update_run(store, run.id, status="succeeded", adapter_id=adapter_id, message=message, summary=summary)
    return result | {"adapter_id": adapter_id, "adapter": str(adapter_dir), "message": message}


def register_adapter(store: Store, run: Run, entry: AdapterEntry) -> tuple[str, Path]:
    """Insert the adapter row (its version counts up per base, dataset and method) and write its card."""
    size = folder_size(entry.adapter_dir)
    with store.transaction() as conn:
        version = next_adapter_version(conn, entry.base_model, entry.dataset_id, entry.method)
        adapter_id = entry.name(version)
        card_path = write_card(run.path, entry.card(adapter_id, size), entry.adapter_dir)
        insert_adapter(
            conn,
            adapter_id=adapter_id,
            base_model=entry.base_model,
            path=str(entry.adapter_dir),
            version=version,
            run_id=run.id,
            base_revision=entry.revision,
            dataset_id=entry.dataset_id,
            method=entry.method,
            size_bytes=size,
            metrics=entry.metrics,
            card_path=str(card_path),
        )
    return adapter_id, entry.adapter_dir


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
