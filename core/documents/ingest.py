"""Take files in: check them, keep the original, and start one conversion job per new document.

    outcomes = ingest_files(store, workspace, [Path("lesson.pdf"), (Path("/tmp/x1"), "notes.docx")])
    outcomes[0].status      # "queued" (a job converts it), "exists" (same content seen before) or "error"
    load_demo_course(store, workspace)           # the shipped lessons; idempotent (content-hash dedup)

Every check in core/documents/limits.py runs here, before a job is submitted, so a bad file gets its
message at once and the other files go on. Conversion jobs (kind "documents.convert") share the
resource "documents": two run at a time (core.jobs.RESOURCE_SLOTS), each lane a warm process
(core/documents/worker.py), so one huge file never holds up the small files of the same upload.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from core.documents.chunking import DEFAULT_CHUNK_TOKENS, check_chunk_tokens
from core.documents.formats import EXTENSIONS
from core.documents.limits import CheckedFile, DocumentLimits, DocumentRejected, check_file
from core.documents.records import (
    Document,
    find_document_by_hash,
    get_document,
    insert_document,
    original_path,
    set_document_deleted,
    update_document,
)
from core.jobs import Job, find_job, submit_job
from core.paths import Workspace, write_atomic
from core.store import Store, new_id, now

JOB_KIND = "documents.convert"
JOB_RESOURCE = "documents"
CONVERT_TARGET = "core.documents.worker:convert_document_job"
CHUNK_TOKENS_SETTING = "documents.chunk_tokens"
DEMO_COURSE_DIR = Path(__file__).resolve().parents[2] / "assets" / "demo_course"

IngestStatus = Literal["queued", "exists", "error"]
ConversionMode = Literal["convert", "rechunk"]
FileArgument = Path | str | tuple[Path | str, str]


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one file: a job converts it, it was already there, or it was refused (why)."""

    file: str
    status: IngestStatus
    message: str
    document_id: str | None = None
    job_id: str | None = None


def chunk_tokens_setting(store: Store) -> int:
    """The workspace's target chunk size in tokens (default 350)."""
    value = store.get_setting(CHUNK_TOKENS_SETTING)
    return int(value) if isinstance(value, int | float) else DEFAULT_CHUNK_TOKENS


def save_chunk_tokens(store: Store, value: int) -> int:
    """Store the target chunk size used for the next conversions; ValueError names the allowed range."""
    checked = check_chunk_tokens(value)
    store.set_setting(CHUNK_TOKENS_SETTING, checked)
    return checked


def ingest_files(
    store: Store,
    workspace: Workspace,
    files: Sequence[FileArgument],
    *,
    chunk_tokens: int | None = None,
    limits: DocumentLimits | None = None,
) -> list[IngestOutcome]:
    """Check each file and submit a conversion for each new one; a bad file never stops the others."""
    tokens = check_chunk_tokens(chunk_tokens) if chunk_tokens else chunk_tokens_setting(store)
    outcomes = []
    for item in files:
        path, name = (Path(item[0]), item[1]) if isinstance(item, tuple) else (Path(item), Path(item).name)
        outcomes.append(ingest_file(store, workspace, path, name, chunk_tokens=tokens, limits=limits))
    return outcomes


def demo_course_files() -> list[Path]:
    """The shipped demo lessons (one per supported format), in lesson order."""
    return sorted(p for p in DEMO_COURSE_DIR.iterdir() if p.suffix.lower() in EXTENSIONS and p.is_file())


def load_demo_course(store: Store, workspace: Workspace) -> list[IngestOutcome]:
    """Ingest the demo course; lessons already in the workspace come back as "exists"."""
    return ingest_files(store, workspace, demo_course_files())


def ingest_file(
    store: Store,
    workspace: Workspace,
    path: Path,
    name: str,
    *,
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS,
    limits: DocumentLimits | None = None,
) -> IngestOutcome:
    limits = limits or DocumentLimits()
    try:
        checked = check_file(path, name, limits)
    except DocumentRejected as exc:
        return IngestOutcome(name, "error", str(exc))
    except OSError as exc:
        return IngestOutcome(
            name, "error", f"{name} could not be read ({exc.strerror or exc}). Upload it again."
        )
    existing = find_document_by_hash(store, checked.sha256)
    if existing is not None:
        return _known_content(store, workspace, existing, path, name, chunk_tokens, limits)
    try:
        document_id = add_document(store, workspace, path, name, checked, chunk_tokens)
    except sqlite3.IntegrityError:  # the same content arrived at the same moment from elsewhere
        return _known_content(store, workspace, _by_hash(store, checked), path, name, chunk_tokens, limits)
    job_id = submit_conversion(store, workspace, document_id, name, chunk_tokens=chunk_tokens, limits=limits)
    return IngestOutcome(name, "queued", f"{name}: added; converting it now.", document_id, job_id)


def add_document(
    store: Store, workspace: Workspace, path: Path, name: str, checked: CheckedFile, chunk_tokens: int
) -> str:
    """Keep a copy of the checked file and record its document row (not converted yet); its id.

    Raises sqlite3.IntegrityError, leaving nothing behind, when a document with that content exists."""
    document_id = new_id("doc")
    stored = workspace.document_dir(document_id) / f"original{Path(name).suffix.lower()}"
    write_atomic(stored, path.read_bytes())
    try:
        with store.transaction() as conn:
            insert_document(
                conn,
                name=name,
                file_type=checked.kind,
                sha256=checked.sha256,
                size_bytes=checked.size_bytes,
                source_path=str(stored.relative_to(workspace.root)),
                document_id=document_id,
            )
            update_document(conn, document_id, pages=checked.pages, chunk_tokens=chunk_tokens)
    except sqlite3.IntegrityError:
        shutil.rmtree(stored.parent, ignore_errors=True)
        raise
    return document_id


def _by_hash(store: Store, checked: CheckedFile) -> Document:
    found = find_document_by_hash(store, checked.sha256)
    if found is None:
        raise RuntimeError("A document row vanished while it was being added; try the upload again.")
    return found


def _known_content(
    store: Store,
    workspace: Workspace,
    existing: Document,
    path: Path,
    name: str,
    chunk_tokens: int,
    limits: DocumentLimits,
) -> IngestOutcome:
    """Same content as a document already here: report it, restore it, or retry a failed conversion."""
    same = f"same content as “{existing.name}”"
    existing = settle_ended_conversion(store, existing)
    if existing.status == "error" and not existing.is_deleted:
        stored = original_path(workspace, existing)
        if not stored.is_file():
            write_atomic(stored, path.read_bytes())
        with store.transaction() as conn:
            update_document(conn, existing.id, status="queued", error=None, chunk_tokens=chunk_tokens)
        job_id = submit_conversion(
            store, workspace, existing.id, name, chunk_tokens=chunk_tokens, limits=limits
        )
        last = "was cancelled" if "cancelled" in (existing.error or "") else "failed"
        message = f"{name}: converting it again ({same}; the last attempt {last})."
        return IngestOutcome(name, "queued", message, existing.id, job_id)
    if existing.is_deleted:
        set_document_deleted(store, existing.id, deleted=False)
        message = f"{name} was in the deleted documents ({same}); it has been restored, not converted again."
        return IngestOutcome(name, "exists", message, existing.id, existing.job_id)
    if existing.status in ("queued", "converting"):
        # Another upload of the same content is converting it right now: wait on that job.
        message = f"{name}: {same} is being converted right now; it is not converted twice."
        return IngestOutcome(name, "exists", message, existing.id, existing.job_id)
    message = f"{name} already exists ({same}), so it was not converted again."
    return IngestOutcome(name, "exists", message, existing.id, existing.job_id)


def settle_ended_conversion(store: Store, document: Document) -> Document:
    """A document still 'queued' or 'converting' whose job has ended (cancelled, failed, killed) is
    marked as an error now, with the reason, instead of waiting for the next reconcile."""
    if document.status not in ("queued", "converting"):
        return document
    job = find_job(store, document.job_id)
    if job is None or job.is_active or job.state == "succeeded":
        return document
    message = ended_conversion_message(document.name, job)
    if fail_unfinished(store, document.id, message):
        return replace(document, status="error", error=message)
    return get_document(store, document.id) or document


def fail_unfinished(store: Store, document_id: str, message: str) -> bool:
    """Mark a document as failed only if it is still unfinished (a compare-and-set: a conversion that
    saved its chunks in the meantime is never overwritten). True when it was marked."""
    with store.transaction() as conn:
        cursor = conn.execute(
            "UPDATE documents SET status = 'error', error = ?, updated_at = ? "
            "WHERE id = ? AND status IN ('queued', 'converting')",
            (message, now(), document_id),
        )
        return cursor.rowcount == 1


def ended_conversion_message(name: str, job: Job) -> str:
    if job.state in ("cancelled", "stopped"):
        return f"{name}: the conversion was cancelled. Upload the file again to convert it."
    reason = job.error or job.message or job.state
    return f"{name}: the conversion stopped before it finished ({reason}). Upload the file again to retry."


def submit_conversion(
    store: Store,
    workspace: Workspace,
    document_id: str,
    name: str,
    *,
    chunk_tokens: int,
    limits: DocumentLimits | None = None,
    mode: ConversionMode = "convert",
) -> str:
    """Queue the conversion (or re-chunking) job of a stored document and link it to the document."""
    limits = limits or DocumentLimits()
    verb = "Convert" if mode == "convert" else "Re-chunk"
    job = submit_job(
        store,
        workspace,
        kind=JOB_KIND,
        title=f"{verb} {name}",
        target=CONVERT_TARGET,
        params={
            "document_id": document_id,
            "chunk_tokens": chunk_tokens,
            "timeout_s": limits.timeout_s,
            "mode": mode,
        },
        resource=JOB_RESOURCE,
    )
    with store.transaction() as conn:
        update_document(conn, document_id, job_id=job.id)
    return job.id


def rechunk_document(
    store: Store, workspace: Workspace, document_id: str, chunk_tokens: int
) -> IngestOutcome:
    """Cut a converted document into chunks again at a new size (manual chunk edits are replaced)."""
    document = get_document(store, document_id)
    if document is None:
        raise KeyError(f"No document with id {document_id!r}.")
    if document.status != "ready":
        raise ValueError(
            f"{document.name} is not converted yet ({document.status}); wait for it, then re-chunk."
        )
    tokens = check_chunk_tokens(chunk_tokens)
    job_id = submit_conversion(
        store, workspace, document_id, document.name, chunk_tokens=tokens, mode="rechunk"
    )
    message = f"{document.name}: cutting it into chunks of about {tokens} tokens."
    return IngestOutcome(document.name, "queued", message, document_id, job_id)
