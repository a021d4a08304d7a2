"""Jobs on real processes: start, follow, finish; cancel ends the whole group; reconcile; the queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import psutil
import pytest

from core.jobs import (
    GPU,
    Job,
    JobError,
    enforce_stop,
    get_job,
    list_jobs,
    poll_jobs,
    read_log_tail,
    read_metrics,
    reconcile_jobs,
    request_stop,
    submit_job,
    wait_for_job,
)
from core.jobs.process import group_members
from core.paths import Workspace
from core.store import Store

COUNT = "tests.support.job_targets:count_job"


def _submit(store: Store, workspace: Workspace, **params: object) -> str:
    resource = params.pop("resource", None)
    grace = float(params.pop("grace_s", 20.0))  # type: ignore[arg-type]
    job = submit_job(
        store,
        workspace,
        kind="test",
        title="Count",
        target=COUNT,
        params=params,
        resource=resource,
        grace_s=grace,
    )
    return job.id


def _wait_until(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def _gone(pid: int) -> bool:
    """True once `pid` has exited (a zombie waiting for its parent has exited too)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_job_runs_to_completion_with_progress_metrics_and_log(store: Store, workspace: Workspace) -> None:
    job_id = _submit(store, workspace, steps=5, interval_s=0.05)
    job = wait_for_job(store, job_id, timeout_s=60)
    assert job.state == "succeeded", read_log_tail(workspace, job_id)
    assert job.result == {"steps": 5}
    assert job.progress_done == 5 and job.progress_total == 5 and job.fraction == 1.0
    assert [m["step"] for m in read_metrics(workspace, job_id)] == [1, 2, 3, 4, 5]
    assert "ended: succeeded" in read_log_tail(workspace, job_id)
    assert job.finished_at is not None and job.started_at is not None


def test_failing_job_records_the_error(store: Store, workspace: Workspace) -> None:
    job = wait_for_job(store, _submit(store, workspace, steps=5, fail_at=2), timeout_s=60)
    assert job.state == "failed"
    assert "failing on purpose at step 2" in (job.error or "")
    assert "Traceback" in read_log_tail(workspace, job.id, max_lines=50)


def test_target_outside_core_is_refused(store: Store, workspace: Workspace) -> None:
    with pytest.raises(JobError, match=r"core\.module:function"):
        submit_job(store, workspace, kind="x", title="x", target="os:system")


def test_graceful_cancel_ends_job_as_cancelled(store: Store, workspace: Workspace) -> None:
    job_id = _submit(store, workspace, steps=1000, interval_s=0.05)
    _wait_until(lambda: get_job(store, job_id).progress_done >= 2)
    request_stop(store, job_id, "cancel")
    job = wait_for_job(store, job_id, timeout_s=30)
    assert job.state == "cancelled"
    assert 2 <= (job.result or {})["steps"] < 1000


def test_job_ending_through_jobstopped_is_recorded_as_stopped(store: Store, workspace: Workspace) -> None:
    job_id = _submit(store, workspace, steps=1000, interval_s=0.05, raise_on_stop=True)
    _wait_until(lambda: get_job(store, job_id).state == "running")
    request_stop(store, job_id, "stop")
    job = wait_for_job(store, job_id, timeout_s=30)
    assert job.state == "stopped" and job.error is None


def test_stop_mode_ends_job_resumable(store: Store, workspace: Workspace) -> None:
    job_id = _submit(store, workspace, steps=1000, interval_s=0.05)
    _wait_until(lambda: get_job(store, job_id).state == "running")
    request_stop(store, job_id, "stop")
    assert wait_for_job(store, job_id, timeout_s=30).state == "stopped"


@pytest.mark.slow
def test_cancel_kills_whole_process_group_of_a_stubborn_job(store: Store, workspace: Workspace) -> None:
    job_id = _submit(
        store, workspace, steps=100000, interval_s=0.05, spawn_child=True, ignore_stop=True, grace_s=1
    )
    _wait_until(lambda: any("child_pid" in m for m in read_metrics(workspace, job_id)))
    child_pid = next(m["child_pid"] for m in read_metrics(workspace, job_id) if "child_pid" in m)
    job = get_job(store, job_id)
    assert job.pid is not None and child_pid in group_members(job.pid)
    request_stop(store, job_id, "cancel")
    job = enforce_stop(store, workspace, job_id, wait=True)
    assert job.state == "cancelled"
    assert group_members(job.pid) == []
    assert not psutil.pid_exists(child_pid) or psutil.Process(child_pid).status() == psutil.STATUS_ZOMBIE


def test_killed_job_shows_interrupted_after_reconcile(store: Store, workspace: Workspace) -> None:
    job_id = _submit(store, workspace, steps=100000, interval_s=0.05)
    _wait_until(lambda: get_job(store, job_id).state == "running" and get_job(store, job_id).pid is not None)
    os.killpg(get_job(store, job_id).pid, signal.SIGKILL)
    pid = get_job(store, job_id).pid
    _wait_until(lambda: _gone(pid))
    time.sleep(0.3)
    assert job_id in reconcile_jobs(store, workspace)
    job = get_job(store, job_id)
    assert job.state == "interrupted" and "ended without reporting back" in (job.error or "")


def test_reconcile_leaves_live_jobs_alone_and_matches_start_time(store: Store, workspace: Workspace) -> None:
    job_id = _submit(store, workspace, steps=100000, interval_s=0.05)
    _wait_until(lambda: get_job(store, job_id).state == "running")
    assert reconcile_jobs(store, workspace) == []
    # A recycled pid (same number, different process start time) must not pass for the job.
    store.execute("UPDATE jobs SET pid_started_at = pid_started_at - 1000 WHERE id = ?", (job_id,))
    real_pid = get_job(store, job_id).pid
    assert job_id in reconcile_jobs(store, workspace)
    os.killpg(real_pid, signal.SIGKILL)


def test_gpu_jobs_run_one_at_a_time_and_queue_in_order(store: Store, workspace: Workspace) -> None:
    first = _submit(store, workspace, steps=30, interval_s=0.05, resource=GPU)
    second = _submit(store, workspace, steps=2, interval_s=0.01, resource=GPU)
    third = _submit(store, workspace, steps=2, interval_s=0.01, resource=GPU)
    statuses = {s.job.id: s for s in poll_jobs(store, workspace)}
    assert statuses[second].job.state == "queued" and statuses[second].queue_position == 1
    assert statuses[third].queue_position == 2
    cpu = _submit(store, workspace, steps=2, interval_s=0.01)  # not on the GPU: starts at once
    assert wait_for_job(store, cpu, timeout_s=60).state == "succeeded"
    for job_id in (first, second, third):
        assert wait_for_job(store, job_id, timeout_s=90).state == "succeeded"
    jobs = {job.id: job for job in list_jobs(store)}
    assert jobs[first].finished_at <= jobs[second].started_at  # type: ignore[operator]
    assert jobs[second].finished_at <= jobs[third].started_at  # type: ignore[operator]


def test_cancelling_a_queued_job_never_starts_it(store: Store, workspace: Workspace) -> None:
    first = _submit(store, workspace, steps=20, interval_s=0.05, resource=GPU)
    queued = _submit(store, workspace, steps=2, resource=GPU)
    assert request_stop(store, queued, "cancel").state == "cancelled"
    wait_for_job(store, first, timeout_s=60)
    time.sleep(0.5)
    assert get_job(store, queued).started_at is None


def test_job_outlives_the_process_that_started_it(workspace: Workspace) -> None:
    """No client connected: the submitting process exits at once, the job still finishes."""
    code = (
        "from core.paths import Workspace; from core.store import Store; from core.jobs import submit_job;"
        "ws = Workspace.from_env(); s = Store.open(ws);"
        "j = submit_job(s, ws, kind='t', title='t', target='tests.support.job_targets:count_job',"
        " params={'steps': 10, 'interval_s': 0.1}); print(j.id)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    job_id = out.stdout.strip()
    store = Store.open(workspace)
    job = wait_for_job(store, job_id, timeout_s=60)
    assert job.state == "succeeded" and job.result == {"steps": 10}


def run_warm_jobs(store: Store, workspace: Workspace, extra_params: list[dict[str, Any]]) -> list[Job]:
    """Queue one warm counting job per entry (its params merged in) in a one-slot lane; wait for all."""
    ids = [
        submit_job(
            store,
            workspace,
            kind="test",
            title=f"Warm {n}",
            target="tests.support.job_targets:warm_count_job",
            params={"steps": 3, "interval_s": 0.05, **extra},
            resource="one-lane",  # one slot: "documents" has two lanes
        ).id
        for n, extra in enumerate(extra_params)
    ]
    return [wait_for_job(store, job_id, timeout_s=60) for job_id in ids]


def test_warm_worker_runs_queued_jobs_of_its_kind_in_one_process(store: Store, workspace: Workspace) -> None:
    jobs = run_warm_jobs(store, workspace, [{}, {}, {}])
    assert [job.state for job in jobs] == ["succeeded"] * 3
    assert len({job.result["pid"] for job in jobs}) == 1  # type: ignore[index]
    for job in jobs:  # each job keeps its own log
        assert f"job {job.id} ended: succeeded" in read_log_tail(workspace, job.id)


def test_a_warm_worker_hands_on_to_a_fresh_process_after_a_failed_job(
    store: Store, workspace: Workspace
) -> None:
    # A failed job may leave its process half set up (a time limit that fired inside a first import),
    # so the job after it must not run there.
    jobs = run_warm_jobs(store, workspace, [{"fail_at": 2}, {}, {}])
    assert [job.state for job in jobs] == ["failed", "succeeded", "succeeded"]
    assert jobs[1].pid != jobs[0].pid, "the job after a failure ran in the failed job's process"
    assert jobs[2].pid == jobs[1].pid, "after a success the process is still reused"
