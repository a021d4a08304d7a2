"""The running studio answers gradio_client; its header names model, device and workspace; jobs
survive a studio restart and reappear within one poll."""

from __future__ import annotations

import json

import httpx
import pytest
from gradio_client import Client

from core.jobs import submit_job, wait_for_job
from core.paths import Workspace
from core.store import Store
from tests.support.studio_server import StudioProcess, running_studio

pytestmark = pytest.mark.slow


def _header_text(url: str) -> str:
    config = httpx.get(url + "config", timeout=30).json()
    header = next(c for c in config["components"] if c.get("props", {}).get("elem_id") == "header")
    return str(header["props"]["value"])


def test_header_names_base_model_device_and_workspace(studio: StudioProcess) -> None:
    header = _header_text(studio.url)
    assert "Base model" in header and "tiny" in header
    assert "Device" in header and "CPU" in header
    assert str(studio.workspace.root) in header


def test_gradio_client_sees_the_jobs_endpoint(studio: StudioProcess) -> None:
    client = Client(studio.url, verbose=False)
    api = json.dumps(client.view_api(return_format="dict", print_info=False))
    assert "/jobs" in api and "/cancel_job" in api
    table, _choices, _log = client.predict(None, api_name="/jobs")
    assert "No background jobs yet" in table or "<table" in table


def test_unavailable_base_model_falls_back_to_tiny_and_says_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    workspace = Workspace(tmp_path / "home").ensure()
    with running_studio(workspace, env={"STUDIO_BASE_MODEL": "no-such-org/no-such-model"}) as studio:
        header = _header_text(studio.url)
    assert "no-such-org/no-such-model" in header and "tiny" in header
    assert "base-fallback" in header


def test_job_survives_studio_restart_and_shows_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    workspace = Workspace(tmp_path / "home").ensure()
    store = Store.open(workspace)
    first = running_studio(workspace)
    with first as studio:
        job = submit_job(
            store,
            workspace,
            kind="test",
            title="Survivor",
            target="tests.support.job_targets:count_job",
            params={"steps": 60, "interval_s": 0.1},
        )
        studio.kill()  # the studio dies hard; the job must not
    with running_studio(workspace) as studio:
        table, _choices, _log = Client(studio.url, verbose=False).predict(None, api_name="/jobs")
        assert job.id in table and "Survivor" in table
    assert wait_for_job(store, job.id, timeout_s=60).state == "succeeded"
