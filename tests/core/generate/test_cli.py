"""`tutor-studio generate` end to end: the --json object of the issue, a preview, a resume, a server whose
only model is found by itself, and mistakes that exit 2 with the fix on stderr."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.core.generate.conftest import Course
from tests.support.openai_server import OpenAITestServer

pytestmark = pytest.mark.slow


def cli(course: Course, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "core.cli", "generate", "--workspace", str(course.workspace.root), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def test_generate_json_prints_the_counts_of_the_run(course: Course) -> None:
    out = cli(course, "--json", "--per-chunk", "2", "--concurrency", "4")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert {"job", "generated", "kept", "filtered", "failed", "seconds"} <= set(payload)
    assert payload["generated"] == 10 and payload["kept"] + payload["filtered"] + payload["failed"] == 10
    assert payload["state"] == "succeeded" and payload["run"].startswith("gen_") and payload["kept"] > 0
    assert "conversations from 5 chunks" in out.stderr


def test_preview_prints_conversations_and_stores_nothing(course: Course) -> None:
    out = cli(course, "--preview", "--chunks", course.chunk_ids["ohm"])
    assert out.returncode == 0, out.stderr
    assert "Student:" in out.stdout and "Tutor:" in out.stdout
    assert course.store.query_one("SELECT COUNT(*) FROM examples")[0] == 0
    as_json = json.loads(cli(course, "--preview", "--json").stdout)
    assert len(as_json["preview"]) == 3 and all(entry["messages"] for entry in as_json["preview"])


def test_resume_of_a_finished_run_says_there_is_nothing_left(course: Course) -> None:
    run = json.loads(cli(course, "--json", "--per-chunk", "1").stdout)["run"]
    out = cli(course, "--resume", run, "--json")
    assert out.returncode == 2 and out.stdout == "" and "Nothing left to do" in out.stderr


def test_a_server_with_one_model_needs_no_model_name(
    course: Course, teacher_server: OpenAITestServer
) -> None:
    out = cli(
        course,
        "--teacher",
        teacher_server.base_url,
        "--chunks",
        course.chunk_ids["definition"],
        "--per-chunk",
        "1",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["kept"] == 1
    assert teacher_server.chat_bodies[0]["model"] == "test-model"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--teacher", "ftp://example.org"), "not understood"),
        (("--per-chunk", "0"), "Conversations per chunk must be 1 to 20"),
        (("--mix", "bored=1"), "Unknown student intent"),
        (("--documents", "doc_missing"), "is not ready"),
    ],
)
def test_mistakes_exit_2_with_the_fix_on_stderr(course: Course, args: tuple[str, ...], message: str) -> None:
    out = cli(course, *args, "--json")
    assert out.returncode == 2 and out.stdout == "" and message in out.stderr
