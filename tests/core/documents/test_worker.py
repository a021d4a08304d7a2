"""The conversion job's own behaviour: progress only for slow documents, readable errors that leave the
document marked as failed, and a scanned (text-less) PDF explained."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core.documents.converter import ConversionFailed
from core.documents.limits import DocumentRejected
from core.documents.records import Document, get_document, list_chunks
from core.documents.worker import QuietProgress, process_document
from core.paths import Workspace
from core.store import Store


def test_fast_work_reports_no_progress_and_slow_work_ends_at_full() -> None:
    calls: list[tuple[float, float | None, str]] = []
    fast = QuietProgress(lambda *args: calls.append(args), after_s=60)
    fast(1, 3, "Reading page 1 of 2")
    fast.finish(3, "Done")
    assert calls == []
    slow = QuietProgress(lambda *args: calls.append(args), after_s=0)
    slow(1, 3, "Reading page 1 of 2")
    slow.finish(3, "Done: 4 chunks")
    assert calls == [(1, 3, "Reading page 1 of 2"), (3, 3, "Done: 4 chunks")]
    calls.clear()
    download = QuietProgress(lambda *args: calls.append(args), after_s=60)
    download(0, None, "Downloading Docling's PDF layout model")  # unknown length: shown at once
    download.finish(3, "Done: 4 chunks")
    assert calls == [(0, None, "Downloading Docling's PDF layout model"), (3, 3, "Done: 4 chunks")]


def test_a_pdf_without_text_is_an_error_that_mentions_scans(
    tmp_path: Path, store: Store, tiny_workspace: Workspace, add_document: Callable[..., Document]
) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # a picture of a page, no text layer
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(DocumentRejected, match="scanned PDF"):
        add_document(path)
    document = next(iter(store.query("SELECT id FROM documents")))
    failed = get_document(store, document["id"])
    assert failed is not None and failed.status == "error"
    assert "no readable text was found" in (failed.error or "") and "OCR" in (failed.error or "")
    assert list_chunks(store, document_ids=[failed.id]) == []


def test_a_missing_original_fails_with_a_message_and_keeps_earlier_chunks(
    tmp_path: Path, store: Store, tiny_workspace: Workspace, add_document: Callable[..., Document]
) -> None:
    lesson = tmp_path / "lesson.md"
    lesson.write_text("# Tides\n\nThe Moon's gravity raises two tidal bulges.\n", encoding="utf-8")
    document = add_document(lesson)
    before = list_chunks(store, document_ids=[document.id])
    (tiny_workspace.root / document.source_path).unlink()
    with pytest.raises(ConversionFailed, match=r"Docling could not read lesson\.md"):
        process_document(store, tiny_workspace, document.id, rechunk=True)
    assert list_chunks(store, document_ids=[document.id]) == before
    assert get_document(store, document.id).status == "ready"  # type: ignore[union-attr]
