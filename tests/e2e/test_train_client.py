"""The Train tab's endpoints through gradio_client: estimate, start, live status, stop/resume, the refusal
of a run that cannot fit, and a run that finishes while no client (not even the studio) is connected."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from gradio_client import Client

from core.jobs import wait_for_job
from core.paths import Workspace
from core.store import Store
from core.train.records import get_run, list_runs
from core.train.sft_config import TrainConfig
from studio.tabs.train.display import form_values
from tests.core.train.conftest import tutor_conversations, write_dataset
from tests.support.studio_server import StudioProcess, running_studio

pytestmark = pytest.mark.slow
TIMEOUT_S = 240


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StudioProcess]:
    workspace = Workspace(tmp_path_factory.mktemp("train-client") / "studio-home").ensure()
    conversations = tutor_conversations(30, seed=5)
    write_dataset(
        Store.open(workspace), workspace, {"train": conversations[:24], "validation": conversations[24:]}
    )
    with running_studio(workspace) as studio:
        yield studio


def form(**settings: Any) -> list[Any]:
    """The Train form's inputs: dataset, base, preset, then every setting."""
    config = TrainConfig.from_preset("quick", **{"logging_steps": 2, "save_steps": 5, **settings})
    return ["tutor@v1", "tiny", "quick", *form_values(config)]


def status(client: Client, run_id: str) -> str:
    return str(client.predict(run_id, "tutor@v1", {}, api_name="/train_status")[0])


def wait_for_status(client: Client, run_id: str, text: str) -> str:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        shown = status(client, run_id)
        if text in shown:
            return shown
        time.sleep(1.0)
    raise AssertionError(f"{text!r} never shown; last: {shown}")


def test_estimate_explains_memory_time_and_the_yaml(seeded: StudioProcess) -> None:
    client = Client(seeded.url, verbose=False)
    html, yaml_text = client.predict(*form(max_steps=12), api_name="/train_estimate")
    assert "tutor@v1" in html and "12 steps" in html and "Memory: about" in html and "Fits." in html
    assert "tutor-studio train --config run.yaml" in yaml_text and "base: tiny" in yaml_text
    refused, _ = client.predict(*form(qlora=True), api_name="/train_estimate")
    assert "Cannot start" in refused and "needs an NVIDIA GPU" in refused


def test_a_run_that_cannot_fit_is_refused_with_the_reason(seeded: StudioProcess) -> None:
    client = Client(seeded.url, verbose=False)
    with pytest.raises(Exception, match="needs an NVIDIA GPU"):
        client.predict(*form(qlora=True), api_name="/train_start")


def test_start_stop_resume_through_the_endpoints(seeded: StudioProcess) -> None:
    client = Client(seeded.url, verbose=False)
    notice, run_id = client.predict(*form(max_steps=400), api_name="/train_start")
    assert "Started run" in notice and run_id.startswith("run_")
    deadline = time.monotonic() + TIMEOUT_S
    while "Step" not in status(client, run_id) and time.monotonic() < deadline:
        time.sleep(1.0)
    stop_notice, _ = client.predict(run_id, api_name="/train_stop")
    assert "saves a checkpoint" in stop_notice
    assert "resume to continue" in wait_for_status(client, run_id, "Stopped")
    resume_notice, _ = client.predict(run_id, api_name="/train_resume")
    assert "Resuming run" in resume_notice
    wait_for_status(client, run_id, "Training")
    cancel_notice, _ = client.predict(run_id, api_name="/train_cancel")
    assert "Cancelling" in cancel_notice
    wait_for_status(client, run_id, "Cancelled")


def test_training_finishes_with_no_client_and_no_studio(tmp_path_factory: pytest.TempPathFactory) -> None:
    workspace = Workspace(tmp_path_factory.mktemp("train-orphan") / "studio-home").ensure()
    conversations = tutor_conversations(20, seed=9)
    store = Store.open(workspace)
    write_dataset(store, workspace, {"train": conversations[:16], "validation": conversations[16:]})
    with running_studio(workspace) as studio:
        client = Client(studio.url, verbose=False)
        _notice, run_id = client.predict(*form(max_steps=16), api_name="/train_start")
        client.close()
        studio.kill(signal.SIGKILL)  # the studio and every client are gone
        run = get_run(store, run_id)
        assert run is not None and run.job_id
        job = wait_for_job(store, run.job_id, timeout_s=TIMEOUT_S)
    assert job.state == "succeeded", job.error
    finished = get_run(store, run_id)
    assert finished is not None and finished.status == "succeeded" and finished.adapter_id
    with running_studio(workspace) as again:
        shown = status(Client(again.url, verbose=False), run_id)
    assert "Finished" in shown and finished.adapter_id in shown
    assert [r.id for r in list_runs(store)] == [run_id]
