"""Start and follow a hosted fine-tuning job for an OpenAI export (inside the export's studio job).

    result = run_hosted(store, export_id, hosted, folder, files, reporter)   # reporter: a JobContext
    result["status"], result["fine_tuned_model"]

The export row keeps the remote job's id and latest status, so the Deploy tab shows it and `hosted_refresh`
can read it again later. Cancelling the studio job cancels the hosted job too; stopping it only stops
following (the hosted job goes on, and its status can be refreshed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from core.deploy.export_openai import (
    FINISHED,
    HostedConfig,
    cancel_hosted_job,
    follow_hosted_job,
    hosted_status,
    start_hosted_job,
)
from core.deploy.records import get_export, update_export_summary
from core.deploy.subject import ExportError
from core.store import Store


class Reporter(Protocol):
    @property
    def stop_mode(self) -> str | None: ...

    def progress(self, done: float, total: float | None = None, message: str = "") -> None: ...

    def should_stop(self) -> bool: ...


def describe(job: dict[str, Any]) -> str:
    status = str(job.get("status", "unknown"))
    model = f" · model {job['fine_tuned_model']}" if job.get("fine_tuned_model") else ""
    error = job.get("error") or {}
    why = f" · {error.get('message')}" if isinstance(error, dict) and error.get("message") else ""
    return f"Hosted job {job.get('id')}: {status.replace('_', ' ')}{model}{why}"


def run_hosted(
    store: Store,
    export_id: str,
    hosted: HostedConfig,
    folder: Path,
    files: dict[str, str],
    reporter: Reporter,
) -> dict[str, Any]:
    hosted = hosted.checked()
    reporter.progress(0, None, f"Uploading {files['training_file']} to {hosted.api_base}")
    job = start_hosted_job(hosted, folder, files)
    keep = {"hosted": {**hosted.to_dict(), "job_id": job["id"], "uploaded": job.get("uploaded", {})}}
    update_export_summary(store, export_id, keep | {"hosted_status": job.get("status")})

    def on_status(current: dict[str, Any]) -> None:
        update_export_summary(
            store,
            export_id,
            {"hosted_status": current.get("status"), "fine_tuned_model": current.get("fine_tuned_model")},
        )
        reporter.progress(0, None, describe(current))

    final = follow_hosted_job(hosted, job["id"], on_status, reporter.should_stop)
    if final.get("status") not in FINISHED and reporter.stop_mode == "cancel":
        final = cancel_hosted_job(hosted, job["id"])
        on_status(final)
    return {
        "job_id": job["id"],
        "status": final.get("status"),
        "fine_tuned_model": final.get("fine_tuned_model"),
        "message": describe(final),
    }


def hosted_refresh(store: Store, export_id: str) -> dict[str, Any]:
    """Read a hosted job's status again (after the studio stopped following it)."""
    export = get_export(store, export_id)
    info = (export.summary.get("hosted") if export else None) or {}
    if not info.get("job_id"):
        raise ExportError(f"Export {export_id} started no hosted job.")
    fields = {k: info[k] for k in ("api_base", "api_key_env", "model", "suffix") if k in info}
    job = hosted_status(HostedConfig(**fields).checked(), info["job_id"])
    update_export_summary(
        store,
        export_id,
        {"hosted_status": job.get("status"), "fine_tuned_model": job.get("fine_tuned_model")},
    )
    return job | {"message": describe(job)}
