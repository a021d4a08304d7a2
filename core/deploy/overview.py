"""What the Deploy tab shows: the adapters to ship with their lineage, and the exports and parity checks in
flight or done. Reads the store and small files; loads no model.

    overview = deploy_overview(store, workspace, export_job="job_1a", parity_job="job_2b")
    overview.adapters, overview.exports, overview.checks
    overview.export      # the watched export job, and its record once finished
    overview.parity      # the watched parity check, and its report once finished
    status = deploy_job_status(store, workspace, "job_1a").to_dict()   # the `deploy_job` API's answer
    summary = adapter_summary(store, adapter_id)    # method, parents, datasets, Evaluate's verdict
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from core.deploy.parity import ParityReport
from core.deploy.parity_run import read_parity_report
from core.deploy.records import (
    ExportRecord,
    ParityRecord,
    export_for_job,
    list_exports,
    list_parity_checks,
    parity_for_job,
)
from core.deploy.subject import PREFERENCE_METHODS
from core.jobs import Job, find_job, reconcile_jobs
from core.paths import Workspace
from core.store import Store
from core.train.card import CardError, read_card
from core.train.records import Adapter, get_adapter, list_adapters

MAIN_FILES = {"vllm": "serve.sh", "ollama": "Modelfile", "merged": "README.md"}
NOTHING_TO_DEPLOY = (
    "Nothing to deploy yet: train an adapter in the Train tab (and check it in Evaluate). "
    "It appears here to export for vLLM, Ollama, a merged model or hosted fine-tuning."
)


@dataclass(frozen=True)
class AdapterSummary:
    adapter: Adapter
    parent_id: str | None
    sft_dataset: str | None
    preference_dataset: str | None
    verdict: str | None  # Evaluate's ship / hold, once evaluated
    card_path: str | None

    @property
    def is_preference(self) -> bool:
        return self.adapter.method in PREFERENCE_METHODS


class HostedOutcome(BaseModel):
    """The hosted fine-tuning job an OpenAI export started and followed (the export job's `hosted`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    job_id: str | None = None
    status: str | None = None
    fine_tuned_model: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class WatchedExport:
    job: Job
    record: ExportRecord | None
    hosted: HostedOutcome | None = None  # once an OpenAI export with a hosted job has finished
    main_file: str = ""  # the export's main file (serve.sh, Modelfile, README.md) and its text
    main_text: str = ""


@dataclass(frozen=True)
class WatchedParity:
    job: Job
    record: ParityRecord | None
    report: ParityReport | None


class DeployJobExport(BaseModel):
    id: str
    adapter: str
    target: str
    folder: str  # not "path": API clients take such a dict for a file
    zip: str | None
    summary: dict[str, Any]


class DeployJobParity(BaseModel):
    verdict: str
    agreement: float | None
    message: str
    causes: dict[str, int]
    prompts: int


class DeployJobStatus(BaseModel):
    """An export's or a parity check's state, as the `deploy_job` API answers it (`to_dict()`)."""

    job: str
    kind: str
    state: str
    message: str | None
    error: str | None
    export: DeployJobExport | None = None
    parity: DeployJobParity | None = None

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(
            mode="json", exclude={k for k in ("export", "parity") if getattr(self, k) is None}
        )


@dataclass(frozen=True)
class DeployOverview:
    adapters: list[Adapter]
    exports: list[ExportRecord]
    checks: list[ParityRecord]
    export: WatchedExport | None
    parity: WatchedParity | None

    @property
    def empty(self) -> bool:
        return not self.adapters


def adapter_summary(store: Store, adapter_id: str) -> AdapterSummary | None:
    adapter = get_adapter(store, adapter_id)
    if adapter is None:
        return None
    row = store.query_one("SELECT parent_adapter_id, dataset_id FROM runs WHERE id = ?", (adapter.run_id,))
    preference = adapter.method in PREFERENCE_METHODS
    verdict = None
    if adapter.card_path:
        try:
            evaluation = read_card(Path(adapter.card_path).parent).get("evaluation") or {}
            verdict = evaluation.get("verdict")
        except CardError:
            verdict = None
    return AdapterSummary(
        adapter=adapter,
        parent_id=row["parent_adapter_id"] if row and preference else None,
        sft_dataset=adapter.dataset_id,
        preference_dataset=row["dataset_id"] if row and preference else None,
        verdict=str(verdict) if verdict else None,
        card_path=adapter.card_path,
    )


def deploy_overview(
    store: Store, workspace: Workspace, export_job: str | None = None, parity_job: str | None = None
) -> DeployOverview:
    reconcile_jobs(store, workspace)
    return DeployOverview(
        adapters=list_adapters(store),
        exports=list_exports(store, limit=20),
        checks=list_parity_checks(store, limit=20),
        export=_watched_export(store, export_job),
        parity=_watched_parity(store, parity_job),
    )


def _watched_export(store: Store, job_id: str | None) -> WatchedExport | None:
    job = find_job(store, job_id)
    if job is None:
        return None
    record = export_for_job(store, job.id)
    hosted = (job.result or {}).get("hosted")
    name, text = main_file(record) if record else ("", "")
    outcome = HostedOutcome.model_validate(hosted) if hosted else None
    return WatchedExport(job, record, outcome, name, text)


def main_file(record: ExportRecord) -> tuple[str, str]:
    """The export's main file (what a user runs or reads first) and its text ("" when it is not there)."""
    name = MAIN_FILES.get(record.target, "README.md")
    path = Path(record.path) / name
    return name, path.read_text(encoding="utf-8") if path.is_file() else ""


def _watched_parity(store: Store, job_id: str | None) -> WatchedParity | None:
    job = find_job(store, job_id)
    if job is None:
        return None
    record = parity_for_job(store, job.id)
    report = None
    if record is not None and record.report_path and Path(record.report_path).is_file():
        report = read_parity_report(record.report_path)
    return WatchedParity(job, record, report)


def deploy_job_status(store: Store, workspace: Workspace, job_id: str) -> DeployJobStatus:
    """An export's or a parity check's state; once finished, its record (or report summary).

    Paths are relative to the workspace: an API answer names where things are, it does not serve them."""
    job = find_job(store, job_id)
    if job is None:
        raise KeyError(f"No job {job_id!r} in this workspace.")
    status = DeployJobStatus(job=job.id, kind=job.kind, state=job.state, message=job.message, error=job.error)
    export = export_for_job(store, job.id) if job.kind == "export" else None
    if export is not None:
        folder = _relative(workspace, export.path)
        zip_path = _relative(workspace, export.zip_path) if export.zip_path else None
        status.export = DeployJobExport(
            id=export.id,
            adapter=export.adapter_id,
            target=export.target,
            folder=folder,
            zip=zip_path,
            summary=export.summary,
        )
    parity = _watched_parity(store, job.id) if job.kind == "parity" else None
    if parity is not None and parity.report is not None:
        report = parity.report
        status.parity = DeployJobParity(
            verdict=report.verdict,
            agreement=report.agreement,
            message=report.message,
            causes=report.causes,
            prompts=len(report.rows),
        )
    return status


def _relative(workspace: Workspace, path: str) -> str:
    try:
        return Path(path).relative_to(workspace.root).as_posix()
    except ValueError:
        return path
