"""What the Documents tab and `tutor-studio ingest` show: documents with their chunk counts and the
progress of their conversion, and one document's markdown beside its chunks.

    views = documents_overview(store, workspace)             # reconciles dead conversions first
    detail = document_detail(store, workspace, views[0].document.id)
    detail.markdown, detail.chunks
"""

from __future__ import annotations

from dataclasses import dataclass

from core.documents.ingest import JOB_KIND, ended_conversion_message, fail_unfinished
from core.documents.records import (
    Chunk,
    Document,
    chunk_counts,
    get_document,
    list_chunks,
    list_documents,
    markdown_file,
)
from core.jobs import Job, find_job, job_from_row, queue_position, reconcile_jobs
from core.paths import Workspace
from core.store import Store, now

MAX_PREVIEW_CHARS = 200_000
# A queued document without a job after this long lost its submission (the process died in between).
ORPHAN_AFTER_S = 120.0


@dataclass(frozen=True)
class DocumentView:
    """A document as its row in the table shows it."""

    document: Document
    chunks: int
    excluded_chunks: int
    job: Job | None
    queue_position: int | None

    @property
    def is_busy(self) -> bool:
        """A conversion or re-chunking job of this document is queued or running."""
        return self.job is not None and self.job.is_active

    @property
    def activity(self) -> str:
        """ "Waiting (2nd in line)", "Converting · 40% · Reading page 2 of 5", or "" when idle."""
        job = self.job
        if job is None or not job.is_active:
            return ""
        if job.state == "queued":
            return f"Waiting ({self.queue_position or 1} in line)"
        verb = "Re-chunking" if job.title.startswith("Re-chunk") else "Converting"
        parts = [verb]
        if job.fraction is not None:
            parts.append(f"{job.fraction:.0%}")
        if job.message:
            parts.append(job.message)
        return " · ".join(parts)


@dataclass(frozen=True)
class DocumentDetail:
    document: Document
    markdown: str
    chunks: list[Chunk]
    truncated: bool = False


def documents_overview(
    store: Store, workspace: Workspace, *, include_deleted: bool = False
) -> list[DocumentView]:
    """Every document (oldest first) with chunk counts and the progress of its running conversion."""
    reconcile_documents(store, workspace)
    counts = chunk_counts(store)
    active = active_conversions(store)  # one query, however many documents there are
    views = []
    for document in list_documents(store, include_deleted=include_deleted):
        job = active.get(document.job_id or "")
        total, excluded = counts.get(document.id, (0, 0))
        position = queue_position(store, job) if job is not None else None
        views.append(DocumentView(document, total, excluded, job, position))
    return views


def active_conversions(store: Store) -> dict[str, Job]:
    """Queued and running conversion (and re-chunking) jobs, by id."""
    rows = store.query(
        "SELECT * FROM jobs WHERE kind = ? AND state IN ('queued', 'starting', 'running')", (JOB_KIND,)
    )
    return {row["id"]: job_from_row(row) for row in rows}


def reconcile_documents(store: Store, workspace: Workspace) -> list[str]:
    """Mark documents whose conversion ended without saving (crashed, killed, cancelled) as errors."""
    reconcile_jobs(store, workspace)
    failed = []
    for document in list_documents(store, include_deleted=True):
        if document.status not in ("queued", "converting"):
            continue
        job = find_job(store, document.job_id)
        if job is None and now() - document.created_at < ORPHAN_AFTER_S:
            continue
        if job is not None and (job.is_active or job.state == "succeeded"):
            continue
        if job is None:
            message = (
                f"{document.name}: the conversion stopped before it finished (it was never started). "
                "Upload the file again to retry."
            )
        else:
            message = ended_conversion_message(document.name, job)
        if fail_unfinished(store, document.id, message):
            failed.append(document.id)
    return failed


def document_detail(store: Store, workspace: Workspace, document_id: str) -> DocumentDetail:
    """One document (deleted ones too) with its markdown and its current chunks in reading order."""
    document = get_document(store, document_id)
    if document is None:
        raise KeyError(f"No document with id {document_id!r}; it may have been removed. Pick another one.")
    text = markdown_text(workspace, document)
    chunks = list_chunks(store, document_ids=[document_id], include_deleted_documents=True)
    return DocumentDetail(document, text[:MAX_PREVIEW_CHARS], chunks, truncated=len(text) > MAX_PREVIEW_CHARS)


def markdown_text(workspace: Workspace, document: Document) -> str:
    """The converted markdown of a document ("" before its conversion finished)."""
    path = markdown_file(workspace, document)
    if path is None or not path.is_file():
        return ""
    return path.read_text(encoding="utf-8", errors="replace")
