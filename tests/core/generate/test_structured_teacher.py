"""The teacher asks for structured output (a JSON schema) where the server takes it, and falls back to
plain text, remembered for the rest of the run, where the server refuses `response_format`."""

from __future__ import annotations

from core.generate.config import SynthConfig
from core.generate.teacher_config import TeacherConfig
from tests.core.generate.conftest import Course, run_in_process
from tests.support.openai_server import OpenAITestServer


def structured_config(server: OpenAITestServer, course: Course) -> SynthConfig:
    return SynthConfig(
        teacher=TeacherConfig(kind="openai", base_url=server.base_url, model="test-model"),
        chunk_ids=tuple(course.chunk_ids[c] for c in ("definition", "ohm", "fractions")),
        per_chunk=1,
        concurrency=1,
    )


def test_the_teacher_requests_a_json_schema_for_each_step(
    teacher_server: OpenAITestServer, course: Course
) -> None:
    _, report = run_in_process(course.store, course.workspace, structured_config(teacher_server, course))

    assert report["kept"] == 3 and report["failed"] == 0
    formats = [body.get("response_format") for body in teacher_server.chat_bodies]
    assert all(f is not None and f["type"] == "json_schema" for f in formats)
    names = {f["json_schema"]["name"] for f in formats if f}
    assert names == {"derivation", "conversation"}
    derivation = next(f for f in formats if f and f["json_schema"]["name"] == "derivation")
    assert derivation["json_schema"]["schema"]["required"] == ["question", "reference_answer", "final_answer"]


def test_a_server_without_structured_output_gets_plain_requests_after_one_refusal(
    teacher_server: OpenAITestServer, course: Course
) -> None:
    teacher_server.structured_output = False

    _, report = run_in_process(course.store, course.workspace, structured_config(teacher_server, course))

    assert report["kept"] == 3 and report["failed"] == 0
    with_format = ["response_format" in body for body in teacher_server.chat_bodies]
    assert with_format == [True] + [False] * 6  # refused once; derive + write for 3 items in plain text
