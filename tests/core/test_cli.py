"""The `tutor-studio` command: help lists the commands; --json prints one object; errors exit non-zero."""

from __future__ import annotations

import json
import subprocess
import sys

from core.cli import COMMAND_MODULES
from core.jobs import submit_job, wait_for_job
from core.paths import Workspace
from core.store import Store


def _cli(*args: str, workspace: Workspace | None = None) -> subprocess.CompletedProcess[str]:
    extra = ["--workspace", str(workspace.root)] if workspace else []
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args, *extra], capture_output=True, text=True, timeout=120
    )


def test_help_lists_every_command() -> None:
    out = _cli("--help")
    assert out.returncode == 0
    for name in COMMAND_MODULES:
        assert name in out.stdout
    assert "serve" in COMMAND_MODULES and "jobs" in COMMAND_MODULES


def test_jobs_json_lists_jobs_as_one_object(workspace: Workspace) -> None:
    store = Store.open(workspace)
    job = submit_job(
        store,
        workspace,
        kind="test",
        title="Count to 3",
        target="tests.support.job_targets:count_job",
        params={"steps": 3},
    )
    wait_for_job(store, job.id, timeout_s=60)
    out = _cli("jobs", "--json", workspace=workspace)
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert [j["id"] for j in payload["jobs"]] == [job.id]
    assert payload["jobs"][0]["state"] == "succeeded" and payload["jobs"][0]["result"] == {"steps": 3}


def test_jobs_on_empty_workspace_says_what_to_do(workspace: Workspace) -> None:
    out = _cli("jobs", workspace=workspace)
    assert out.returncode == 0 and "No jobs yet" in out.stdout


def test_unknown_job_fails_with_reason_on_stderr(workspace: Workspace) -> None:
    out = _cli("jobs", "--cancel", "job_nope", "--json", workspace=workspace)
    assert out.returncode != 0
    assert out.stdout == "" and "job_nope" in out.stderr


def test_cancel_from_cli_ends_a_running_job(workspace: Workspace) -> None:
    store = Store.open(workspace)
    job = submit_job(
        store,
        workspace,
        kind="test",
        title="Long count",
        target="tests.support.job_targets:count_job",
        params={"steps": 10000, "interval_s": 0.05},
    )
    out = _cli("jobs", "--cancel", job.id, "--json", workspace=workspace)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["job"]["state"] == "cancelled"
