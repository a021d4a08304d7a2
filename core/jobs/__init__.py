"""Background jobs: a store row plus a subprocess in its own process group.

A job survives the browser closing and the studio restarting: it is a separate OS process that
writes its progress into the store and its output into files under `jobs/<id>/`.

    job = submit_job(store, ws, kind="train", title="Train tiny", target="core.train.sft_job:train_job", params={})
    wait_for_job(store, job.id)                  # follow it (the UI polls instead)
    request_stop(store, job.id, mode="cancel")   # graceful stop, then SIGTERM, then SIGKILL
    reconcile_jobs(store, ws)                    # at start-up: mark dead jobs interrupted, start queued ones

The child side (JobContext, the runner) is in core/jobs/runner.py.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.jobs.process import (
    is_process_alive,
    signal_group,
    spawn_job_process,
    wait_for_group_exit,
)
from core.jobs.record import (  # noqa: F401 (re-exported: callers import the record from here)
    ACTIVE_STATES,
    FAILURE_KEY,
    ITEMS_KEY,
    Job,
    JobOutcome,
    JobState,
    StopMode,
    job_from_row,
    target_allowed,
)
from core.paths import Workspace
from core.store import Store, from_json, new_id, now, to_json

log = logging.getLogger(__name__)

# Jobs that hold the accelerator (training, evaluation) run one at a time; others queue.
GPU = "gpu"
# How many jobs of a resource may run at once (1 unless named here). Document conversions get two
# lanes, so one huge upload converting in one lane never holds up the small files behind it.
RESOURCE_SLOTS: dict[str, int] = {"documents": 2}
STARTING_TIMEOUT_S = 120.0


class JobError(RuntimeError):
    """A job could not be submitted, found or stopped; the message says why."""


def log_path(workspace: Workspace, job_id: str) -> Path:
    return workspace.job_dir(job_id) / "log.txt"


def metrics_path(workspace: Workspace, job_id: str) -> Path:
    return workspace.job_dir(job_id) / "metrics.jsonl"


def get_job(store: Store, job_id: str) -> Job:
    row = store.query_one("SELECT * FROM jobs WHERE id = ?", (job_id,))
    if row is None:
        raise JobError(f"No job with id {job_id!r}. `tutor-studio jobs` lists the jobs of this workspace.")
    return job_from_row(row)


def find_job(store: Store, job_id: str | None) -> Job | None:
    """The job, or None when there is no id or no such row (one removed by hand): callers show no job."""
    if not job_id:
        return None
    row = store.query_one("SELECT * FROM jobs WHERE id = ?", (job_id,))
    return None if row is None else job_from_row(row)


def list_jobs(store: Store, *, kind: str | None = None, limit: int = 50) -> list[Job]:
    """Newest first; active jobs always included whatever the limit."""
    where, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
    rows = store.query(
        f"SELECT * FROM jobs {where} ORDER BY (state IN ('queued','starting','running')) DESC, "
        "created_at DESC LIMIT ?",
        (*params, limit),
    )
    return [job_from_row(row) for row in rows]


def queue_position(store: Store, job: Job) -> int | None:
    """1 for the next queued job to start on its resource; None when the job is not queued."""
    if job.state != "queued":
        return None
    row = store.query_one(
        "SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND resource IS ? AND created_at <= ?",
        (job.resource, job.created_at),
    )
    return int(row[0]) if row else None


def submit_job(
    store: Store,
    workspace: Workspace,
    *,
    kind: str,
    title: str,
    target: str,
    params: dict[str, Any] | None = None,
    resource: str | None = None,
    grace_s: float = 20.0,
    resumes: str | None = None,
) -> Job:
    """Record a job and start it now if its resource is free; otherwise it waits in the queue.

    `target` is `module:function` inside `core`; the function takes a JobContext and returns a dict.
    """
    if not target_allowed(target):
        raise JobError(f"Job target must be 'core.module:function', got {target!r}.")
    job_id = new_id("job")
    workspace.job_dir(job_id).mkdir(parents=True, exist_ok=True)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO jobs (id, kind, title, target, params, state, resource, created_at, grace_s, resumes) "
            "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
            (job_id, kind, title, target, to_json(params or {}), resource, now(), grace_s, resumes),
        )
    start_queued_jobs(store, workspace)
    return get_job(store, job_id)


def start_queued_jobs(store: Store, workspace: Workspace) -> list[str]:
    """Start every queued job whose resource is free (oldest first). Safe to call from many processes."""
    started: list[str] = []
    while True:
        job_id = claim_next_queued(store)
        if job_id is None:
            return started
        pid, started_at = spawn_job_process(workspace, job_id, log_path(workspace, job_id))
        store.execute(
            "UPDATE jobs SET pid = ?, pid_started_at = ? WHERE id = ? AND pid IS NULL",
            (pid, started_at, job_id),
        )
        started.append(job_id)


def claim_next_queued(store: Store, target: str | None = None) -> str | None:
    """Atomically move the oldest startable queued job (of `target`, if given) to 'starting'; return its id."""
    with store.transaction() as conn:
        where, params = ("AND target = ?", (target,)) if target else ("", ())
        rows = conn.execute(
            f"SELECT id, resource FROM jobs WHERE state = 'queued' {where} ORDER BY created_at", params
        ).fetchall()
        busy = {
            row["resource"]: row["n"]
            for row in conn.execute(
                "SELECT resource, COUNT(*) AS n FROM jobs WHERE state IN ('starting','running') "
                "AND resource IS NOT NULL GROUP BY resource"
            )
        }
        for row in rows:
            resource = row["resource"]
            if resource is not None and busy.get(resource, 0) >= RESOURCE_SLOTS.get(resource, 1):
                continue
            conn.execute(
                "UPDATE jobs SET state = 'starting', started_at = ? WHERE id = ?", (now(), row["id"])
            )
            return str(row["id"])
    return None


def is_job_process_alive(job: Job) -> bool:
    """True when the job's recorded process still runs (same pid and start time, not a zombie)."""
    return is_process_alive(job.pid, job.pid_started_at)


def request_stop(store: Store, job_id: str, mode: StopMode = "cancel") -> Job:
    """Ask a job to stop. 'stop' ends it resumably (a checkpoint is saved); 'cancel' ends it for good.

    A queued job is cancelled at once. A running one sees the request within a heartbeat and winds
    down; `enforce_stop` terminates its process group if it has not ended after its grace period.
    """
    with store.transaction() as conn:
        row = conn.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobError(f"No job with id {job_id!r}.")
        if row["state"] == "queued":
            final = "cancelled" if mode == "cancel" else "stopped"
            conn.execute(
                "UPDATE jobs SET state = ?, finished_at = ?, message = ? WHERE id = ?",
                (final, now(), f"{final.capitalize()} before it started.", job_id),
            )
        elif row["state"] in ("starting", "running"):
            conn.execute(
                "UPDATE jobs SET stop_requested = ?, stop_requested_at = COALESCE(stop_requested_at, ?) "
                "WHERE id = ? AND (stop_requested IS NULL OR stop_requested = 'stop')",
                (mode, now(), job_id),
            )
    return get_job(store, job_id)


def enforce_stop(store: Store, workspace: Workspace, job_id: str, *, wait: bool = True) -> Job:
    """Make a requested stop happen: after the grace period SIGTERM the group, then SIGKILL it.

    With wait=True this blocks until the job has ended (at most about grace + 10 s).
    """
    job = get_job(store, job_id)
    if job.stop_requested is None or not job.is_active:
        return job
    deadline = (job.stop_requested_at or now()) + job.grace_s
    while wait and now() < deadline and is_job_process_alive(get_job(store, job_id)):
        time.sleep(0.2)
    job = get_job(store, job_id)
    if job.is_active and is_job_process_alive(job) and now() >= deadline:
        signal_group(job.pid, signal.SIGTERM)
        kill_deadline = now() + 5.0
        while now() < kill_deadline and is_job_process_alive(job):
            time.sleep(0.1)
        if is_job_process_alive(job):
            signal_group(job.pid, signal.SIGKILL)
    wait_for_group_exit(job.pid, timeout_s=5.0)
    job = get_job(store, job_id)
    if job.is_active and not is_job_process_alive(job):
        _finish_after_forced_stop(store, job)
    return get_job(store, job_id)


def _finish_after_forced_stop(store: Store, job: Job) -> None:
    final: JobState = "stopped" if job.stop_requested == "stop" else "cancelled"
    store.execute(
        "UPDATE jobs SET state = ?, finished_at = ?, message = ? WHERE id = ? AND state IN ('starting','running')",
        (final, now(), f"{final.capitalize()}: the process was terminated after its grace period.", job.id),
    )


def reconcile_jobs(store: Store, workspace: Workspace) -> list[str]:
    """Mark jobs whose process is gone as interrupted, finish overdue stops, start queued jobs.

    Run at start-up and on every poll: cheap when nothing changed. Returns the ids it marked interrupted.
    """
    interrupted: list[str] = []
    for job in list_jobs(store, limit=200):
        if job.state not in ("starting", "running"):
            continue
        if is_job_process_alive(job):
            if job.stop_requested and now() >= (job.stop_requested_at or now()) + job.grace_s + 5:
                threading.Thread(target=enforce_stop, args=(store, workspace, job.id), daemon=True).start()
            continue
        if job.state == "starting" and job.pid is None and now() - (job.started_at or 0) < STARTING_TIMEOUT_S:
            continue
        if job.stop_requested:
            _finish_after_forced_stop(store, job)
            continue
        changed = store.execute(
            "UPDATE jobs SET state = 'interrupted', finished_at = ?, error = COALESCE(error, ?) "
            "WHERE id = ? AND state IN ('starting','running')",
            (
                now(),
                "The job's process ended without reporting back (killed, out of memory, or the machine "
                "restarted). Its log shows the last thing it did; start it again or resume it.",
                job.id,
            ),
        )
        if changed:
            interrupted.append(job.id)
    start_queued_jobs(store, workspace)
    return interrupted


@dataclass(frozen=True)
class JobStatus:
    """A job as a status panel shows it: the record plus its place in the queue."""

    job: Job
    queue_position: int | None


def poll_jobs(store: Store, workspace: Workspace, limit: int = 20) -> list[JobStatus]:
    """What a status panel polls: reconcile first (so a dead job shows as interrupted), then list."""
    reconcile_jobs(store, workspace)
    return [JobStatus(job, queue_position(store, job)) for job in list_jobs(store, limit=limit)]


def wait_for_job(store: Store, job_id: str, timeout_s: float | None = None, poll_s: float = 0.2) -> Job:
    """Block until the job has finished (or the timeout passes) and return its last state."""
    deadline = None if timeout_s is None else now() + timeout_s
    while True:
        job = get_job(store, job_id)
        if not job.is_active or (deadline is not None and now() >= deadline):
            return job
        time.sleep(poll_s)


def read_log_tail(workspace: Workspace, job_id: str, max_lines: int = 20, max_bytes: int = 16_384) -> str:
    path = log_path(workspace, job_id)
    if not path.exists():
        return ""
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - max_bytes))
        text = handle.read().decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-max_lines:])


def read_metrics(workspace: Workspace, job_id: str) -> list[dict[str, Any]]:
    """The metric records a job has logged so far (a half-written last line is skipped)."""
    path = metrics_path(workspace, job_id)
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            records.append(from_json(line))
    return records
