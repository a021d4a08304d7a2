"""`tutor-studio ingest FILE... --json` prints exactly the documented JSON, reports progress on stderr,
ingests every good file, and exits non-zero when any file failed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.documents import builders

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
KEYS = ["file", "id", "status", "pipeline", "pages", "chunks", "error"]


def ingest(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STUDIO_BASE_MODEL": "tiny"}
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "ingest", "--workspace", str(workspace), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def test_ingest_json_reports_each_file_and_fails_after_the_others(tmp_path: Path) -> None:
    home = tmp_path / "home"
    good_pdf = builders.make_pdf(tmp_path / "rocks.pdf", pages=2)
    good_docx = builders.make_docx(tmp_path / "rocks.docx")
    broken = tmp_path / "broken.pptx"
    broken.write_bytes(b"this is not a presentation")
    done = ingest(home, str(good_pdf), str(broken), str(good_docx), "--json")
    assert done.returncode == 1, done.stderr
    payload = json.loads(done.stdout)  # one JSON object and nothing else on stdout
    entries = payload["documents"]
    assert list(payload) == ["documents"] and [list(e) for e in entries] == [KEYS] * 3
    pdf, bad, docx = entries
    assert (
        pdf["status"] == "ok" and pdf["pipeline"] == "native-pdf" and pdf["pages"] == 2 and pdf["chunks"] >= 1
    )
    assert pdf["id"].startswith("doc_") and pdf["error"] is None
    assert docx["status"] == "ok" and docx["chunks"] >= 1
    assert bad == {
        "file": "broken.pptx",
        "id": None,
        "status": "error",
        "pipeline": None,
        "pages": None,
        "chunks": 0,
        "error": bad["error"],
    }
    assert "its name says PowerPoint (.pptx), but it actually contains a Text file" in bad["error"]
    assert "rocks.pdf" in done.stderr and "done" in done.stderr


def test_ingesting_again_says_exists_and_exits_zero(tmp_path: Path) -> None:
    home = tmp_path / "home"
    lesson = builders.make_markdown(tmp_path / "lesson.md")
    first = ingest(home, str(lesson), "--json")
    assert first.returncode == 0, first.stderr
    again = ingest(home, str(lesson), "--json")
    assert again.returncode == 0
    (entry,) = json.loads(again.stdout)["documents"]
    assert entry["status"] == "exists" and entry["id"] == json.loads(first.stdout)["documents"][0]["id"]
    assert "already exists" in again.stderr


def test_ingest_without_files_explains_what_to_pass(tmp_path: Path) -> None:
    done = ingest(tmp_path / "home")
    assert done.returncode == 2 and "--demo" in done.stderr
