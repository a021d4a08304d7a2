"""What the Generate tab and the CLI show about generation: the sources to pick from and a run's progress.

    overview = generate_overview(store, workspace, run_id)      # what the tab polls
    overview.documents, overview.runs, overview.status
    status = run_status(store, run_id)
    status.counts, status.reasons, status.rate_per_min, status.eta_s, status.latest_kept

Everything here reads the store; nothing starts or stops a run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from core.documents.records import Chunk, chunk_counts, list_chunks, list_documents
from core.generate.config import SynthConfig, SynthError, select_chunks
from core.generate.explain import explain_run
from core.generate.quality import SubstanceFigures, cached_run_substance
from core.generate.records import (
    GenerationItem,
    GenerationRun,
    finished_since,
    get_run,
    item_counts,
    list_runs,
    reason_counts,
    recent_items,
)
from core.jobs import Job, JobOutcome, find_job, queue_position, reconcile_jobs
from core.paths import Workspace
from core.review.records import Example, get_example
from core.store import Store

LATEST = 3


@dataclass(frozen=True)
class SourceDocument:
    id: str
    name: str
    chunks: int  # chunks in use (not excluded)


@dataclass(frozen=True)
class RunStatus:
    run: GenerationRun
    counts: dict[str, int]  # items per state: pending, kept, filtered, failed
    reasons: dict[str, int]  # filtered and failed items per reason
    job: Job | None
    queue_position: int | None
    rate_per_min: float | None  # items finished per minute by the latest job
    eta_s: float | None
    latest_kept: list[Example]
    latest_filtered: list[GenerationItem]
    substance: SubstanceFigures | None = None  # of the kept conversations, once the run has finished
    explanation: str = ""  # why a finished run kept nothing, and what to do (core/generate/explain.py)

    @property
    def kept(self) -> int:
        return self.counts["kept"]

    @property
    def filtered(self) -> int:
        return self.counts["filtered"]

    @property
    def failed(self) -> int:
        return self.counts["failed"]

    @property
    def remaining(self) -> int:
        """Items still pending or failed: what Resume would write."""
        return self.counts["pending"] + self.counts["failed"]

    @property
    def done(self) -> int:
        return self.kept + self.filtered + self.failed

    @property
    def is_active(self) -> bool:
        return self.job is not None and self.job.is_active

    @property
    def outcome(self) -> JobOutcome | None:
        """How the latest job ended: `failed` when all its items failed, `succeeded_with_failures`
        when some did (`counts["failed"]` says how many); None before the run has a job."""
        return None if self.job is None else self.job.outcome

    @property
    def can_resume(self) -> bool:
        return not self.is_active and self.remaining > 0


@dataclass(frozen=True)
class GenerateOverview:
    documents: list[SourceDocument]  # ready documents with chunks in use
    runs: list[GenerationRun]  # newest first
    status: RunStatus | None  # the chosen run (default: the newest)

    @property
    def total_chunks(self) -> int:
        return sum(d.chunks for d in self.documents)


def source_documents(store: Store) -> list[SourceDocument]:
    counts = chunk_counts(store)
    found = []
    for document in list_documents(store):
        total, excluded = counts.get(document.id, (0, 0))
        if document.status == "ready" and total - excluded > 0:
            found.append(SourceDocument(document.id, document.name, total - excluded))
    return found


def run_status(store: Store, run_id: str, latest: int = LATEST) -> RunStatus:
    run = get_run(store, run_id)
    if run is None:
        raise KeyError(f"No generation run {run_id!r}.")
    job = find_job(store, run.job_id)
    counts = item_counts(store, run_id)
    rate = _rate(store, run, job)
    left = counts["pending"] + (counts["failed"] if job is not None and job.is_active else 0)
    eta = left / rate * 60 if rate and job is not None and job.is_active else None
    kept_items = recent_items(store, run_id, ("kept",), latest)
    kept = [
        e for e in (get_example(store, i.example_id) for i in kept_items if i.example_id) if e is not None
    ]
    return RunStatus(
        run=run,
        counts=counts,
        reasons=reason_counts(store, run_id),
        job=job,
        queue_position=queue_position(store, job) if job is not None else None,
        rate_per_min=rate,
        eta_s=eta,
        latest_kept=kept,
        latest_filtered=recent_items(store, run_id, ("filtered", "failed"), latest),
    )


def _rate(store: Store, run: GenerationRun, job: Job | None) -> float | None:
    if job is None or job.started_at is None:
        return None
    finished, _first, last = finished_since(store, run.id, job.id)
    end = time.time() if job.is_active else (last or job.finished_at or time.time())
    elapsed = end - job.started_at
    return finished / elapsed * 60 if finished and elapsed > 0 else None


def nothing_kept_explanation(store: Store, run: GenerationRun) -> str:
    """Why a run kept nothing and what to do; "" when it kept something or still has items to write."""
    counts = item_counts(store, run.id)
    if counts["kept"] or counts["pending"]:
        return ""
    reasons = reason_counts(store, run.id)
    per_chunk = max(int(run.config.get("per_chunk", 1) or 1), 1)
    empty = -(-reasons.get("no_fact", 0) // per_chunk)  # the template gives up on a whole chunk at once
    return explain_run(reasons, chunks=-(-run.total // per_chunk), teacher=run.teacher, empty_chunks=empty)


def generate_overview(store: Store, workspace: Workspace, run_id: str | None = None) -> GenerateOverview:
    """Everything the Generate tab shows; finds dead jobs first so a crashed run shows as interrupted."""
    reconcile_jobs(store, workspace)
    runs = list_runs(store)
    chosen = run_id if run_id and any(r.id == run_id for r in runs) else (runs[0].id if runs else None)
    status = run_status(store, chosen) if chosen else None
    if status is not None and not status.is_active:
        if status.counts["kept"]:
            status = replace(status, substance=cached_run_substance(store, workspace, status.run.id))
        else:
            status = replace(status, explanation=nothing_kept_explanation(store, status.run))
    return GenerateOverview(source_documents(store), runs, status)


@dataclass(frozen=True)
class Selection:
    """What a choice of documents/chunks would generate, for the plan line above the Generate button."""

    available: list[Chunk]  # the chunks of the chosen documents that can be picked one by one
    names: dict[str, str]  # document id -> name, for labelling the chunks
    chunks: int  # chunks the run would write about
    conversations: int
    problem: str | None = None  # why nothing would be generated, in words a teacher can act on


def describe_selection(
    store: Store, document_ids: list[str], chunk_ids: list[str], per_chunk: int
) -> Selection:
    available = list_chunks(store, document_ids=document_ids, include_excluded=False) if document_ids else []
    names = {d.id: d.name for d in list_documents(store)}
    try:
        config = SynthConfig(
            document_ids=tuple(document_ids), chunk_ids=tuple(chunk_ids), per_chunk=per_chunk
        )
        chosen = select_chunks(store, config) if document_ids or chunk_ids else []
    except SynthError as exc:
        return Selection(available, names, 0, 0, str(exc))
    if not chosen:
        return Selection(available, names, 0, 0, "Pick at least one document (or chunk) to write about.")
    return Selection(available, names, len(chosen), len(chosen) * per_chunk)
