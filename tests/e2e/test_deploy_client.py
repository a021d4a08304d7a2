"""The Deploy tab's and the preference panel's endpoints through gradio_client against the running studio:
export and follow it to a download, the refusals a teacher would hit, build a preference dataset, estimate
and start a DPO run that becomes an adapter."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from core.jobs import wait_for_job
from core.store import Store
from core.train.records import get_run
from core.train.sft_config import TrainConfig
from studio.tabs.train.display import form_values
from tests.core.evaluate.helpers import build_test_dataset, ensure_tiny, register_adapter
from tests.core.train.preference_seed import seed_all
from tests.support.studio_server import StudioProcess

pytestmark = pytest.mark.slow
JOB = re.compile(r"job_[0-9a-f]+")
VLLM_OPTIONS = ["auto", "tutor-studio", "vllm/vllm-openai:v0.11.0", "merged", False, "", "", "", "tutor"]


def value_of(output: Any) -> Any:
    return output.get("value") if isinstance(output, dict) and output.get("__type__") == "update" else output


def seeded(studio: StudioProcess, tiny_model_dir: Path, tiny_adapter_dir: Path) -> str:
    ensure_tiny(studio.workspace, tiny_model_dir)
    store = Store.open(studio.workspace)
    try:
        dataset = build_test_dataset(store, studio.workspace, tiny_model_dir)
        return register_adapter(store, studio.workspace, tiny_adapter_dir, dataset)
    finally:
        store.close()


def follow(client: Client, job_id: str, timeout_s: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = client.predict(job_id, api_name="/deploy_job")
        if status["state"] not in ("queued", "starting", "running"):
            return dict(status)
        time.sleep(1)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s:.0f} s")


def test_an_export_runs_as_a_job_and_ends_in_a_download(
    studio: StudioProcess, tiny_model_dir: Path, tiny_adapter_dir: Path
) -> None:
    adapter_id = seeded(studio, tiny_model_dir, tiny_adapter_dir)
    client = Client(studio.url, verbose=False)
    notice = client.predict(adapter_id, "vllm", *VLLM_OPTIONS, api_name="/deploy_export")
    found = JOB.search(str(notice))
    assert found, notice
    status = follow(client, found.group(0))
    assert status["state"] == "succeeded" and status["kind"] == "export", status
    export = status["export"]
    assert export["adapter"] == adapter_id and export["target"] == "vllm"
    root = studio.workspace.root
    assert export["zip"].startswith("exports/") and (root / export["zip"]).is_file()
    assert export["summary"]["commands"]["serve"].startswith("vllm serve")
    assert (root / export["folder"] / "serve.sh").is_file()
    with pytest.raises(Exception, match="No job 'job_nope'"):
        client.predict("job_nope", api_name="/deploy_job")


def test_refusals_say_what_to_fix(
    studio: StudioProcess, tiny_model_dir: Path, tiny_adapter_dir: Path
) -> None:
    adapter_id = seeded(studio, tiny_model_dir, tiny_adapter_dir)
    client = Client(studio.url, verbose=False)
    with pytest.raises(Exception, match="No adapter 'nope'"):
        client.predict("nope", "vllm", *VLLM_OPTIONS, api_name="/deploy_export")
    hosted = ["auto", "", "", "merged", True, "https://api.example.com/v1", "NO_SUCH_KEY_VAR", "m", "tutor"]
    with pytest.raises(Exception, match="NO_SUCH_KEY_VAR is not set"):
        client.predict(adapter_id, "openai", *hosted, api_name="/deploy_export")
    with pytest.raises(Exception, match="Server URL: give the server's address"):
        client.predict(adapter_id, "localhost:8000", "", "", 4, True, "auto", api_name="/deploy_check")
    with pytest.raises(Exception, match="Pick an adapter first"):
        client.predict(None, "http://127.0.0.1:8000/v1", "", "", 4, True, "auto", api_name="/deploy_check")


def test_the_preference_panel_builds_pairs_and_starts_a_dpo_run(
    studio: StudioProcess, tiny_model_dir: Path, tiny_adapter_dir: Path
) -> None:
    parent = seeded(studio, tiny_model_dir, tiny_adapter_dir)
    store = Store.open(studio.workspace)
    seed_all(store)
    client = Client(studio.url, verbose=False)
    built, dataset = client.predict(["votes", "leaks", "edits"], api_name="/train_preference_build")
    assert "Built preferences@v" in built or "Nothing changed" in built
    dataset_id = value_of(dataset)
    assert str(dataset_id).startswith("preferences@v")
    form = form_values(TrainConfig.from_preset("quick"))
    panel = ["dpo", parent, dataset_id, 0.1, 5e-3, 1.0, 4]
    estimate = client.predict(*panel, *form, api_name="/train_preference_estimate")
    assert "Ready." in estimate and "4 steps" in estimate
    notice, run_id = client.predict(*panel, *form, api_name="/train_preference_start")
    assert "Started DPO run" in notice
    run = get_run(store, run_id)
    assert run is not None and run.method == "dpo" and run.parent_adapter_id == parent
    assert run.job_id is not None and wait_for_job(store, run.job_id, timeout_s=300).state == "succeeded"
    finished = get_run(store, run_id)
    assert finished is not None and re.search(r"\+dpo@v\d+$", finished.adapter_id or "")
    store.close()
