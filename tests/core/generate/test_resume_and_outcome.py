"""Honest generation outcomes and a resume that takes its flags.

A run whose every item failed ends `failed` and the CLI exits 1; a run with some failures says so
(`succeeded_with_failures`, with counts); `--resume RUN --teacher URL` asks the new teacher and records
the change in the run; flags that fix the run's plan are refused on resume with the reason.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from core.generate.config import SynthConfig
from core.generate.records import get_run, item_counts
from core.generate.status import run_status
from core.generate.teacher_config import parse_teacher
from tests.core.generate.conftest import Course, run_in_process
from tests.support.openai_server import OpenAITestServer, Status


def cli(course: Course, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "core.cli", "generate", "--workspace", str(course.workspace.root), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def dead_url() -> str:
    """The address of a port nobody listens on: every request is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def failed_run(course: Course) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = cli(
        course, "--teacher", dead_url(), "--model", "gone", "--timeout", "2", "--per-chunk", "1", "--json"
    )
    return out, json.loads(out.stdout) if out.stdout.strip() else {}


@pytest.mark.slow
def test_a_run_in_which_every_item_failed_ends_failed_and_exits_1(course: Course) -> None:
    out, data = failed_run(course)
    assert out.returncode == 1, out.stderr
    assert (data["state"], data["outcome"]) == ("failed", "failed")
    assert (data["generated"], data["failed"], data["kept"]) == (5, 5, 0)
    assert (
        data["error"].startswith("All 5 items failed") and "Every one of the 5 conversations" in data["error"]
    )
    assert f"--resume {data['run']}" in data["error"]
    status = run_status(course.store, data["run"])
    assert status.outcome == "failed" and status.counts["failed"] == 5 and status.can_resume


def test_a_run_with_some_failures_counts_them_in_its_report(
    course: Course, teacher_server: OpenAITestServer
) -> None:
    teacher_server.script(Status(400, "bad request"))
    teacher = parse_teacher(teacher_server.base_url, "test-model", timeout_s=5)
    config = SynthConfig(teacher=teacher, per_chunk=1, concurrency=1)
    _, report = run_in_process(course.store, course.workspace, config)
    assert report["items"] == {"total": 5, "failed": 1}


def test_a_run_in_which_every_item_failed_reports_why_and_how_to_resume(course: Course) -> None:
    teacher = parse_teacher(dead_url(), "gone", timeout_s=2)
    config = SynthConfig(teacher=teacher, chunk_ids=(course.chunk_ids["ohm"],))
    run_id, report = run_in_process(course.store, course.workspace, config)
    total = report["generated"]
    assert total > 0 and report["items"] == {"total": total, "failed": total}
    assert (
        f"Every one of the {total} conversations failed" in report["failure"] and run_id in report["failure"]
    )


@pytest.mark.slow
def test_resume_asks_the_teacher_it_is_given_and_records_the_change(
    course: Course, teacher_server: OpenAITestServer
) -> None:
    _, first = failed_run(course)
    out = cli(
        course, "--resume", first["run"], "--teacher", teacher_server.base_url, "--concurrency", "2", "--json"
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["state"] == "succeeded" and data["kept"] + data["filtered"] == 5 and data["failed"] == 0
    assert teacher_server.chat_bodies and "Resuming with teacher.base_url" in out.stderr
    run = get_run(course.store, first["run"])
    assert run is not None and run.config["teacher"]["base_url"] == teacher_server.base_url
    assert (
        run.config["concurrency"] == 2 and run.teacher == f"openai:test-model@127.0.0.1:{teacher_server.port}"
    )
    changed = run.config["resumes"][-1]["changed"]
    assert changed["teacher.base_url"][1] == teacher_server.base_url and changed["concurrency"] == [8, 2]
    assert item_counts(course.store, first["run"])["failed"] == 0


@pytest.mark.parametrize(
    "flags", [("--per-chunk", "3"), ("--seed", "4"), ("--mix", "confused=1"), ("--documents", "doc_x")]
)
def test_resume_refuses_a_flag_that_would_change_the_runs_plan(
    course: Course, flags: tuple[str, str]
) -> None:
    out = cli(course, "--resume", "gen_0123456789", *flags, "--json")
    assert out.returncode == 2 and out.stdout == ""
    assert f"{flags[0]} cannot change on --resume" in out.stderr and "start a new run" in out.stderr
