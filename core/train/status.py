"""What the Train tab polls: one run's live state (metrics, progress, ETA, log, allowed actions) and the
list of runs with their adapters. Reads the store and the jobs' metric files; loads no model.

    view = run_view(store, ws)                 # the active run, else the newest; None when there is none
    view.metrics, view.summary, view.eta_s   # MetricRecord list, RunSummary (core.train.summary)
    rows = runs_overview(store)                # every run, newest first, with adapter id, losses, size
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.jobs import Job, get_job, read_log_tail, read_metrics, reconcile_jobs
from core.paths import Workspace
from core.review.records import Dataset, list_datasets
from core.store import Store
from core.train.card import CARD_MD
from core.train.checkpoints import latest_complete
from core.train.components import CHECKPOINTS_DIR
from core.train.records import Adapter, Run, adapter_for_run, get_run, list_runs, run_job_ids
from core.train.runs import RESUMABLE, effective_status
from core.train.summary import MetricRecord, RunSummary, run_summary

LOG_LINES = 15


@dataclass(frozen=True)
class RunView:
    run: Run
    status: str
    job: Job | None
    summary: RunSummary
    metrics: list[MetricRecord]
    step: int
    total_steps: int | None
    eta_s: float | None
    message: str
    log_tail: str
    checkpoint_step: int | None
    adapter: Adapter | None

    @property
    def fraction(self) -> float | None:
        return None if not self.total_steps else min(1.0, self.step / self.total_steps)

    @property
    def can_stop(self) -> bool:
        return self.status in ("queued", "running")

    can_cancel = can_stop

    @property
    def can_resume(self) -> bool:
        return self.status in RESUMABLE


def run_view(store: Store, workspace: Workspace, run_id: str | None = None) -> RunView | None:
    """The live view of `run_id`, else of the active run, else of the newest run; None when there are none."""
    reconcile_jobs(store, workspace)
    run = get_run(store, run_id) if run_id else _default_run(store)
    if run is None:
        return None
    job = get_job(store, run.job_id) if run.job_id else None
    status = effective_status(store, run)
    metrics = run_metrics(workspace, run_job_ids(store, run.id))
    summary = run_summary(run)
    step, total = _steps(summary, job, metrics)
    checkpoint = latest_complete(run.path / CHECKPOINTS_DIR)
    return RunView(
        run=run,
        status=status,
        job=job,
        summary=summary,
        metrics=[MetricRecord.model_validate(record) for record in metrics],
        step=step,
        total_steps=total,
        eta_s=estimate_eta(metrics, step, total) if status == "running" else None,
        message=_message(run, job, status),
        log_tail=read_log_tail(workspace, job.id, max_lines=LOG_LINES) if job else "",
        checkpoint_step=int(checkpoint.name.split("-")[-1]) if checkpoint else None,
        adapter=adapter_for_run(store, run.id),
    )


def _default_run(store: Store) -> Run | None:
    runs = list_runs(store, limit=20)
    active = [run for run in runs if effective_status(store, run) in ("queued", "running")]
    chosen = active or runs
    return chosen[0] if chosen else None


def _message(run: Run, job: Job | None, status: str) -> str:
    if job is not None and job.is_active:
        return job.message or "Starting…"
    if status == "interrupted":
        return "Interrupted: the training process ended without reporting back. Resume continues from its last checkpoint."
    if status == "failed" and job is not None and job.error and not run.message:
        return job.error
    return run.message


def run_metrics(workspace: Workspace, job_ids: list[str]) -> list[dict[str, Any]]:
    """The run's metric records over all its jobs. A (re)start at step S drops the records after S that an
    interrupted job logged (that work was lost with it), so the curves read as one run."""
    merged: list[dict[str, Any]] = []
    for job_id in job_ids:
        for record in read_metrics(workspace, job_id):
            if record.get("event") == "start":
                merged = [r for r in merged if int(r.get("step", 0)) <= int(record["step"])]
            elif "step" in record:
                merged.append(record)
    return merged


def _steps(summary: RunSummary, job: Job | None, metrics: list[dict[str, Any]]) -> tuple[int, int | None]:
    if job is not None and job.is_active and job.progress_total:
        return int(job.progress_done), int(job.progress_total)
    if summary.steps is not None:
        return summary.steps, summary.total_steps
    last = max((int(r["step"]) for r in metrics), default=0)
    return last, None


def estimate_eta(metrics: list[dict[str, Any]], step: int, total: int | None) -> float | None:
    """Seconds left at the pace of the latest training records (loading and evaluation excluded)."""
    train = [r for r in metrics if "loss" in r and "time" in r][-10:]
    if not total or len(train) < 2:
        return None
    steps = train[-1]["step"] - train[0]["step"]
    seconds = train[-1]["time"] - train[0]["time"]
    if steps <= 0 or seconds <= 0:
        return None
    return max(0.0, (total - step) * seconds / steps)


@dataclass(frozen=True)
class TrainingOverview:
    """Everything the Train tab redraws on a poll, read in one go."""

    view: RunView | None
    runs: list[RunRow]
    datasets: list[Dataset]
    card: str


def training_overview(store: Store, workspace: Workspace, run_id: str | None = None) -> TrainingOverview:
    """The watched run (see run_view), every run, the dataset versions to train on, and the run's card."""
    view = run_view(store, workspace, run_id)
    card = model_card_text(store, view.run.id) if view else ""
    return TrainingOverview(view, runs_overview(store), list_datasets(store, "sft"), card)


@dataclass(frozen=True)
class RunRow:
    run: Run
    status: str
    adapter: Adapter | None
    summary: RunSummary


def runs_overview(store: Store, limit: int = 100) -> list[RunRow]:
    """Every run (newest first) with its effective status and adapter, for the runs table."""
    return [
        RunRow(run, effective_status(store, run), adapter_for_run(store, run.id), run_summary(run))
        for run in list_runs(store, limit)
    ]


def model_card_text(store: Store, run_id: str) -> str:
    """The run's model card (markdown), or a sentence saying why there is none yet."""
    run = get_run(store, run_id)
    if run is None:
        return f"No run {run_id}."
    card = Path(run.folder) / CARD_MD
    if card.exists():
        return card.read_text(encoding="utf-8")
    return f"Run {run.id} has no model card yet: the card is written when a run finishes ({run.status} now)."
