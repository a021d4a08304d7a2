"""`tutor-studio ingest FILE... [--demo] [--chunk-tokens N] [--json]`: documents in, markdown and chunks out.

    tutor-studio ingest notes/*.pdf slides.pptx --json
    tutor-studio ingest --demo                      # the shipped demo course

Each file is checked (size, pages, type, encryption, zip bombs), then converted by a background job;
the command waits for them and prints one entry per file:
    {"documents": [{"file": NAME, "id": ID, "status": "ok"|"exists"|"error", "pipeline": NAME,
                    "pages": N, "chunks": N, "error": MESSAGE}]}
It exits 1 when any file failed, after the others have been ingested.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from core.commands import CliContext, CliError, CommandResult, add_command
from core.documents.chunking import MAX_CHUNK_TOKENS, MIN_CHUNK_TOKENS
from core.documents.ingest import IngestOutcome, demo_course_files, ingest_files
from core.documents.overview import reconcile_documents
from core.documents.records import chunk_counts, get_document
from core.jobs import Job, get_job

POLL_S = 0.2
RECONCILE_EVERY_S = 2.0


class IngestEntry(BaseModel):
    """One file's line in `ingest --json`: the document it became, or why it did not."""

    file: str
    id: str | None
    status: Literal["ok", "exists", "error"] = "error"
    pipeline: str | None = None
    pages: int | None = None
    chunks: int = 0
    error: str | None = None


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "ingest",
        run,
        "Convert course documents (PDF, DOCX, PPTX, XLSX, HTML, Markdown, text) into markdown and chunks.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="Documents to add to the workspace.")
    parser.add_argument("--demo", action="store_true", help="Add the demo course that ships with the studio.")
    parser.add_argument(
        "--chunk-tokens",
        type=int,
        metavar="N",
        help=f"Target chunk size in tokens ({MIN_CHUNK_TOKENS}-{MAX_CHUNK_TOKENS}; default: the workspace setting, 350).",
    )


def run(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    paths = [Path(f) for f in args.files] + (demo_course_files() if args.demo else [])
    if not paths:
        raise CliError(
            "Name the files to ingest (tutor-studio ingest lesson.pdf ...), or pass --demo.", exit_code=2
        )
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise CliError(f"No such file: {', '.join(missing)}. Check the path and try again.", exit_code=2)
    try:
        outcomes = ingest_files(ctx.store, ctx.workspace, paths, chunk_tokens=args.chunk_tokens)
    except ValueError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    for outcome in outcomes:
        ctx.report(outcome.message)
    wait_for_conversions(ctx, outcomes)
    entries = [summarize(ctx, outcome) for outcome in outcomes]
    failed = [entry for entry in entries if entry.status == "error"]
    data = {"documents": [entry.model_dump(mode="json") for entry in entries]}
    return CommandResult(data, summary_text(entries), exit_code=1 if failed else 0)


def wait_for_conversions(ctx: CliContext, outcomes: list[IngestOutcome]) -> None:
    """Wait for every submitted job, reporting each change of its progress message on stderr."""
    # "exists" too: the same content uploaded a moment earlier may still be converting; wait for it.
    pending = {o.job_id: o.file for o in outcomes if o.status in ("queued", "exists") and o.job_id}
    last_message: dict[str, str] = {}
    last_reconcile = time.monotonic()
    while pending:
        for job_id, name in list(pending.items()):
            job = get_job(ctx.store, job_id)
            line = progress_line(name, job)
            if line and last_message.get(job_id) != line:
                ctx.report(line)
                last_message[job_id] = line
            if not job.is_active:
                del pending[job_id]
        if pending:
            if time.monotonic() - last_reconcile > RECONCILE_EVERY_S:
                reconcile_documents(ctx.store, ctx.workspace)  # a crashed worker must not hang the command
                last_reconcile = time.monotonic()
            time.sleep(POLL_S)


def progress_line(name: str, job: Job) -> str:
    if job.state == "queued":
        return f"{name}: waiting for the conversions before it"
    if job.is_active:
        fraction = f" {job.fraction:.0%}" if job.fraction is not None else ""
        return f"{name}:{fraction} {job.message or 'starting'}"
    return f"{name}: {'done' if job.state == 'succeeded' else job.state}"


def summarize(ctx: CliContext, outcome: IngestOutcome) -> IngestEntry:
    """The issue's JSON entry for one file."""
    document = get_document(ctx.store, outcome.document_id) if outcome.document_id else None
    entry = IngestEntry(file=outcome.file, id=outcome.document_id)
    if document is None:
        return entry.model_copy(update={"error": outcome.message})
    found = {
        "pipeline": document.pipeline,
        "pages": document.pages,
        "chunks": chunk_counts(ctx.store).get(document.id, (0, 0))[0],
    }
    if document.status == "ready":
        found["status"] = "exists" if outcome.status == "exists" else "ok"
    elif outcome.status == "exists" and document.status != "error":
        found["status"] = "exists"  # already being converted by an earlier upload
    else:
        found["error"] = document.error or outcome.message
    return entry.model_copy(update=found)


def summary_text(entries: list[IngestEntry]) -> str:
    lines = []
    for entry in entries:
        if entry.status == "error":
            lines.append(f"error   {entry.file}: {entry.error}")
            continue
        pages = f", {entry.pages} pages" if entry.pages else ""
        lines.append(
            f"{entry.status:<7} {entry.file} -> {entry.id} ({entry.chunks} chunks{pages}, {entry.pipeline})"
        )
    ok = sum(1 for e in entries if e.status != "error")
    lines.append(f"{ok} of {len(entries)} documents ready.")
    return "\n".join(lines)
