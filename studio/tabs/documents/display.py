"""Formatting for the Documents tab: records in, DataFrames, choices and HTML out. No gradio, no I/O."""

from __future__ import annotations

import html

import pandas as pd

from core.documents.edits import SplitPoint
from core.documents.formats import KIND_LABELS
from core.documents.ingest import IngestOutcome
from core.documents.overview import DocumentDetail, DocumentView
from core.documents.records import Chunk, Document

EMPTY_DOCUMENTS = "No documents yet: drop your course files above or press Load demo course."
NO_SELECTION = "Pick a document in the list above (or click its row) to see its text and its chunks."
DOCUMENT_COLUMNS = ["Name", "Type", "Pages", "Pipeline", "Chunks", "Status", "Warning"]
CHUNK_COLUMNS = ["#", "Section", "Text", "Tokens", "Used"]
DOCUMENT_COLUMN_WIDTHS: list[str | int] = ["19%", "10%", "7%", "12%", "11%", "12%", "29%"]
CHUNK_COLUMN_WIDTHS: list[str | int] = ["6%", "21%", "51%", "12%", "10%"]
PIPELINE_LABELS = {"standard-pdf": "PDF layout model", "native-pdf": "PDF text only", "simple": "Docling"}
STATUS_LABELS = {"queued": "Waiting", "converting": "Converting", "ready": "Ready", "error": "Error"}
TEXT_PREVIEW_CHARS = 220
CHOICE_PREVIEW_CHARS = 60


def status_label(view: DocumentView) -> str:
    if view.document.is_deleted:
        return "Deleted"
    return view.activity or STATUS_LABELS.get(view.document.status, view.document.status)


def chunks_label(view: DocumentView) -> str:
    if view.document.status != "ready" and not view.chunks:
        return ""
    return f"{view.chunks} ({view.excluded_chunks} excluded)" if view.excluded_chunks else str(view.chunks)


def documents_frame(views: list[DocumentView]) -> pd.DataFrame:
    """The documents table: one row per document, in upload order."""
    rows = [
        [
            view.document.name,
            KIND_LABELS.get(view.document.file_type, view.document.file_type),
            "" if view.document.pages is None else str(view.document.pages),
            PIPELINE_LABELS.get(view.document.pipeline or "", ""),
            chunks_label(view),
            status_label(view),
            view.document.error or view.document.warning or "",
        ]
        for view in views
    ]
    return pd.DataFrame(rows, columns=DOCUMENT_COLUMNS)


def documents_records(views: list[DocumentView]) -> list[dict[str, object]]:
    """The documents as plain records (the `documents` API endpoint)."""
    return [
        {
            "id": view.document.id,
            "name": view.document.name,
            "type": view.document.file_type,
            "pages": view.document.pages,
            "pipeline": view.document.pipeline,
            "chunks": view.chunks,
            "excluded_chunks": view.excluded_chunks,
            "status": "deleted" if view.document.is_deleted else view.document.status,
            "activity": view.activity,
            "warning": view.document.warning,
            "error": view.document.error,
        }
        for view in views
    ]


def document_choices(views: list[DocumentView]) -> list[tuple[str, str]]:
    return [(f"{view.document.name} · {status_label(view)}", view.document.id) for view in views]


def overview_signature(views: list[DocumentView]) -> str:
    """Changes whenever anything the table shows changes (so an unchanged poll redraws nothing)."""
    return "|".join(
        f"{v.document.id}:{v.document.updated_at}:{v.chunks}:{v.excluded_chunks}:{status_label(v)}"
        for v in views
    )


def document_version(views: list[DocumentView], document_id: str | None) -> str:
    """Changes when the selected document's conversion finishes or its chunks change."""
    view = next((v for v in views if v.document.id == document_id), None)
    if view is None:
        return ""
    return f"{document_id}:{view.document.status}:{view.document.updated_at}:{view.chunks}"


def detail_header_html(document: Document) -> str:
    facts = [KIND_LABELS.get(document.file_type, document.file_type)]
    if document.pages:
        facts.append(
            f"{document.pages} pages" if document.file_type != "pptx" else f"{document.pages} slides"
        )
    if document.pipeline:
        facts.append(f"read with {PIPELINE_LABELS.get(document.pipeline, document.pipeline)}")
    if document.chunk_tokens and document.status == "ready":
        facts.append(
            f"chunks of about {document.chunk_tokens} tokens ({document.tokenizer or 'tiny'} tokenizer)"
        )
    parts = [f"<h3>{html.escape(document.name)}</h3><p class='ts-muted'>{html.escape(' · '.join(facts))}</p>"]
    if document.is_deleted:
        parts.append(
            "<div class='ts-warning'>This document is deleted: it is not used for generation. Restore it to use and edit it again.</div>"
        )
    if document.status == "error" and document.error:
        parts.append(f"<div class='ts-warning' id='documents-error'>{html.escape(document.error)}</div>")
    elif document.warning:
        parts.append(f"<div class='ts-warning' id='documents-warning'>{html.escape(document.warning)}</div>")
    if document.status in ("queued", "converting"):
        parts.append("<p class='ts-empty'>Converting… its text and chunks appear here when it is done.</p>")
    return "".join(parts)


def preview_markdown(detail: DocumentDetail) -> str:
    if not detail.markdown.strip():
        return "*No text yet.*" if detail.document.status != "error" else "*No text: the conversion failed.*"
    return detail.markdown + (
        "\n\n*(The preview stops here: the document is very long.)*" if detail.truncated else ""
    )


def chunks_frame(chunks: list[Chunk]) -> pd.DataFrame:
    rows = [
        [
            number,
            chunk.heading or "(no heading)",
            _shorten(chunk.text, TEXT_PREVIEW_CHARS),
            chunk.token_count,
            "No" if chunk.excluded else "Yes",
        ]
        for number, chunk in enumerate(chunks, start=1)
    ]
    return pd.DataFrame(rows, columns=CHUNK_COLUMNS)


def chunk_choices(chunks: list[Chunk]) -> list[tuple[str, str]]:
    return [
        (
            f"{number}. {chunk.heading_path[-1] if chunk.heading_path else '(no heading)'} · "
            f"{_shorten(chunk.text, CHOICE_PREVIEW_CHARS)}",
            chunk.id,
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


def split_choices(points: list[SplitPoint]) -> list[tuple[str, int]]:
    return [(point.label, point.offset) for point in points]


def chunk_details(chunk: Chunk) -> str:
    where = chunk.heading or "(no heading)"
    return f"{where}\n\n{chunk.text}"


def outcomes_html(outcomes: list[IngestOutcome]) -> str:
    """What happened to each uploaded file: added (converting), already there, or refused and why."""
    if not outcomes:
        return ""
    added = sum(o.status == "queued" for o in outcomes)
    known = sum(o.status == "exists" for o in outcomes)
    refused = [o for o in outcomes if o.status == "error"]
    counts = [
        f"{added} added" if added else "",
        f"{known} already there" if known else "",
        f"{len(refused)} refused" if refused else "",
    ]
    items = "".join(
        f"<li class='ts-outcome-{o.status}'>{'⚠️ ' if o.status == 'error' else ''}{html.escape(o.message)}</li>"
        for o in outcomes
    )
    return f"<p><b>{html.escape(', '.join(c for c in counts if c))}.</b></p><ul>{items}</ul>"


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
