"""File-access probes against the running studio are refused: the store, system files, traversal."""

from __future__ import annotations

import urllib.parse

import httpx
import pytest

from tests.support.studio_server import StudioProcess

pytestmark = pytest.mark.slow


def _probes(studio: StudioProcess) -> list[str]:
    db = str(studio.workspace.db_path)
    encoded_db = urllib.parse.quote(db, safe="")
    return [
        f"gradio_api/file={db}",
        f"gradio_api/file={encoded_db}",
        "gradio_api/file=/etc/passwd",
        "gradio_api/file=../studio.db",
        "gradio_api/file=..%2fstudio.db",
        "gradio_api/file=%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        f"gradio_api/file={studio.workspace.root}/../../etc/passwd",
        f"file={db}",
        f"gradio_api/file={studio.workspace.jobs_dir}",
    ]


def test_file_probes_are_refused(studio: StudioProcess) -> None:
    for probe in _probes(studio):
        response = httpx.get(studio.url + probe, timeout=30)
        assert response.status_code in (403, 404, 400), f"{probe} -> {response.status_code}"
        assert b"SQLite format" not in response.content and b"root:" not in response.content, probe


def test_export_folder_is_downloadable(studio: StudioProcess) -> None:
    target = studio.workspace.exports_dir / "hello.txt"
    target.write_text("exported")
    response = httpx.get(f"{studio.url}gradio_api/file={target}", timeout=30)
    assert response.status_code == 200 and response.text == "exported"


def test_upload_over_the_size_limit_is_refused(studio: StudioProcess) -> None:
    too_big = b"x" * (201 * 1024 * 1024)
    response = httpx.post(
        studio.url + "gradio_api/upload", files={"files": ("big.txt", too_big, "text/plain")}, timeout=120
    )
    assert response.status_code == 413, response.status_code
