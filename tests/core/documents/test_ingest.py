"""Uploads through the real job machinery: bad files never stop good ones, the same content is
converted once, one warm process converts a batch, failures can be retried, the demo course loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.documents.ingest import IngestOutcome, ingest_files, load_demo_course, rechunk_document
from core.documents.limits import DocumentLimits
from core.documents.overview import documents_overview
from core.documents.records import (
    get_document,
    insert_document,
    list_chunks,
    list_documents,
    set_document_deleted,
)
from core.jobs import get_job, list_jobs, wait_for_job
from core.paths import Workspace
from core.store import Store, new_id, now
from tests.core.documents import builders

pytestmark = pytest.mark.slow
JOB_TIMEOUT_S = 120


def wait_all(store: Store, outcomes: list[IngestOutcome]) -> None:
    for outcome in outcomes:
        if outcome.job_id:
            assert wait_for_job(store, outcome.job_id, timeout_s=JOB_TIMEOUT_S).is_active is False


def test_bad_files_are_refused_and_the_others_converted(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    earlier = ingest_files(
        store, workspace, [builders.make_markdown(tmp_path / "earlier.md", ["An earlier lesson."])]
    )
    wait_all(store, earlier)
    (tmp_path / "empty.docx").write_bytes(b"")
    files = [
        builders.make_docx(tmp_path / "good.docx"),
        tmp_path / "empty.docx",
        builders.make_pdf(tmp_path / "locked.pdf", user_password="x"),
        builders.make_pptx(tmp_path / "good.pptx"),
    ]
    outcomes = ingest_files(store, workspace, files)
    assert [o.status for o in outcomes] == ["queued", "error", "error", "queued"]
    assert "is empty" in outcomes[1].message and "password-protected" in outcomes[2].message
    wait_all(store, outcomes)
    documents = {d.name: d for d in list_documents(store)}
    assert set(documents) == {"earlier.md", "good.docx", "good.pptx"}
    assert all(d.status == "ready" for d in documents.values())
    assert all(list_chunks(store, document_ids=[d.id]) for d in documents.values())


def test_the_same_content_is_converted_once(store: Store, workspace: Workspace, tmp_path: Path) -> None:
    first = builders.make_markdown(tmp_path / "lesson.md")
    copy = tmp_path / "copy-of-lesson.md"
    copy.write_bytes(first.read_bytes())
    outcomes = ingest_files(store, workspace, [first])
    wait_all(store, outcomes)
    again = ingest_files(store, workspace, [copy, first])
    assert [o.status for o in again] == ["exists", "exists"]
    assert "already exists (same content as “lesson.md”)" in again[0].message
    assert again[0].document_id == outcomes[0].document_id
    assert len(list_jobs(store, kind="documents.convert")) == 1


def test_two_warm_processes_convert_a_whole_batch(store: Store, workspace: Workspace, tmp_path: Path) -> None:
    files = [
        builders.make_markdown(tmp_path / f"lesson{i}.md", [f"Fact number {i} about rivers."])
        for i in range(4)
    ]
    outcomes = ingest_files(store, workspace, files)
    wait_all(store, outcomes)
    jobs = [get_job(store, o.job_id or "") for o in outcomes]
    assert [job.state for job in jobs] == ["succeeded"] * 4
    assert len({job.pid for job in jobs}) <= 2, "conversions run in two warm lanes, not a process each"


def test_a_timed_out_conversion_is_an_error_and_can_be_retried(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    path = builders.make_pdf(tmp_path / "slow.pdf", pages=2)
    failed = ingest_files(store, workspace, [path], limits=DocumentLimits(timeout_s=0.001))
    wait_all(store, failed)
    document = get_document(store, failed[0].document_id or "")
    assert document is not None and document.status == "error"
    assert "took longer than the 0.001 s limit" in (document.error or "")
    retried = ingest_files(store, workspace, [path])
    assert retried[0].status == "queued" and "the last attempt failed" in retried[0].message
    wait_all(store, retried)
    document = get_document(store, document.id)
    assert document is not None and document.status == "ready" and document.error is None


def test_a_deleted_document_uploaded_again_is_restored(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    path = builders.make_markdown(tmp_path / "lesson.md")
    outcomes = ingest_files(store, workspace, [path])
    wait_all(store, outcomes)
    set_document_deleted(store, outcomes[0].document_id or "", True)
    assert list_chunks(store) == []
    again = ingest_files(store, workspace, [path])
    assert again[0].status == "exists" and "restored" in again[0].message
    assert list_chunks(store) != []


def test_a_conversion_whose_process_died_shows_as_an_error(store: Store, workspace: Workspace) -> None:
    job_id = new_id("job")
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO jobs (id, kind, title, target, state, created_at, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                job_id,
                "documents.convert",
                "Convert x.pdf",
                "core.documents.worker:convert_document_job",
                "interrupted",
                now(),
                "killed",
            ),
        )
        document_id = insert_document(
            conn,
            name="x.pdf",
            file_type="pdf",
            sha256="0" * 64,
            size_bytes=10,
            source_path="documents/x/original.pdf",
        )
        conn.execute(
            "UPDATE documents SET status = 'converting', job_id = ? WHERE id = ?", (job_id, document_id)
        )
    view = next(v for v in documents_overview(store, workspace) if v.document.id == document_id)
    assert view.document.status == "error"
    assert "stopped before it finished (killed)" in (view.document.error or "")


def test_the_demo_course_loads_every_lesson_with_its_facts(store: Store, workspace: Workspace) -> None:
    outcomes = load_demo_course(store, workspace)
    assert [o.file for o in outcomes] == [
        "fractions.md",
        "newtons_laws.docx",
        "ohms_law.pdf",
        "photosynthesis.html",
        "water_cycle.pptx",
    ]
    wait_all(store, outcomes)
    text = " ".join(" ".join(c.text.split()) for c in list_chunks(store))
    for fact in ["3/12 + 8/12 = 11/12", "a = F / m = 10 / 2 = 5 m/s²", "the current is 9 / 6 = 1.5 A",
                 "6CO₂ + 6H₂O → C₆H₁₂O₆ + 6O₂", "Run-off = 800 - 450 - 150 = 200 mm"]:  # fmt: skip
        assert fact in text
    views = {v.document.name: v for v in documents_overview(store, workspace)}
    assert (
        views["ohms_law.pdf"].document.pipeline == "native-pdf" and views["ohms_law.pdf"].document.pages == 2
    )
    assert views["water_cycle.pptx"].document.pages == 7
    assert all(v.chunks >= 4 and v.document.status == "ready" for v in views.values())
    assert [o.status for o in load_demo_course(store, workspace)] == ["exists"] * 5


def test_rechunking_applies_a_new_size(store: Store, workspace: Workspace) -> None:
    outcomes = load_demo_course(store, workspace)
    wait_all(store, outcomes)
    fractions = outcomes[0]
    before = list_chunks(store, document_ids=[fractions.document_id or ""])
    outcome = rechunk_document(store, workspace, fractions.document_id or "", 60)
    wait_all(store, [outcome])
    after = list_chunks(store, document_ids=[fractions.document_id or ""])
    assert len(after) > len(before) and all(c.token_count <= 60 for c in after)
    assert get_document(store, fractions.document_id or "").chunk_tokens == 60  # type: ignore[union-attr]
