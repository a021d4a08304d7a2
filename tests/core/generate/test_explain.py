"""Why a run or a chunk kept nothing: the message names the cause and what to do, in plain words."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from core.generate.explain import (
    ChunkOutcome,
    explain_chunk,
    explain_nothing_kept,
    explain_run,
    material_kind,
)
from tests.core.generate.conftest import CHUNKS, Course


def test_a_run_of_lists_and_questions_says_so_and_suggests_a_model_teacher() -> None:
    outcomes = [ChunkOutcome(0, {"no_fact": 8}, "list")] * 31 + [
        ChunkOutcome(0, {"no_fact": 8}, "questions")
    ] * 9
    message = explain_nothing_kept(outcomes, teacher="template")
    assert "40 of 40 chunks" in message
    assert "bullet lists (31 chunks)" in message and "exercises and questions (9 chunks)" in message
    assert "Generate → Teacher" in message and "full sentences" in message


def test_nothing_is_explained_when_something_was_kept() -> None:
    outcomes = [ChunkOutcome(2, {"no_fact": 0}), ChunkOutcome(0, {"no_fact": 8}, "list")]
    assert explain_nothing_kept(outcomes, teacher="template") == ""
    assert explain_run({"no_fact": 8}, chunks=1, teacher="template", kept=3) == ""
    assert explain_chunk(ChunkOutcome(1, {"answer_leak": 1}), teacher="template") == ""


def test_a_chunk_without_facts_is_explained_on_its_own() -> None:
    message = explain_chunk(ChunkOutcome(0, {"no_fact": 8}, "table"), teacher="template")
    assert message.startswith("The offline teacher found nothing to ask about in this chunk")
    assert "tables" in message


def test_an_unreachable_teacher_is_told_apart_from_thin_material() -> None:
    message = explain_run({"teacher_error": 16}, chunks=2, teacher="http://127.0.0.1:8000/v1")
    assert "16 of 16" in message and "server is running" in message and "resume" in message
    assert "offline teacher found nothing" not in message


def test_conversations_that_failed_the_checks_name_the_commonest_check() -> None:
    message = explain_run({"answer_leak": 5, "off_policy": 2}, chunks=1, teacher="hf:some-model")
    assert "5 of 7" in message and "gave the answer away" in message and "teacher model" in message


def test_duplicates_suggest_fewer_conversations_per_chunk() -> None:
    message = explain_run({"duplicate": 6, "no_fact": 2}, chunks=3, teacher="template")
    assert "fewer conversations per chunk" in message


def test_the_shape_of_a_chunk_is_recognised() -> None:
    assert material_kind(CHUNKS["exercises"][1]) == "questions"
    assert material_kind("- Lava\n- Ash\n- Magma chamber\n- Vent") == "list"
    assert material_kind("| Planet | Moons |\n|---|---|\n| Mars | 2 |") == "table"
    assert material_kind("Magnets attract iron.") == "short"
    assert material_kind(" ".join([CHUNKS["definition"][1]] * 3)) == "statements"


@pytest.mark.slow
def test_the_cli_says_why_a_run_of_exercises_kept_nothing(course: Course) -> None:
    command = [sys.executable, "-m", "core.cli", "generate", "--workspace", str(course.workspace.root)]
    args = ["--json", "--per-chunk", "2", "--chunks", course.chunk_ids["exercises"]]
    out = subprocess.run([*command, *args], capture_output=True, text=True, timeout=180)
    payload = json.loads(out.stdout)
    assert payload["kept"] == 0 and payload["reasons"] == {"no_fact": 2}
    assert payload["explanation"].startswith(
        "The offline teacher found nothing to ask about in 1 of 1 chunks"
    )
    kept = json.loads(
        subprocess.run([*command, "--json", "--per-chunk", "1"], capture_output=True, text=True).stdout
    )
    assert kept["kept"] > 0 and kept["explanation"] == ""
