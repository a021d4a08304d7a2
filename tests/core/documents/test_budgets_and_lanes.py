"""Huge documents are bounded, and one never holds up the others.

The time limit covers conversion and chunking together; a text file over the character budget is
refused before any job starts; chunking stops past the chunk budget; conversions run in two lanes; a
cancelled conversion says so at once; the same file ingested twice at once waits for one conversion.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import core.documents.worker as worker
from core.cli import main
from core.documents.chunking import chunk_document
from core.documents.converter import ConversionTimeout, time_limit
from core.documents.ingest import add_document, ingest_files
from core.documents.limits import DocumentLimits, DocumentRejected, check_file
from core.documents.overview import documents_overview
from core.documents.records import get_document
from core.documents.tokens import TextTokenCounter
from core.jobs import claim_next_queued, list_jobs, request_stop, wait_for_job
from core.paths import Workspace
from core.store import Store, new_id, now
from tests.core.documents import builders


def many_paragraphs(path: Path, count: int) -> Path:
    path.write_text(
        "# Rivers\n\n" + "\n\n".join(f"Fact {i}: rivers carry water to the sea." for i in range(count)),
        encoding="utf-8",
    )
    return path


def test_a_text_file_over_the_character_budget_is_refused_before_any_job(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    big = many_paragraphs(tmp_path / "textbook.md", 200)
    outcome = ingest_files(store, workspace, [big], limits=DocumentLimits(max_characters=1000))[0]
    assert outcome.status == "error" and "1,000-character limit" in outcome.message
    assert "Split it into smaller files" in outcome.message
    assert list_jobs(store) == [] and store.query("SELECT id FROM documents") == []


def test_the_time_limit_covers_chunking_too(
    store: Store, tiny_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = many_paragraphs(tmp_path / "slow.md", 5)
    document_id = add_document(store, tiny_workspace, path, path.name, check_file(path, path.name), 350)

    def slow_chunking(*args: object, **kwargs: object) -> list[object]:
        time.sleep(60)  # conversion is quick; the time goes on cutting it into chunks
        return []

    monkeypatch.setattr(worker, "chunk_document", slow_chunking)
    started = time.monotonic()
    with pytest.raises(ConversionTimeout, match=r"took longer than the 0\.5 s limit"):
        worker.process_document(store, tiny_workspace, document_id, timeout_s=0.5)
    # Far less than the minute chunking would take, with room for a slow conversion on a loaded machine.
    assert time.monotonic() - started < 30
    document = get_document(store, document_id)
    assert document is not None and document.status == "error"
    assert "reading it and cutting it into chunks" in (document.error or "")


# A fresh interpreter, so Docling is not imported yet: loading it takes seconds, far past the limit.
FIRST_DOCUMENTS_SCRIPT = """
import sys
from pathlib import Path
from core.documents.ingest import add_document
from core.documents.limits import check_file
from core.documents.worker import process_document
from core.paths import Workspace
from core.store import Store

assert "docling" not in sys.modules, "the test needs a process that has not loaded Docling"
workspace = Workspace(Path(sys.argv[1]))
store = Store.open(workspace)
for name in sys.argv[2:]:
    path = Path(name)
    document_id = add_document(store, workspace, path, path.name, check_file(path, path.name), 350)
    report = process_document(store, workspace, document_id, timeout_s=0.5)
    print(path.name, report.chunks)
"""


@pytest.mark.slow
def test_the_time_limit_starts_after_the_libraries_load(tiny_workspace: Workspace, tmp_path: Path) -> None:
    # The limit is the document's own: a small file converts within half a second, and loading Docling
    # (seconds) used to count against it. The alarm then landed inside a first import, leaving a
    # half-imported library behind, and every HTML file the process converted after that failed with
    # "module 'bs4' has no attribute 'Tag'" (seen in CI).
    first = many_paragraphs(tmp_path / "first.md", 5)
    page = builders.make_html(tmp_path / "page.html")
    done = subprocess.run(
        [sys.executable, "-c", FIRST_DOCUMENTS_SCRIPT, str(tiny_workspace.root), str(first), str(page)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["first.md", "page.html"]
    assert all(int(line.split()[1]) > 0 for line in done.stdout.splitlines())


def test_the_time_limit_holds_when_its_first_alarm_is_swallowed() -> None:
    # An alarm that lands in a garbage-collector callback, a finaliser or a bare `except BaseException`
    # is lost; the limit must still stop the work soon after.
    started = time.monotonic()
    with pytest.raises(ConversionTimeout, match=r"0\.2 s limit"), time_limit(0.2, "slow.md"):
        with contextlib.suppress(BaseException):
            time.sleep(30)  # the first alarm lands here and is swallowed
        time.sleep(30)
    assert time.monotonic() - started < 10


def test_the_time_limit_leaves_no_alarm_behind() -> None:
    with time_limit(0.2, "quick.md"):
        pass
    time.sleep(1.5)  # a stray repeating alarm would raise here


@pytest.mark.slow
def test_chunking_stops_at_the_chunk_budget_and_names_it(counter: TextTokenCounter, tmp_path: Path) -> None:
    from docling.document_converter import DocumentConverter

    path = many_paragraphs(tmp_path / "long.md", 400)
    document = DocumentConverter().convert(str(path)).document
    assert len(chunk_document(document, counter, 50)) > 10
    with pytest.raises(DocumentRejected, match="more than the 10-chunk limit for one document"):
        chunk_document(document, counter, 50, max_chunks=10, name="long.md")


def queued_conversion(store: Store, created_at: float, resource: str = "documents") -> str:
    job_id = new_id("job")
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO jobs (id, kind, title, target, params, state, resource, created_at, grace_s) "
            "VALUES (?, 'documents.convert', 'Convert x', 'core.documents.worker:convert_document_job', '{}', "
            "'queued', ?, ?, 1)",
            (job_id, resource, created_at),
        )
    return job_id


def test_conversions_run_in_two_lanes_and_gpu_jobs_one_at_a_time(store: Store) -> None:
    big, small, third = (queued_conversion(store, now() + i) for i in range(3))
    assert claim_next_queued(store) == big
    assert claim_next_queued(store) == small, "a second conversion starts beside the big one"
    assert claim_next_queued(store) is None and third
    first_gpu, second_gpu = (queued_conversion(store, now() + 10 + i, resource="gpu") for i in range(2))
    assert claim_next_queued(store) == first_gpu
    assert claim_next_queued(store) is None and second_gpu


@pytest.mark.slow
def test_a_cancelled_conversion_is_an_error_at_once_and_a_new_upload_converts_it(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    path = builders.make_markdown(tmp_path / "lesson.md")
    document_id = add_document(store, workspace, path, path.name, check_file(path, path.name), 350)
    job_id = queued_conversion(store, now())
    store.execute("UPDATE documents SET job_id = ? WHERE id = ?", (job_id, document_id))
    request_stop(store, job_id, mode="cancel")
    view = documents_overview(store, workspace)[0]
    assert view.document.status == "error" and "the conversion was cancelled" in (view.document.error or "")
    again = ingest_files(store, workspace, [path])[0]
    assert again.status == "queued" and "the last attempt was cancelled" in again.message
    assert wait_for_job(store, again.job_id or "", timeout_s=120).state == "succeeded"


@pytest.mark.slow
def test_the_same_file_ingested_twice_at_once_waits_for_one_conversion(
    store: Store, workspace: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = builders.make_markdown(tmp_path / "lesson.md")
    first = ingest_files(store, workspace, [path])[0]
    assert first.status == "queued"
    code = main(["ingest", str(path), "--workspace", str(workspace.root), "--json"])
    out, err = capsys.readouterr()
    entry = json.loads(out)["documents"][0]
    assert code == 0 and entry["status"] == "exists" and entry["id"] == first.document_id
    assert entry["chunks"] > 0, "the second command reported before the first conversion finished"
    assert "is being converted right now" in err
    assert len(list_jobs(store, kind="documents.convert")) == 1
