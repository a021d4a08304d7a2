"""The Documents tab's formatting: the documents table and its records, the poll's signatures, one document's
header and text, the chunk table and choices, and what an upload says about each file."""

from __future__ import annotations

from dataclasses import replace

from core.documents.ingest import IngestOutcome
from core.documents.overview import DocumentDetail, DocumentView
from core.documents.records import Chunk, Document
from studio.tabs.documents import display as show

DOCUMENT = Document(
    id="doc_1", name="ohms_law.pdf", file_type="pdf", sha256="s", size_bytes=10, source_path="/ws/d/a.pdf",
    markdown_path="/ws/d/a.md", pages=3, pipeline="native-pdf", status="ready", warning=None, error=None,
    job_id=None, created_at=0.0, updated_at=1.0, deleted_at=None, chunk_tokens=350, tokenizer="tiny",
)  # fmt: skip


def chunk(number: int, text: str = "Current is voltage over resistance.", **changes: object) -> Chunk:
    values: dict[str, object] = dict(
        id=f"chk_{number}", document_id="doc_1", position=float(number), heading_path=["Ohm", f"Part {number}"],
        text=text, token_count=12, excluded=False, derived_from=[], retired_at=None, created_at=0.0,
    )  # fmt: skip
    return Chunk(**{**values, **changes})  # type: ignore[arg-type]


def view(document: Document = DOCUMENT, chunks: int = 4, excluded: int = 1) -> DocumentView:
    return DocumentView(document, chunks, excluded, job=None, queue_position=None)


def test_the_documents_table_shows_labels_and_the_excluded_chunks() -> None:
    frame = show.documents_frame([view()])
    assert list(frame.columns) == show.DOCUMENT_COLUMNS
    row = frame.iloc[0].tolist()
    assert row[0] == "ohms_law.pdf"
    assert row[2:] == ["3", "PDF text only", "4 (1 excluded)", "Ready", ""]


def test_a_failed_document_shows_its_error_and_no_chunk_count() -> None:
    failed = replace(DOCUMENT, status="error", error="Encrypted PDF", pages=None)
    row = show.documents_frame([view(failed, chunks=0, excluded=0)]).iloc[0].tolist()
    assert row[2] == "" and row[4] == "" and row[5] == "Error" and row[6] == "Encrypted PDF"


def test_a_deleted_document_reads_deleted_in_the_table_and_the_records() -> None:
    deleted = view(replace(DOCUMENT, deleted_at=5.0))
    assert show.status_label(deleted) == "Deleted"
    record = show.documents_records([deleted])[0]
    assert record["status"] == "deleted"
    assert list(record) == [
        "id", "name", "type", "pages", "pipeline", "chunks", "excluded_chunks", "status", "activity", "warning", "error",
    ]  # fmt: skip


def test_the_signatures_change_when_the_chunks_change() -> None:
    before, after = [view(chunks=4)], [view(chunks=5)]
    assert show.overview_signature(before) != show.overview_signature(after)
    assert show.document_version(before, "doc_1") != show.document_version(after, "doc_1")
    assert show.document_version(before, "doc_missing") == ""


def test_the_header_names_the_pipeline_and_escapes_the_warning() -> None:
    header = show.detail_header_html(replace(DOCUMENT, warning="<b>scanned</b> pages"))
    assert "3 pages" in header and "PDF text only" in header and "about 350 tokens" in header
    assert "&lt;b&gt;scanned&lt;/b&gt;" in header and "<b>scanned" not in header
    slides = show.detail_header_html(replace(DOCUMENT, file_type="pptx", pages=7))
    assert "7 slides" in slides


def test_the_preview_says_when_there_is_no_text_and_when_it_is_cut() -> None:
    assert show.preview_markdown(DocumentDetail(DOCUMENT, " ", [])) == "*No text yet.*"
    failed = replace(DOCUMENT, status="error")
    assert "conversion failed" in show.preview_markdown(DocumentDetail(failed, "", []))
    assert "preview stops here" in show.preview_markdown(
        DocumentDetail(DOCUMENT, "# Ohm", [], truncated=True)
    )


def test_the_chunk_table_and_choices_number_the_chunks_and_shorten_the_text() -> None:
    long = chunk(2, "word " * 100, excluded=True)
    frame = show.chunks_frame([chunk(1), long])
    assert frame["#"].tolist() == [1, 2]
    assert frame["Used"].tolist() == ["Yes", "No"]
    assert frame["Text"].iloc[1].endswith("…") and len(frame["Text"].iloc[1]) <= show.TEXT_PREVIEW_CHARS
    choices = show.chunk_choices([chunk(1), long])
    assert choices[0] == ("1. Part 1 · Current is voltage over resistance.", "chk_1")
    assert choices[1][0].startswith("2. Part 2 · word") and choices[1][1] == "chk_2"


def test_upload_outcomes_count_added_known_and_refused_files() -> None:
    outcomes = [
        IngestOutcome("a.md", "queued", "a.md: converting", "doc_1", "job_1"),
        IngestOutcome("b.md", "exists", "b.md is already here", "doc_2"),
        IngestOutcome("c.exe", "error", "c.exe: <not> supported"),
    ]
    text = show.outcomes_html(outcomes)
    assert "<b>1 added, 1 already there, 1 refused.</b>" in text
    assert "⚠️ c.exe: &lt;not&gt; supported" in text
    assert show.outcomes_html([]) == ""
