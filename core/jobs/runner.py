"""The child side of a job: `python -m core.jobs run JOB_ID` runs one recorded job to its end.

It imports the job's target (`core.module:function`), calls it with a JobContext, and records the
outcome. A heartbeat thread writes progress into the store and notices stop requests.

    def my_job(ctx: JobContext) -> dict:
        for i, item in enumerate(items):
            if ctx.should_stop():
                break                              # the runner records 'stopped' or 'cancelled'
            ...
            ctx.progress(i + 1, len(items), f"{i + 1} of {len(items)} done")
            ctx.log_metrics({"step": i, "loss": 0.5})
        return {"done": i + 1}                     # stored as the job's result
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.jobs import (
    FAILURE_KEY,
    ITEMS_KEY,
    JobState,
    StopMode,
    claim_next_queued,
    get_job,
    log_path,
    metrics_path,
    start_queued_jobs,
)
from core.jobs.process import process_start_time
from core.jobs.record import target_allowed
from core.paths import Workspace
from core.store import Store, now, to_json

log = logging.getLogger("core.job")

HEARTBEAT_S = 1.0
PROGRESS_WRITE_INTERVAL_S = 0.5


class JobStopped(Exception):
    """Raised by a job function (or `ctx.raise_if_stopped()`) to end early on a stop request."""


class JobContext:
    """What a job function gets: its parameters, the workspace, and ways to report and to stop."""

    def __init__(self, store: Store, workspace: Workspace, job_id: str, params: dict[str, Any]) -> None:
        self.store = store
        self.workspace = workspace
        self.job_id = job_id
        self.params = params
        self.stop_event = threading.Event()
        self.stop_mode: StopMode | None = None
        self._lock = threading.Lock()
        self._pending: tuple[float, float | None, str] | None = None
        self._last_write = 0.0
        self.metrics_file = metrics_path(workspace, job_id)

    def should_stop(self) -> bool:
        """True once someone asked this job to stop or cancel; wind down (save a checkpoint) and return."""
        return self.stop_event.is_set()

    def raise_if_stopped(self) -> None:
        if self.stop_event.is_set():
            raise JobStopped(self.stop_mode or "cancel")

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        """Report progress; writes to the store are throttled, the final one is never lost."""
        with self._lock:
            self._pending = (done, total, message)
            due = now() - self._last_write >= PROGRESS_WRITE_INTERVAL_S or (
                total is not None and done >= total
            )
        if due:
            self.flush_progress()

    def flush_progress(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, None
            self._last_write = now()
        if pending is None:
            return
        done, total, message = pending
        self.store.execute(
            "UPDATE jobs SET progress_done = ?, progress_total = COALESCE(?, progress_total), "
            "message = ?, heartbeat_at = ? WHERE id = ?",
            (done, total, message, now(), self.job_id),
        )

    def log_metrics(self, record: dict[str, Any]) -> None:
        """Append one JSON line of metrics (loss, rate, ...) that the UI plots live."""
        line = json.dumps({"time": now(), **record}, ensure_ascii=False)
        with self._lock, open(self.metrics_file, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


JobFunction = Callable[[JobContext], dict[str, Any] | None]


def load_target(target: str) -> JobFunction:
    module_name, _, function_name = target.partition(":")
    if not target_allowed(target):
        raise ValueError(f"Refusing to run job target outside core/: {target!r}")
    return getattr(importlib.import_module(module_name), function_name)  # type: ignore[no-any-return]


def _heartbeat(ctx: JobContext, finished: threading.Event) -> None:
    while not finished.wait(HEARTBEAT_S):
        try:
            row = ctx.store.query_one("SELECT stop_requested FROM jobs WHERE id = ?", (ctx.job_id,))
            if row is not None and row["stop_requested"] and not ctx.stop_event.is_set():
                ctx.stop_mode = row["stop_requested"]
                log.info("stop requested (%s): winding down", ctx.stop_mode)
                ctx.stop_event.set()
            ctx.flush_progress()
            ctx.store.execute("UPDATE jobs SET heartbeat_at = ? WHERE id = ?", (now(), ctx.job_id))
        except Exception:  # the heartbeat must never kill the job; the next beat retries
            log.exception("heartbeat failed")


def _install_signal_handlers(ctx: JobContext) -> None:
    """SIGTERM/SIGINT ask for a graceful stop; a second one ends the process at once."""

    def handle(signum: int, _frame: Any) -> None:
        if ctx.stop_event.is_set():
            os._exit(128 + signum)
        ctx.stop_mode = ctx.stop_mode or "cancel"
        ctx.stop_event.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def _finish(store: Store, job_id: str, state: JobState, result: Any, error: str | None, message: str) -> None:
    store.execute(
        "UPDATE jobs SET state = ?, finished_at = ?, result = ?, error = ?, message = ?, heartbeat_at = ? "
        "WHERE id = ?",
        (state, now(), None if result is None else to_json(result), error, message, now(), job_id),
    )


def run_job(workspace: Workspace, job_id: str) -> JobState:
    """Run one job in this process and record how it ended."""
    store = Store.open(workspace)
    job = get_job(store, job_id)
    store.execute(
        "UPDATE jobs SET state = 'running', pid = ?, pid_started_at = ?, started_at = COALESCE(started_at, ?), "
        "heartbeat_at = ? WHERE id = ?",
        (os.getpid(), process_start_time(os.getpid()), now(), now(), job_id),
    )
    ctx = JobContext(store, workspace, job_id, job.params)
    if job.stop_requested:  # asked to stop between being claimed and starting
        ctx.stop_mode = job.stop_requested
        ctx.stop_event.set()
    _install_signal_handlers(ctx)
    finished = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(ctx, finished), name="heartbeat", daemon=True)
    beat.start()
    log.info("job %s (%s) started: %s", job_id, job.kind, job.title)
    state: JobState
    result: Any = None
    error: str | None = None
    try:
        result = load_target(job.target)(ctx)
        state, error = _outcome(result)
        if ctx.should_stop():
            state, error = _stopped_state(ctx), None
        message = _final_message(state, ctx, result)
    except JobStopped:
        state = _stopped_state(ctx)
        message = _final_message(state, ctx)
    except BaseException as exc:  # every failure ends in a recorded state, never a silent death
        log.error("job failed:\n%s", traceback.format_exc())
        state, error = "failed", f"{type(exc).__name__}: {exc}"
        message = "Failed. The log shows the details."
    finished.set()
    beat.join(timeout=5)
    ctx.flush_progress()
    _finish(store, job_id, state, result, error, message)
    log.info("job %s ended: %s", job_id, state)
    return state


def _stopped_state(ctx: JobContext) -> JobState:
    return "stopped" if ctx.stop_mode == "stop" else "cancelled"


def _outcome(result: Any) -> tuple[JobState, str | None]:
    """`failed` when the result counts items and every one of them failed; else `succeeded`."""
    items = result.get(ITEMS_KEY) if isinstance(result, dict) else None
    if isinstance(items, dict) and items.get("total") and items.get("failed", 0) >= items["total"]:
        why = result.get(FAILURE_KEY) or "The log shows each error."
        return "failed", f"All {items['total']} items failed; none succeeded. {why}"
    return "succeeded", None


def _final_message(state: JobState, ctx: JobContext, result: Any = None) -> str:
    items = result.get(ITEMS_KEY) if isinstance(result, dict) else None
    if state == "succeeded" and isinstance(items, dict) and items.get("failed"):
        return f"Finished with failures: {items['failed']} of {items['total']} items failed."
    if state == "failed":
        return "Failed: every item failed."
    if state == "succeeded":
        return "Finished."
    return "Stopped; it can be resumed." if state == "stopped" else "Cancelled."


def run_jobs_warm(workspace: Workspace, first_job_id: str) -> JobState:
    """Run a job, then keep taking queued jobs of the same target in this process.

    Jobs whose set-up is costly (importing Docling and building its converter, loading a model)
    then pay it once per batch instead of once per job. Each job still gets its own row, log file
    and outcome. Returns the first job's state.

    After a failed job the process takes no more: the failure may have left it half set up (a time
    limit that fires inside a first import leaves a half-imported library behind, and every later job
    in the process then failed on it), so the next queued job starts in a fresh process.
    """
    store = Store.open(workspace)
    target = get_job(store, first_job_id).target
    state = first_state = run_job(workspace, first_job_id)
    reusable = getattr(_safe_load(target), "warm_worker", False)
    while reusable and state != "failed" and (next_id := claim_next_queued(store, target=target)) is not None:
        _redirect_output(log_path(workspace, next_id))
        state = run_job(workspace, next_id)
    start_queued_jobs(store, workspace)
    return first_state


def warm_worker(function: JobFunction) -> JobFunction:
    """Mark a job function whose process may go on to run the next queued job of the same target."""
    function.warm_worker = True  # type: ignore[attr-defined]
    return function


def _safe_load(target: str) -> JobFunction | None:
    try:
        return load_target(target)
    except Exception:
        return None


def _redirect_output(path: Path) -> None:
    """Point this process's stdout/stderr (fd 1 and 2, so C libraries follow) at another job's log."""
    sys.stdout.flush()
    sys.stderr.flush()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m core.jobs run JOB_ID\n")
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stdout
    )
    workspace = Workspace.from_env()
    workspace.configure_environment()
    state = run_jobs_warm(workspace, argv[0])
    return 0 if state in ("succeeded", "stopped", "cancelled") else 1
