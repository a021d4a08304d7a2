"""How many CPU threads torch may use in this process: $STUDIO_TORCH_THREADS, else the cores it may run on.

    from core.models.threads import apply_torch_threads, torch_thread_count
    apply_torch_threads()        # once torch is imported; later calls are a flag check

On a small machine two processes that each start one torch thread per core (the studio answering in
Compare while a training job runs) fight over the cores and both slow down about tenfold. Setting
STUDIO_TORCH_THREADS (for example to 1 on 2 cores) gives each process a fixed share; job processes also
get it as OMP_NUM_THREADS, so libraries that read only that variable follow it.
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)

THREADS_ENV = "STUDIO_TORCH_THREADS"
_LOCK = threading.Lock()
_applied: list[int] = []


def torch_thread_count() -> int:
    """$STUDIO_TORCH_THREADS when it is a whole number of at least 1, else the cores this process may use."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if raw:
        try:
            chosen = int(raw)
        except ValueError:
            chosen = 0
        if chosen >= 1:
            return chosen
        log.warning("%s=%r is not a whole number of at least 1; using the available cores", THREADS_ENV, raw)
    return available_cores()


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS and Windows have no affinity call
        return max(1, os.cpu_count() or 1)


def thread_environment() -> dict[str, str]:
    """Environment for a child process that runs torch: OMP_NUM_THREADS from $STUDIO_TORCH_THREADS, if set."""
    if not os.environ.get(THREADS_ENV, "").strip():
        return {}
    return {"OMP_NUM_THREADS": str(torch_thread_count())}


def apply_torch_threads() -> int:
    """Set torch's intra-op thread count once per process; returns the count in use."""
    if _applied:
        return _applied[0]
    with _LOCK:
        if not _applied:
            import torch

            count = torch_thread_count()
            if torch.get_num_threads() != count:
                torch.set_num_threads(count)
            log.info("torch uses %d CPU thread(s) in this process", count)
            _applied.append(count)
    return _applied[0]
