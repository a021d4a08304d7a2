"""A job as the store records it: its states, its row, and its outcome (core/jobs.py acts on jobs).

job = job_from_row(row)
job.is_active, job.fraction, job.eta_s()
job.outcome      # "succeeded_with_failures" when its result counts failed items
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal

from core.store import from_json, now

# Job targets are functions inside core/. A stored row never makes a job import anything else; the
# test-suite adds its own job-system exercisers (tests/support/job_targets.py) through this variable.
EXTRA_TARGET_MODULES_ENV = "STUDIO_EXTRA_JOB_TARGETS"


def target_allowed(target: str) -> bool:
    """True when `target` is `module:function` with the module in core/ (or named in $STUDIO_EXTRA_JOB_TARGETS)."""
    module_name, colon, function_name = target.partition(":")
    if not colon or not function_name:
        return False
    extra = {m.strip() for m in os.environ.get(EXTRA_TARGET_MODULES_ENV, "").split(",") if m.strip()}
    return module_name.startswith("core.") or module_name in extra


JobState = Literal[
    "queued", "starting", "running", "succeeded", "failed", "cancelled", "stopped", "interrupted"
]
StopMode = Literal["stop", "cancel"]
JobOutcome = JobState | Literal["succeeded_with_failures"]
# A job that works through items puts {"total": N, "failed": K} under this key of its result: a run in
# which every item failed then ends `failed`, one in which some failed reads "succeeded with failures".
ITEMS_KEY = "items"
FAILURE_KEY = "failure"  # with ITEMS_KEY: why every item failed and what to do, for the job's error
ACTIVE_STATES: tuple[JobState, ...] = ("queued", "starting", "running")


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    title: str
    target: str
    params: dict[str, Any]
    state: JobState
    resource: str | None
    pid: int | None
    pid_started_at: float | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    heartbeat_at: float | None
    progress_done: float
    progress_total: float | None
    message: str
    result: dict[str, Any] | None
    error: str | None
    stop_requested: StopMode | None
    stop_requested_at: float | None
    grace_s: float
    resumes: str | None

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def item_failures(self) -> tuple[int, int] | None:
        """(failed, total) when the job's result counts the items it worked on, else None."""
        items = (self.result or {}).get(ITEMS_KEY)
        if not isinstance(items, dict) or not items.get("total"):
            return None
        return int(items.get("failed", 0)), int(items["total"])

    @property
    def outcome(self) -> JobOutcome:
        """The state, with a success in which some items failed told apart from a clean one."""
        failures = self.item_failures
        if self.state == "succeeded" and failures is not None and failures[0] > 0:
            return "succeeded_with_failures"
        return self.state

    @property
    def fraction(self) -> float | None:
        if not self.progress_total:
            return None
        return max(0.0, min(1.0, self.progress_done / self.progress_total))

    def elapsed_s(self, at: float | None = None) -> float:
        if self.started_at is None:
            return 0.0
        end = self.finished_at if self.finished_at is not None else (at or now())
        return max(0.0, end - self.started_at)

    def eta_s(self, at: float | None = None) -> float | None:
        """Seconds left, extrapolated from the progress so far; None until there is progress."""
        fraction = self.fraction
        if not fraction or self.state != "running":
            return None
        return self.elapsed_s(at) * (1 - fraction) / fraction


def job_from_row(row: Any) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        title=row["title"],
        target=row["target"],
        params=from_json(row["params"], {}),
        state=row["state"],
        resource=row["resource"],
        pid=row["pid"],
        pid_started_at=row["pid_started_at"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        heartbeat_at=row["heartbeat_at"],
        progress_done=row["progress_done"],
        progress_total=row["progress_total"],
        message=row["message"],
        result=from_json(row["result"]),
        error=row["error"],
        stop_requested=row["stop_requested"],
        stop_requested_at=row["stop_requested_at"],
        grace_s=row["grace_s"],
        resumes=row["resumes"],
    )
