"""The OpenAI export: the training data in the fine-tuning format, and the hosted path (upload, create, follow,
cancel) against the local OpenAI-compatible test server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.deploy.export_openai import HostedConfig
from core.deploy.exports import ExportOptions, export_adapter, export_for_download, submit_export
from core.deploy.hosted import hosted_refresh, run_hosted
from core.deploy.records import export_for_job, get_export
from core.deploy.subject import ExportError
from core.jobs import get_job, wait_for_job
from tests.core.deploy.conftest import Shipping
from tests.core.train.preference_seed import seed_all
from tests.support.openai_server import OpenAITestServer

KEY_ENV = "STUDIO_TEST_FT_KEY"


class Following:
    def __init__(self, stop_mode: str | None = None) -> None:
        self.messages: list[str] = []
        self.stop_mode = stop_mode

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        self.messages.append(message)

    def should_stop(self) -> bool:
        return self.stop_mode is not None


def hosted(server: OpenAITestServer) -> HostedConfig:
    return HostedConfig(
        api_base=server.base_url, api_key_env=KEY_ENV, model="gpt-test-mini", suffix="tutor", poll_s=0.01
    )


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_an_sft_adapter_ships_its_conversations_in_the_chat_format(
    shipping: Shipping, tmp_path: Path
) -> None:
    report = export_adapter(shipping.store, shipping.workspace, shipping.sft_id, "openai", tmp_path / "ft")
    rows = lines(report.path / "train.jsonl")
    assert len(rows) == shipping.dataset.manifest["counts"]["train"]
    assert all(set(r) == {"messages"} and any(m["role"] == "assistant" for m in r["messages"]) for r in rows)
    assert report.commands["method"] == "supervised" and report.commands["training_file"] == "train.jsonl"


def test_a_dpo_adapter_ships_its_pairs_in_the_preference_format(shipping: Shipping, tmp_path: Path) -> None:
    from core.train.pairs_build import build_preference_dataset

    seed_all(shipping.store)
    build_preference_dataset(shipping.store, shipping.workspace)  # preferences@v1, the DPO run's dataset
    report = export_adapter(shipping.store, shipping.workspace, shipping.dpo_id, "openai", tmp_path / "ft")
    row = lines(report.path / "train.jsonl")[0]
    assert set(row) == {"input", "preferred_output", "non_preferred_output"}
    assert (
        row["input"]["messages"][-1]["role"] == "user" and row["preferred_output"][0]["role"] == "assistant"
    )
    assert report.commands["method"] == "dpo"


def test_the_hosted_job_is_uploaded_created_and_followed_to_its_model(
    shipping: Shipping, openai_server: OpenAITestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test")
    openai_server.api_key = "sk-test"
    openai_server.script_fine_tuning("validating_files", "queued", "running", "succeeded")
    report = export_for_download(shipping.store, shipping.workspace, shipping.sft_id, "openai")
    assert report.export_id is not None
    following = Following()
    result = run_hosted(
        shipping.store, report.export_id, hosted(openai_server), report.path, report.commands, following
    )
    assert result["status"] == "succeeded" and result["fine_tuned_model"] == "ft:gpt-test-mini:tutor:ftjob-1"
    uploaded = {f["filename"]: f["bytes"] for f in openai_server.files.values()}
    assert uploaded["train.jsonl"] == (report.path / "train.jsonl").read_bytes()
    job = openai_server.jobs["ftjob-1"]
    assert job["_body"]["method"] == {"type": "supervised"} and job["_body"]["model"] == "gpt-test-mini"
    assert job["training_file"] in openai_server.files
    assert any("running" in m for m in following.messages) and "sk-test" not in json.dumps(result)
    export = get_export(shipping.store, report.export_id)
    assert export is not None and export.summary["hosted_status"] == "succeeded"
    assert export.summary["hosted"]["job_id"] == "ftjob-1" and "sk-test" not in json.dumps(export.summary)
    assert hosted_refresh(shipping.store, report.export_id)["status"] == "succeeded"


def test_a_failed_or_cancelled_hosted_job_is_reported(
    shipping: Shipping, openai_server: OpenAITestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test")
    openai_server.script_fine_tuning("validating_files", "failed")
    report = export_for_download(shipping.store, shipping.workspace, shipping.sft_id, "openai")
    assert report.export_id is not None
    failed = run_hosted(
        shipping.store, report.export_id, hosted(openai_server), report.path, report.commands, Following()
    )
    assert failed["status"] == "failed" and "scripted failure" in failed["message"]
    openai_server.script_fine_tuning("validating_files", "running", "running", "running")
    cancelled = run_hosted(
        shipping.store,
        report.export_id,
        hosted(openai_server),
        report.path,
        report.commands,
        Following("cancel"),
    )
    assert cancelled["status"] == "cancelled" and openai_server.requests[-1].path.endswith("/cancel")


def test_a_wrong_key_or_a_missing_variable_says_how_to_fix_it(
    shipping: Shipping, openai_server: OpenAITestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(ExportError, match=f"{KEY_ENV} is not set"):
        hosted(openai_server).checked()
    with pytest.raises(ExportError, match="NAME of an environment variable"):
        HostedConfig(api_base=openai_server.base_url, api_key_env="sk-123 oops").checked()
    monkeypatch.setenv(KEY_ENV, "sk-wrong")
    openai_server.api_key = "sk-right"
    report = export_for_download(shipping.store, shipping.workspace, shipping.sft_id, "openai")
    assert report.export_id is not None
    with pytest.raises(ExportError, match=r"HTTP 401.*Check the API key variable"):
        run_hosted(
            shipping.store, report.export_id, hosted(openai_server), report.path, report.commands, Following()
        )


@pytest.mark.slow
def test_the_deploy_tabs_job_exports_zips_and_follows_the_hosted_job(
    shipping: Shipping, openai_server: OpenAITestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test")
    openai_server.script_fine_tuning("running", "succeeded")
    options = ExportOptions(hosted=hosted(openai_server))
    job = submit_export(shipping.store, shipping.workspace, shipping.sft_id, "openai", options)
    assert job.resource is None  # no model is loaded: it does not wait for the GPU queue
    assert "sk-test" not in json.dumps(get_job(shipping.store, job.id).params)
    done = wait_for_job(shipping.store, job.id, timeout_s=120)
    assert done.state == "succeeded", done.error
    assert done.result and done.result["hosted"]["status"] == "succeeded"
    export = export_for_job(shipping.store, job.id)
    assert export is not None and export.zip_path and Path(export.zip_path).is_file()
    assert Path(export.path).parent == shipping.workspace.exports_dir
