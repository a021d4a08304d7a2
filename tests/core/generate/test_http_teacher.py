"""A teacher behind real HTTP (the local OpenAI-compatible test server): normal and streamed replies, 429
with Retry-After, 500s, dropped connections, a hang past the timeout, truncated and non-JSON answers.
Every item ends kept, filtered (with a reason) or failed (retryable); nothing hangs or crashes."""

from __future__ import annotations

import time

import pytest

from core.generate.config import SynthConfig
from core.generate.engine import TeacherUnavailable
from core.generate.records import ITEM_STATES, item_counts, recent_items
from core.generate.teacher_config import TeacherConfig
from core.review.records import failed_verdicts, get_example
from tests.core.generate.conftest import Course, run_in_process
from tests.support.openai_server import Hang, NotJson, OpenAITestServer, Reply, Reset, Status, Truncate


def http_config(
    server: OpenAITestServer, course: Course, *, chunks: tuple[str, ...] = ("definition",), **teacher: object
) -> SynthConfig:
    settings: dict[str, object] = {
        "kind": "openai",
        "base_url": server.base_url,
        "model": "test-model",
        **teacher,
    }
    return SynthConfig(
        teacher=TeacherConfig(**settings),  # type: ignore[arg-type]
        chunk_ids=tuple(course.chunk_ids[c] for c in chunks),
        per_chunk=1,
        concurrency=1,
    )


def only_item(course: Course, run_id: str) -> object:
    items = recent_items(course.store, run_id, ("kept", "filtered", "failed"), limit=5)
    assert len(items) == 1
    return items[0]


@pytest.mark.parametrize("stream", [False, True])
def test_a_normal_teacher_writes_kept_examples(
    teacher_server: OpenAITestServer, course: Course, stream: bool
) -> None:
    config = http_config(teacher_server, course, chunks=("definition", "ohm", "fractions"), stream=stream)
    run_id, report = run_in_process(course.store, course.workspace, config)
    assert report["kept"] == 3 and report["failed"] == report["filtered"] == 0
    assert len(teacher_server.chat_bodies) == 6  # derive + write per item
    assert {body["stream"] for body in teacher_server.chat_bodies} == {stream}
    item = recent_items(course.store, run_id, ("kept",), 1)[0]
    example = get_example(course.store, item.example_id or "")
    assert example is not None and example.status == "pending" and example.origin == "generated"
    assert example.teacher == f"openai:test-model@127.0.0.1:{teacher_server.port}"
    assert example.question and example.reference_answer and example.chunk_id == item.chunk_id
    assert failed_verdicts(example.verdicts) == [] and example.verdict_state == "passed"


def test_a_rate_limit_is_waited_out_as_the_server_asks(
    teacher_server: OpenAITestServer, course: Course
) -> None:
    teacher_server.script(Status(429, retry_after="0.6"))
    started = time.monotonic()
    _, report = run_in_process(course.store, course.workspace, http_config(teacher_server, course))
    assert report["kept"] == 1
    assert time.monotonic() - started >= 0.6
    assert len(teacher_server.chat_bodies) == 3


def test_a_dropped_connection_is_retried(teacher_server: OpenAITestServer, course: Course) -> None:
    teacher_server.script(Reset())
    _, report = run_in_process(course.store, course.workspace, http_config(teacher_server, course))
    assert report["kept"] == 1


def test_server_errors_past_the_retries_fail_the_item_retryably(
    teacher_server: OpenAITestServer, course: Course
) -> None:
    teacher_server.script(*[Status(500, "model crashed")] * 3)
    run_id, report = run_in_process(
        course.store, course.workspace, http_config(teacher_server, course, max_retries=2)
    )
    assert report["failed"] == 1 and report["remaining"] == 1
    item = only_item(course, run_id)
    assert item.state == "failed" and item.reason == "teacher_error" and "500" in (item.detail or "")  # type: ignore[attr-defined]


def test_a_hang_past_the_timeout_fails_the_item_in_time(
    teacher_server: OpenAITestServer, course: Course
) -> None:
    teacher_server.script(Hang(30))
    started = time.monotonic()
    run_id, report = run_in_process(
        course.store, course.workspace, http_config(teacher_server, course, timeout_s=2)
    )
    assert time.monotonic() - started < 10
    assert report["failed"] == 1
    assert only_item(course, run_id).reason == "teacher_error"  # type: ignore[attr-defined]


@pytest.mark.parametrize("behaviour", [Truncate(), NotJson()])
def test_a_truncated_or_non_json_answer_fails_the_item(
    teacher_server: OpenAITestServer, course: Course, behaviour: object
) -> None:
    teacher_server.script(behaviour)  # type: ignore[arg-type]
    run_id, report = run_in_process(
        course.store, course.workspace, http_config(teacher_server, course, max_retries=0)
    )
    assert report["failed"] == 1
    assert only_item(course, run_id).reason == "teacher_error"  # type: ignore[attr-defined]


def test_a_reply_that_is_not_the_asked_json_is_filtered_as_parse(
    teacher_server: OpenAITestServer, course: Course
) -> None:
    teacher_server.script(Reply("Sure! Here is a question about inertia: what is it?"))
    run_id, report = run_in_process(course.store, course.workspace, http_config(teacher_server, course))
    assert report["filtered"] == 1
    item = only_item(course, run_id)
    assert item.reason == "parse" and "not JSON" in (item.detail or "")  # type: ignore[attr-defined]


def test_every_item_ends_in_a_final_state_whatever_the_server_does(
    teacher_server: OpenAITestServer, course: Course
) -> None:
    teacher_server.script(
        Status(429, retry_after="0.1"), Status(500), Reset(), Hang(30), Truncate(), NotJson(), Reply("no json"),
        Status(503), Reset(), Truncate(),
    )  # fmt: skip
    config = http_config(
        teacher_server,
        course,
        chunks=("definition", "ohm", "fractions", "injected", "exercises"),
        timeout_s=2,
        max_retries=1,
    )
    config = SynthConfig(**{**config.__dict__, "per_chunk": 2, "concurrency": 4})
    started = time.monotonic()
    run_id, report = run_in_process(course.store, course.workspace, config)
    assert time.monotonic() - started < 30
    counts = item_counts(course.store, run_id)
    assert counts["pending"] == 0 and sum(counts[s] for s in ITEM_STATES) == 10
    assert report["generated"] == 10 and report["kept"] >= 1 and report["failed"] >= 1


def test_an_unreachable_teacher_ends_the_job_early_with_the_reason(course: Course) -> None:
    config = SynthConfig(
        teacher=TeacherConfig(kind="openai", base_url="http://127.0.0.1:9/v1", model="m", max_retries=0),
        chunk_ids=tuple(course.chunk_ids.values()),
        per_chunk=6,
        concurrency=2,
    )
    started = time.monotonic()
    with pytest.raises(
        TeacherUnavailable, match=r"failed \d+ items in a row.*Connection refused.*press Resume"
    ):
        run_in_process(course.store, course.workspace, config)
    assert time.monotonic() - started < 15
    run_id = course.store.query_one("SELECT id FROM generation_runs")["id"]
    counts = item_counts(course.store, run_id)
    assert 12 <= counts["failed"] < 20 and counts["pending"] > 0 and counts["kept"] == 0
