"""Generation as a real background job: kept examples wait for review as they come; a cancel is seen within
about a second and a resume writes only what is left; the policy and key never travel in job params."""

from __future__ import annotations

import time

import pytest

from core.generate.config import SynthConfig, SynthError
from core.generate.job import resume_generation, stop_generation, submit_generation
from core.generate.records import get_run, item_counts, items_to_do
from core.generate.status import generate_overview, run_status
from core.generate.teacher_config import TeacherConfig, saved_teacher
from core.jobs import read_metrics, wait_for_job
from core.policy import save_policy
from core.review.records import count_examples
from core.store import from_json
from tests.core.generate.conftest import Course, run_in_process
from tests.support.openai_server import OpenAITestServer, Reply

pytestmark = pytest.mark.slow


def test_a_template_run_stores_pending_examples_with_their_sources(course: Course) -> None:
    save_policy(
        course.store, "Be a Socratic tutor: never give the answer, ask one guiding question at a time."
    )
    start = submit_generation(course.store, course.workspace, SynthConfig(per_chunk=2))
    job = wait_for_job(course.store, start.job.id, timeout_s=120)
    assert job.state == "succeeded", job.error
    assert job.result is not None and job.result["generated"] == start.items == 10
    counts = item_counts(course.store, start.run_id)
    assert counts["pending"] == counts["failed"] == 0 and counts["kept"] >= 6
    assert count_examples(course.store, "pending") == counts["kept"]
    rows = course.store.query("SELECT * FROM examples")
    assert {row["job_id"] for row in rows} == {job.id} and {row["teacher"] for row in rows} == {"template"}
    assert all(row["chunk_id"] and row["document_id"] == course.document_id and row["intent"] for row in rows)
    assert all(row["token_count"] > 0 for row in rows)
    assert get_run(course.store, start.run_id).policy.startswith("Be a Socratic tutor")  # type: ignore[union-attr]
    reasons = run_status(course.store, start.run_id).reasons
    assert reasons.get("no_fact") == 2  # the exercise chunk, twice
    assert read_metrics(course.workspace, job.id)[-1]["kept"] == counts["kept"]


def test_the_teacher_is_remembered_and_no_key_travels_in_job_params(
    course: Course, teacher_server: OpenAITestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_TEST_KEY", "sk-very-secret-123")
    teacher = TeacherConfig(
        kind="openai", base_url=teacher_server.base_url, model="test-model", api_key_env="TUTOR_TEST_KEY"
    )
    start = submit_generation(
        course.store,
        course.workspace,
        SynthConfig(teacher=teacher, chunk_ids=(course.chunk_ids["ohm"],), per_chunk=1),
    )
    job = wait_for_job(course.store, start.job.id, timeout_s=120)
    assert job.state == "succeeded" and job.result and job.result["kept"] == 1
    assert teacher_server.requests[-1].headers.get("Authorization") == "Bearer sk-very-secret-123"
    assert saved_teacher(course.store) == teacher
    database = b"".join(p.read_bytes() for p in course.workspace.root.glob("studio.db*"))
    assert b"sk-very-secret-123" not in database and b"TUTOR_TEST_KEY" in database
    assert "sk-very-secret" not in str(from_json(course.store.query_one("SELECT params FROM jobs")["params"]))


def test_cancel_is_seen_within_a_second_and_resume_writes_only_what_is_left(
    course: Course, teacher_server: OpenAITestServer
) -> None:
    teacher_server.script(*[Reply(delay_s=0.25)] * 200)
    teacher = TeacherConfig(kind="openai", base_url=teacher_server.base_url, model="test-model")
    config = SynthConfig(
        teacher=teacher,
        chunk_ids=tuple(course.chunk_ids[c] for c in ("definition", "ohm", "fractions")),
        per_chunk=8,
        concurrency=2,
    )
    start = submit_generation(course.store, course.workspace, config)
    deadline = time.monotonic() + 60
    while item_counts(course.store, start.run_id)["kept"] < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    asked = time.monotonic()
    stop_generation(course.store, course.workspace, start.run_id)
    job = wait_for_job(course.store, start.job.id, timeout_s=30)
    assert job.state == "stopped" and time.monotonic() - asked < 4
    first = item_counts(course.store, start.run_id)
    assert first["pending"] > 0 and first["kept"] >= 2
    assert count_examples(course.store) == first["kept"]

    resumed = resume_generation(course.store, course.workspace, start.run_id)
    assert resumed.items == first["pending"] + first["failed"] and resumed.job.resumes == start.job.id
    assert wait_for_job(course.store, resumed.job.id, timeout_s=120).state == "succeeded"
    final = item_counts(course.store, start.run_id)
    assert final["pending"] == 0 and final["kept"] + final["filtered"] == 24
    assert count_examples(course.store) == final["kept"]
    attempts = {
        row[0] for row in course.store.query("SELECT attempts FROM generation_items WHERE state != 'failed'")
    }
    assert attempts == {1}
    with pytest.raises(SynthError, match="Nothing left to do"):
        resume_generation(course.store, course.workspace, start.run_id)


def test_a_run_stopped_in_process_leaves_its_unfinished_items_pending(course: Course) -> None:
    calls = {"n": 0}

    def stop_after_a_while() -> bool:
        calls["n"] += 1
        return calls["n"] > 1

    config = SynthConfig(per_chunk=20, concurrency=1)
    run_id, report = run_in_process(course.store, course.workspace, config, should_stop=stop_after_a_while)
    counts = item_counts(course.store, run_id)
    assert counts["pending"] > 0 and report["generated"] == 100 - counts["pending"]
    assert len(items_to_do(course.store, run_id)) == counts["pending"]


def test_a_second_run_filters_near_duplicates_of_the_first(course: Course) -> None:
    config = SynthConfig(chunk_ids=(course.chunk_ids["ohm"],), per_chunk=4, seed=3)
    run_in_process(course.store, course.workspace, config)
    run_id, report = run_in_process(course.store, course.workspace, config)
    assert report["kept"] == 0 and run_status(course.store, run_id).reasons == {"duplicate": 4}


def test_the_overview_lists_ready_documents_and_the_newest_run(course: Course) -> None:
    overview = generate_overview(course.store, course.workspace)
    assert [d.name for d in overview.documents] == ["lesson.md"] and overview.total_chunks == 5
    assert overview.status is None
    run_id, _ = run_in_process(course.store, course.workspace, SynthConfig(per_chunk=1))
    overview = generate_overview(course.store, course.workspace)
    assert overview.status is not None and overview.status.run.id == run_id
    assert overview.status.done == 5 and overview.status.latest_kept


def test_a_local_model_teacher_runs_as_an_accelerator_job_and_its_output_is_judged(
    course: Course, tiny_workspace: object
) -> None:
    teacher = TeacherConfig(kind="hf", model="tiny")
    config = SynthConfig(teacher=teacher, chunk_ids=(course.chunk_ids["ohm"],), per_chunk=1)
    start = submit_generation(course.store, course.workspace, config)
    assert start.job.resource == "gpu" and start.job.title.endswith("(hf:tiny)")
    job = wait_for_job(course.store, start.job.id, timeout_s=300)
    assert job.state == "succeeded", job.error
    item = run_status(course.store, start.run_id).latest_filtered[0]
    # The untrained tiny model writes no JSON: the item is filtered as unreadable, never stored.
    assert item.state == "filtered" and item.reason == "parse"
    assert count_examples(course.store) == 0
