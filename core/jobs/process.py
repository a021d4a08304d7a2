"""The OS side of jobs: start a job's process in its own session, check it is still the same
process, signal and reap its whole process group. core/jobs.py keeps the records and the rules."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from core.models.threads import thread_environment
from core.paths import Workspace

# A recorded start time matches the live process within this tolerance (clock rounding).
PID_TIME_TOLERANCE_S = 2.0


def spawn_job_process(workspace: Workspace, job_id: str, log_file_path: Path) -> tuple[int, float | None]:
    """Start `python -m core.jobs run JOB_ID` in a new session, output to the job's log.

    Returns (pid, process start time). The caller records both, so a recycled pid is never taken
    for the job.
    """
    # thread_environment(): a fixed torch thread share per job when STUDIO_TORCH_THREADS is set.
    env = {**os.environ, **thread_environment(), "STUDIO_HOME": str(workspace.root), "PYTHONUNBUFFERED": "1"}
    project_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (project_root, env.get("PYTHONPATH", "")) if p)
    log_file_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file_path, "ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "core.jobs", "run", job_id],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=str(workspace.root),
            start_new_session=True,
            close_fds=True,
        )
    # Reap the child when it ends so a long-running studio collects no zombies; the job does not
    # depend on this thread (if this process dies, the child is re-parented and keeps running).
    threading.Thread(target=process.wait, name=f"reap-{job_id}", daemon=True).start()
    return process.pid, process_start_time(process.pid)


def process_start_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def is_process_alive(pid: int | None, started_at: float | None) -> bool:
    """True when `pid` runs, is not a zombie, and (if known) started at `started_at`."""
    if pid is None:
        return False
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        started = process.create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    if started_at is None:
        return True
    return abs(started - started_at) <= PID_TIME_TOLERANCE_S


def signal_group(pgid: int | None, sig: signal.Signals) -> None:
    if pgid is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def wait_for_group_exit(pgid: int | None, timeout_s: float) -> None:
    """Wait until no process of the group is left, then SIGKILL any straggler."""
    if pgid is None:
        return
    deadline = time.time() + timeout_s
    while time.time() < deadline and group_members(pgid):
        time.sleep(0.1)
    for pid in group_members(pgid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in a process group."""
    members = []
    for process in psutil.process_iter(["pid", "status"]):
        try:
            if process.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(process.info["pid"]) == pgid:
                members.append(process.info["pid"])
        except (ProcessLookupError, PermissionError, psutil.NoSuchProcess):
            continue
    return members
