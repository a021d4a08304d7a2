"""Training as a background job: it survives kill -9 (resuming from complete checkpoints only), stops and
resumes, cancels without leaving a process behind, and keeps going with no client attached."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import psutil
import pytest

from core.jobs import Job, get_job, read_metrics, reconcile_jobs, wait_for_job
from core.jobs.process import group_members
from core.paths import Workspace
from core.review.records import Dataset
from core.store import Store
from core.train.checkpoints import MARKER, latest_complete, list_checkpoints
from core.train.records import get_run, run_job_ids
from core.train.runs import cancel_training, resume_training, start_training, stop_training
from core.train.status import run_view
from tests.core.train.conftest import fast_config

pytestmark = pytest.mark.slow
JOB_TIMEOUT_S = 300


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


def started_logging(workspace: Workspace, job_id: str) -> bool:
    return any(r.get("event") == "start" for r in read_metrics(workspace, job_id))


def kill_group(job: Job) -> None:
    assert job.pid is not None
    os.killpg(job.pid, signal.SIGKILL)
    wait_until(lambda: not group_members(job.pid or 0), timeout_s=30)


def test_kill_9_at_any_moment_then_resume_reaches_the_target(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    rng = random.Random(6)
    config = fast_config(dataset=tutor_dataset.id, max_steps=36, save_steps=4, learning_rate=3e-3)
    started = start_training(store, tiny_workspace, config)
    run, job_id = started.run, started.job.id
    checkpoints = run.path / "checkpoints"
    caught_mid_write = False
    kills = 0
    for attempt in range(3):
        wait_until(lambda: training_step(store, job_id) >= 2)  # noqa: B023
        if attempt == 0:
            # Kill while a checkpoint is being written: its folder exists but its marker does not yet.
            def writing() -> bool:
                return any(not (p / MARKER).exists() for _, p in list_checkpoints(checkpoints))

            try:
                wait_until(writing, timeout_s=60, poll_s=0.002)
                caught_mid_write = True
            except AssertionError:
                pass
        else:
            time.sleep(rng.uniform(0.05, 0.8))  # short: the run must still be going when the kill lands
        job = get_job(store, job_id)
        if not job.is_active:
            break
        step_at_kill = training_step(store, job_id)
        kill_group(job)
        kills += 1
        complete = latest_complete(checkpoints)
        resume_step = int(complete.name.split("-")[-1]) if complete else 0
        # At most one save interval (plus the step in flight) is lost.
        assert step_at_kill - resume_step <= config.save_steps + 1
        reconcile_jobs(store, tiny_workspace)
        assert get_job(store, job_id).state == "interrupted"
        view = run_view(store, tiny_workspace, run.id)
        assert view is not None and view.status == "interrupted" and view.can_resume
        job_id = resume_training(store, tiny_workspace, run.id).job.id
        wait_until(partial(started_logging, tiny_workspace, job_id))
        first = read_metrics(tiny_workspace, job_id)[0]
        assert first == {"event": "start", "step": resume_step, "time": first["time"]}
    assert caught_mid_write, "the test never caught a checkpoint being written"
    final = wait_for_job(store, job_id, timeout_s=JOB_TIMEOUT_S)
    assert final.state == "succeeded", final.error
    finished = get_run(store, run.id)
    assert finished is not None and finished.status == "succeeded" and finished.summary
    assert finished.summary["steps"] == 36 and finished.adapter_id
    assert kills >= 2, "the run finished before the second kill"
    assert len(run_job_ids(store, run.id)) == kills + 1  # one job per start and per resume
    view = run_view(store, tiny_workspace, run.id)
    assert view is not None
    steps = [r.step for r in view.metrics if r.loss is not None]
    assert steps == sorted(set(steps)) and steps[-1] == 36  # one clean curve over every resume


def test_stop_saves_and_resume_finishes_the_run(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    started = start_training(
        store, tiny_workspace, fast_config(dataset=tutor_dataset.id, max_steps=200, save_steps=100)
    )
    wait_until(lambda: training_step(store, started.job.id) >= 3)
    assert "saves a checkpoint" in stop_training(store, tiny_workspace, started.run.id)
    stopped = wait_for_job(store, started.job.id, timeout_s=JOB_TIMEOUT_S)
    run = get_run(store, started.run.id)
    assert stopped.state == "stopped" and run is not None and run.status == "stopped"
    checkpoint = latest_complete(run.path / "checkpoints")
    assert checkpoint is not None and int(checkpoint.name.split("-")[-1]) >= 3
    view = run_view(store, tiny_workspace, run.id)
    assert view is not None and view.can_resume and not view.can_stop and "resume" in view.message.lower()
    # Resume only to finish quickly: the run's settings say 200 steps, so stop it again after it resumed.
    resumed = resume_training(store, tiny_workspace, run.id)
    assert f"step {checkpoint.name.split('-')[-1]}" in resumed.notice
    wait_until(lambda: training_step(store, resumed.job.id) > int(checkpoint.name.split("-")[-1]))
    cancel_training(store, tiny_workspace, run.id)
    assert wait_for_job(store, resumed.job.id, timeout_s=JOB_TIMEOUT_S).state == "cancelled"


def test_cancel_leaves_no_process_behind(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    started = start_training(store, tiny_workspace, fast_config(dataset=tutor_dataset.id, max_steps=5000))
    wait_until(lambda: training_step(store, started.job.id) >= 2)
    pid = get_job(store, started.job.id).pid
    assert pid is not None and psutil.pid_exists(pid)
    cancel_training(store, tiny_workspace, started.run.id)
    job = wait_for_job(store, started.job.id, timeout_s=JOB_TIMEOUT_S)
    assert job.state == "cancelled"
    wait_until(lambda: not group_members(pid), timeout_s=30)
    run = get_run(store, started.run.id)
    assert run is not None and run.status == "cancelled" and run.adapter_id is None
    view = run_view(store, tiny_workspace, run.id)
    assert view is not None and not view.can_resume and not view.can_stop


def _cli(workspace: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "train", *args, "--workspace", str(workspace.root)],
        capture_output=True,
        text=True,
        timeout=JOB_TIMEOUT_S,
        cwd=Path(__file__).resolve().parents[3],
    )


def test_cli_trains_prints_json_and_a_config_reproduces_the_run(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    out = _cli(tiny_workspace, "--base", "tiny", "--dataset", tutor_dataset.id, "--max-steps", "8", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"run", "adapter", "steps", "first_loss", "final_loss", "tokens_per_second"} <= set(data)
    assert (
        data["steps"] == 8
        and data["tokens_per_second"] > 0
        and data["adapter_id"] == "tiny@local+tutor@v1+lora@v1"
    )
    run_dir = tiny_workspace.run_dir(data["run"])
    assert {p.name for p in run_dir.iterdir()} == {
        "adapter",
        "card.json",
        "checkpoints",
        "model_card.md",
        "run.yaml",
    }
    assert (
        Path(data["adapter"]) == run_dir / "adapter"
        and (run_dir / "adapter" / "adapter_model.safetensors").exists()
    )
    assert "Training: step" in out.stderr and "of 8" in out.stderr and "Finished." in out.stderr

    again = _cli(tiny_workspace, "--config", str(run_dir / "run.yaml"), "--json")
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert second["adapter_id"] == "tiny@local+tutor@v1+lora@v2" and second["run"] != data["run"]
    assert second["first_loss"] == pytest.approx(data["first_loss"], abs=1e-4)
    assert second["final_loss"] == pytest.approx(data["final_loss"], abs=1e-3)


def test_cli_returns_at_once_and_the_job_trains_with_no_client(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    out = _cli(tiny_workspace, "--base", "tiny", "--max-steps", "6", "--no-wait", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    job = wait_for_job(store, data["job"], timeout_s=JOB_TIMEOUT_S)
    assert job.state == "succeeded", job.error
    run = get_run(store, data["run"])
    assert run is not None and run.status == "succeeded" and run.dataset_id == tutor_dataset.id


def test_cli_errors_say_what_to_do(tiny_workspace: Workspace, store: Store) -> None:
    no_data = _cli(tiny_workspace, "--base", "tiny", "--json")
    assert no_data.returncode == 1 and no_data.stdout == "" and "Review tab" in no_data.stderr
    bad = _cli(tiny_workspace, "--base", "tiny", "--max-steps", "0")
    assert bad.returncode == 2 and "max_steps" in bad.stderr
    unknown = _cli(tiny_workspace, "--resume", "run_nope")
    assert unknown.returncode == 1 and "No training run 'run_nope'" in unknown.stderr


def test_an_accelerate_worker_trains_reports_and_writes_its_result(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    """The multi-GPU path's worker, run alone on the CPU: it reports into its job and writes result.json."""
    from core.train.planning import plan_training
    from core.train.runs import create_run

    run = create_run(store, tiny_workspace, plan_training(store, tiny_workspace, fast_config(max_steps=6)))
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO jobs (id, kind, title, target, params, state, created_at) "
            "VALUES ('job_workers', 'train', 'Train', 'core.train.sft_job:train_job', ?, 'running', 1.0)",
            (json.dumps({"run_id": run.id}),),
        )
    env = {**os.environ, "STUDIO_HOME": str(tiny_workspace.root), "RANK": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "core.train.worker", run.id, "job_workers"],
        capture_output=True,
        text=True,
        timeout=JOB_TIMEOUT_S,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((run.path / "result.json").read_text())
    assert result["status"] == "finished" and result["steps"] == 6 and result["adapter_id"]
    assert any("loss" in r for r in read_metrics(tiny_workspace, "job_workers"))
    assert get_job(store, "job_workers").progress_done == 6
    finished = get_run(store, run.id)
    assert finished is not None and finished.status == "succeeded"
