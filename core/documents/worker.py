"""The conversion job: Docling conversion, chunking, and saving the result, for one document.

    submitted by core/documents/ingest.py as target "core.documents.worker:convert_document_job"
    report = process_document(store, workspace, "doc_1a2b3c4d5e", chunk_tokens=350)   # in-process

The job function is a warm worker: after one document, the same process takes the next queued
conversion, so Docling's import and converter set-up (seconds) are paid once per batch. Any failure
leaves the document with status 'error' and a message a person can act on; nothing earlier is lost
(chunks are replaced in one transaction, only after everything else succeeded). Re-chunking converts
the stored original again: conversions are fast, and no second copy of every document is kept.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from core.documents.chunking import DEFAULT_CHUNK_TOKENS, ChunkDraft, chunk_document
from core.documents.converter import Conversion, ConversionFailed, convert_file, get_converter, time_limit
from core.documents.limits import DocumentLimits, DocumentRejected, check_characters
from core.documents.records import (
    Document,
    get_document,
    insert_chunks,
    original_path,
    retire_chunks,
    update_document,
)
from core.documents.tokens import TextTokenCounter, text_token_counter
from core.jobs.runner import JobContext, JobStopped, warm_worker
from core.paths import Workspace, write_atomic
from core.store import Store

log = logging.getLogger(__name__)

Progress = Callable[[float, float | None, str], None]
QUIET_FOR_S = 0.5
MARKDOWN_NAME = "document.md"
# Docling writes "the **denominator** , 4": inline runs are joined with spaces, even before punctuation.
EMPHASIS_BEFORE_PUNCTUATION = re.compile(r"(\*\*|\*|__|_)[ \t]+(?=[,.;:!?)\]])")


@dataclass(frozen=True)
class ConversionReport:
    document_id: str
    pipeline: str
    pages: int | None
    chunks: int
    tokenizer: str
    warning: str | None
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class QuietProgress:
    """Forwards progress only once a conversion has run for a while.

    Most documents convert in tens of milliseconds; reporting their progress would cost more store
    writes (each an fsync) than the conversion itself, and nobody could watch it. A slow document
    (a long PDF) reports every step and ends at 100%."""

    def __init__(self, progress: Progress | None, after_s: float = QUIET_FOR_S) -> None:
        self.progress = progress
        self.started = time.monotonic()
        self.after_s = after_s
        self.reported = False

    def __call__(self, done: float, total: float | None, message: str) -> None:
        """`total=None` marks a step of unknown length (a model download): always shown."""
        slow = time.monotonic() - self.started >= self.after_s
        if self.progress is not None and (self.reported or slow or total is None):
            self.reported = True
            self.progress(done, total, message)

    def finish(self, total: float, message: str) -> None:
        if self.progress is not None and self.reported:
            self.progress(total, total, message)


@warm_worker
def convert_document_job(ctx: JobContext) -> dict[str, Any]:
    """Job target: params {document_id, chunk_tokens, timeout_s, mode: "convert" | "rechunk"}."""
    params = ctx.params
    report = process_document(
        ctx.store,
        ctx.workspace,
        params["document_id"],
        chunk_tokens=int(params.get("chunk_tokens") or DEFAULT_CHUNK_TOKENS),
        timeout_s=params.get("timeout_s", DocumentLimits().timeout_s),
        rechunk=params.get("mode") == "rechunk",
        progress=ctx.progress,
        check_stop=ctx.raise_if_stopped,
    )
    return report.as_dict()


def process_document(
    store: Store,
    workspace: Workspace,
    document_id: str,
    *,
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS,
    timeout_s: float | None = None,
    rechunk: bool = False,
    progress: Progress | None = None,
    check_stop: Callable[[], None] | None = None,
    limits: DocumentLimits | None = None,
) -> ConversionReport:
    """Convert a stored document (again, for a re-chunk) and save its markdown and chunks.

    `timeout_s` bounds conversion and chunking together; the text and chunk budgets of `limits` are
    checked as soon as the converted text is known, before any chunk is stored."""
    started = time.monotonic()
    document = get_document(store, document_id)
    if document is None:
        raise KeyError(f"No document with id {document_id!r}.")
    report = QuietProgress(progress)
    steps = (document.pages or 1) + 1
    # No 'converting' write here: the running job already says so, and every commit costs an fsync.
    limits = replace(limits or DocumentLimits(), timeout_s=timeout_s or 0)

    def stage_progress(done: float, total: float | None, message: str) -> None:
        report(done, None if total is None else steps, message)

    try:
        # Docling and the tokenizer load before the clock starts: the limit is this document's, and an
        # alarm landing inside a first import left a half-imported library behind (every later HTML
        # conversion in the process then failed with "module 'bs4' has no attribute 'Tag'").
        get_converter(stage_progress)
        counter = text_token_counter(store, workspace)
        # One limit for reading and cutting: a huge document used to pass the limit in its conversion
        # and then spend minutes more in chunking while every other upload waited.
        with time_limit(limits.timeout_s, document.name):
            conversion = convert_file(
                original_path(workspace, document),
                document.file_type,  # type: ignore[arg-type]
                document.name,
                progress=stage_progress,
            )
            if check_stop:
                check_stop()
            check_characters(document.name, text_characters(conversion.document), limits)
            report(steps - 1, steps, "Splitting into chunks")
            drafts = chunk_document(
                conversion.document, counter, chunk_tokens, max_chunks=limits.max_chunks, name=document.name
            )
        if not drafts:
            raise DocumentRejected(_no_text_message(document, conversion))
        markdown_rel = _write_markdown(workspace, document, conversion)
        _save(store, document, conversion, drafts, counter, chunk_tokens, markdown_rel)
    except BaseException as exc:
        _record_failure(store, document, exc, rechunk)
        raise
    report.finish(steps, f"Done: {len(drafts)} chunks")
    return ConversionReport(
        document_id=document_id,
        pipeline=conversion.pipeline,
        pages=conversion.pages,
        chunks=len(drafts),
        tokenizer=counter.name,
        warning=conversion.warning,
        seconds=round(time.monotonic() - started, 3),
    )


def text_characters(document: Any) -> int:
    """How much text a converted document holds (what the character budget counts)."""
    return sum(len(getattr(item, "text", "") or "") for item in getattr(document, "texts", []))


def _no_text_message(document: Document, conversion: Conversion) -> str:
    hint = (
        " It may be a scanned PDF (pictures of pages): the studio reads the text layer only, without OCR. "
        "Use a PDF with selectable text, or run it through OCR first."
        if document.file_type == "pdf"
        else " Check that the file holds text rather than only pictures."
    )
    return f"{document.name}: no readable text was found in it.{hint}"


def _write_markdown(workspace: Workspace, document: Document, conversion: Conversion) -> str:
    path = workspace.document_dir(document.id) / MARKDOWN_NAME
    markdown = conversion.document.export_to_markdown(image_placeholder="")
    write_atomic(path, EMPHASIS_BEFORE_PUNCTUATION.sub(r"\1", markdown))
    return str(path.relative_to(workspace.root))


def _save(
    store: Store,
    document: Document,
    conversion: Conversion,
    drafts: list[ChunkDraft],
    counter: TextTokenCounter,
    chunk_tokens: int,
    markdown_rel: str,
) -> None:
    """Replace the document's chunks and record the conversion, all in one transaction."""
    with store.transaction() as conn:
        active = [
            row["id"]
            for row in conn.execute(
                "SELECT id FROM chunks WHERE document_id = ? AND retired_at IS NULL", (document.id,)
            )
        ]
        retire_chunks(conn, active)
        insert_chunks(conn, document.id, [draft.as_row() for draft in drafts])
        update_document(
            conn,
            document.id,
            status="ready",
            error=None,
            markdown_path=markdown_rel,
            pages=conversion.pages,
            pipeline=conversion.pipeline,
            warning=conversion.warning,
            chunk_tokens=chunk_tokens,
            tokenizer=counter.name,
        )


def _record_failure(store: Store, document: Document, exc: BaseException, rechunk: bool) -> None:
    if rechunk:  # the document keeps its chunks; the failed job says what went wrong
        return
    if isinstance(exc, JobStopped):
        message = f"{document.name}: the conversion was cancelled. Upload the file again to convert it."
    elif isinstance(exc, ConversionFailed | DocumentRejected):
        message = str(exc)
    else:
        log.exception("converting %s failed", document.id)
        message = (
            f"Converting {document.name} failed unexpectedly ({type(exc).__name__}: {exc}). The job's log has the "
            "details; upload the file again to retry."
        )
    _set_fields(store, document.id, status="error", error=message)


def _set_fields(store: Store, document_id: str, **fields: Any) -> None:
    with store.transaction() as conn:
        update_document(conn, document_id, **fields)
