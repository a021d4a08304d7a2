"""Two CPU ranks (torchrun, gloo) through the studio's own training job: rank 0 alone reads stop
requests and every rank obeys at the same step; rank 0 alone marks checkpoints, writes metrics and the
model card; a run whose rank 1 was killed with kill -9 resumes from its last complete checkpoint."""

from __future__ import annotations

import json
import os
import re
import signal
import time

import psutil
import pytest

from core.jobs import get_job, log_path, read_metrics, wait_for_job
from core.jobs.process import group_members
from core.paths import Workspace
from core.review.records import Dataset
from core.store import Store
from core.train.checkpoints import MARKER, complete_checkpoints, latest_complete
from core.train.records import get_run
from core.train.runs import cancel_training, resume_training, start_training, stop_training
from tests.core.train.conftest import fast_config

pytestmark = [pytest.mark.distributed, pytest.mark.slow]
JOB_TIMEOUT_S = 240
RANKS = 2
STEPS = 60


@pytest.fixture(autouse=True)
def two_cpu_ranks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_CPU_PROCESSES", str(RANKS))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


def wait_until(condition, timeout_s: float = 180, poll_s: float = 0.05) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(poll_s)
    raise AssertionError("timed out waiting")


def training_step(store: Store, job_id: str) -> int:
    job = get_job(store, job_id)
    return int(job.progress_done) if job.progress_total else 0


def worker(run_id: str, rank: int) -> psutil.Process | None:
    """The live worker process of `rank` for this run (torchrun gives each its RANK)."""
    for process in psutil.process_iter(["cmdline"]):
        try:
            cmdline = process.info["cmdline"] or []
            ours = "core.train.worker" in cmdline and run_id in cmdline
            if ours and process.environ().get("RANK") == str(rank):
                return process
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return None


def stop_lines(workspace: Workspace, job_id: str) -> list[str]:
    text = log_path(workspace, job_id).read_text(encoding="utf-8", errors="replace")
    return re.findall(r"rank (\d) stops \((\w+)\), as rank 0 decided", text)


def test_two_ranks_stop_together_resume_after_a_killed_rank_and_finish_with_one_writer(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    config = fast_config(
        dataset=tutor_dataset.id, max_steps=STEPS, save_steps=4, logging_steps=1, batch_size=2
    )
    started = start_training(store, tiny_workspace, config)
    run_id, first_job = started.run.id, started.job.id
    checkpoints = started.run.path / "checkpoints"

    # Stop: rank 0 reads the request, both ranks stop at the same step and a checkpoint is saved.
    wait_until(lambda: training_step(store, first_job) >= 2)
    stop_training(store, tiny_workspace, run_id)
    assert wait_for_job(store, first_job, timeout_s=JOB_TIMEOUT_S).state == "stopped"
    assert sorted(stop_lines(tiny_workspace, first_job)) == [("0", "stop"), ("1", "stop")]
    run = get_run(store, run_id)
    assert run is not None and run.status == "stopped"
    stopped_at = latest_complete(checkpoints)
    assert stopped_at is not None and int(stopped_at.name.split("-")[-1]) < STEPS

    # kill -9 of rank 1 after the resumed run saved a new checkpoint: the job fails, nothing is left over.
    resumed = resume_training(store, tiny_workspace, run_id)
    before = int(stopped_at.name.split("-")[-1])
    wait_until(lambda: (latest := latest_complete(checkpoints)) is not None and latest != stopped_at)
    victim = worker(run_id, 1)
    assert victim is not None, "rank 1 is not running"
    os.kill(victim.pid, signal.SIGKILL)
    failed = wait_for_job(store, resumed.job.id, timeout_s=JOB_TIMEOUT_S)
    assert failed.state == "failed"
    wait_until(lambda: worker(run_id, 0) is None and worker(run_id, 1) is None, timeout_s=30)
    killed_at = latest_complete(checkpoints)
    assert killed_at is not None and before < int(killed_at.name.split("-")[-1]) < STEPS

    # Resume again: it continues from that checkpoint and reaches the target.
    final = resume_training(store, tiny_workspace, run_id)
    assert f"step {killed_at.name.split('-')[-1]}" in final.notice
    assert wait_for_job(store, final.job.id, timeout_s=JOB_TIMEOUT_S).state == "succeeded"
    finished = get_run(store, run_id)
    assert finished is not None and finished.status == "succeeded" and finished.adapter_id
    assert finished.summary["steps"] == STEPS and finished.summary["engine"] == "peft"

    # One writer: each checkpoint marker lists both ranks' RNG states (rank 0 waited for rank 1), and
    # the metrics hold one record per logged step, not one per rank.
    for _step, folder in complete_checkpoints(checkpoints):
        files = json.loads((folder / MARKER).read_text())["files"]
        assert {f"rng_state_{rank}.pth" for rank in range(RANKS)} <= set(files)
    records = read_metrics(tiny_workspace, final.job.id)
    steps = [r["step"] for r in records if "loss" in r]
    assert (
        steps == sorted(set(steps)) and steps[0] > int(killed_at.name.split("-")[-1]) and steps[-1] == STEPS
    )
    assert len([r for r in records if r.get("event") == "start"]) == 1
    assert (finished.path / "adapter" / "adapter_model.safetensors").exists()
    assert len(list(finished.path.glob("**/README.md"))) >= 1


def test_two_ranks_cancel_together_and_leave_no_process(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    config = fast_config(dataset=tutor_dataset.id, max_steps=400, save_steps=200, batch_size=2)
    started = start_training(store, tiny_workspace, config)
    wait_until(lambda: training_step(store, started.job.id) >= 2)
    pid = get_job(store, started.job.id).pid
    cancel_training(store, tiny_workspace, started.run.id)
    job = wait_for_job(store, started.job.id, timeout_s=JOB_TIMEOUT_S)
    assert job.state == "cancelled"
    assert sorted(stop_lines(tiny_workspace, started.job.id)) == [("0", "cancel"), ("1", "cancel")]
    wait_until(lambda: not group_members(pid or 0) and worker(started.run.id, 1) is None, timeout_s=30)
    run = get_run(store, started.run.id)
    assert run is not None and run.status == "cancelled" and run.adapter_id is None
