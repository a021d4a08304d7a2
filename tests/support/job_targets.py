"""Jobs that exercise the job system itself: counting with progress, spawning a helper process,
ignoring stop requests. The test-suite drives them to check cancel, reconcile and queueing on
real processes; they do no stage work.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from core.jobs.runner import JobContext, warm_worker


def count_job(ctx: JobContext) -> dict[str, Any]:
    """Count to `steps` (default 10), sleeping `interval_s` between steps, honouring stop requests.

    Params: steps, interval_s, spawn_child (start a long-lived child process first, to check that
    cancelling ends the whole process group), ignore_stop (keep going after a stop request, to check
    escalation), raise_on_stop (end through JobStopped instead of returning), fail_at (raise at that step).
    """
    steps = int(ctx.params.get("steps", 10))
    interval = float(ctx.params.get("interval_s", 0.1))
    child = None
    if ctx.params.get("spawn_child"):
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        ctx.log_metrics({"child_pid": child.pid})
    done = 0
    for step in range(1, steps + 1):
        if ctx.params.get("raise_on_stop"):
            ctx.raise_if_stopped()
        if ctx.should_stop() and not ctx.params.get("ignore_stop"):
            break
        if ctx.params.get("fail_at") == step:
            raise RuntimeError(f"failing on purpose at step {step}")
        time.sleep(interval)
        done = step
        ctx.progress(done, steps, f"step {done} of {steps}")
        ctx.log_metrics({"step": done, "value": done * done})
    if child is not None:
        child.terminate()
        child.wait()
    return {"steps": done}


@warm_worker
def warm_count_job(ctx: JobContext) -> dict[str, Any]:
    """count_job in a process that goes on to run the next queued job of this kind."""
    return {**count_job(ctx), "pid": os.getpid()}
