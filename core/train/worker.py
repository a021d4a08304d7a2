"""One worker of a multi-rank run: `python -m core.train.worker RUN_ID JOB_ID`.

The training job starts these through `accelerate launch` (several GPUs) or torchrun (CPU ranks, gloo;
core/train/launch.py). Every worker trains its share; only rank 0 reads the job's row for stop
requests, and the ranks agree on rank 0's answer at every step (core/train/ranks.py), so all of them
stop at the same step. Only rank 0 writes progress, metrics, checkpoint markers, the outcome and
result.json for the job. A worker whose launcher died (the job was killed) ends itself, because the
launcher starts workers in their own session, out of reach of the job's process-group signals.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading

from core.jobs import get_job
from core.jobs.runner import JobContext
from core.models.hardware import describe_hardware
from core.paths import Workspace, write_atomic
from core.store import Store
from core.train import ranks
from core.train.records import require_run
from core.train.sft_config import load_config
from core.train.sft_job import RESULT_JSON, RUN_YAML, run_training

log = logging.getLogger("core.train.worker")

POLL_S = 1.0
ORPHAN_EXIT = 70  # the launcher is gone: nothing will collect this worker's result


class WorkerReporter(JobContext):
    """A JobContext for one rank: rank 0 reads stop requests and writes progress and metrics; every rank
    stops only on the agreed answer (`agree_on_stop`, called by the training monitor at each step)."""

    def __init__(self, store: Store, workspace: Workspace, job_id: str, main_process: bool) -> None:
        super().__init__(store, workspace, job_id, get_job(store, job_id).params)
        self.main_process = main_process
        self.requested: str | None = None  # rank 0's own reading of the store, not yet agreed
        self._launcher = os.getppid()
        self.metrics_file.parent.mkdir(parents=True, exist_ok=True)
        self._watch = threading.Thread(target=self._watch_loop, name="stop-watch", daemon=True)
        self._watch.start()

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        if self.main_process:
            super().progress(done, total, message)

    def log_metrics(self, record: dict[str, object]) -> None:
        if self.main_process:
            super().log_metrics(record)

    def agree_on_stop(self) -> None:
        """Collective: adopt rank 0's stop request on every rank, at the same step."""
        agreed = ranks.agree_on_stop(self.requested if self.main_process else None)
        if agreed is not None and not self.stop_event.is_set():
            log.info("rank %d stops (%s), as rank 0 decided", ranks.rank(), agreed)
            self.stop_mode = agreed  # type: ignore[assignment]
            self.stop_event.set()

    def _watch_loop(self) -> None:
        while True:
            threading.Event().wait(POLL_S)
            if os.getppid() != self._launcher:
                log.error("the training launcher is gone (the job was ended); this worker exits")
                os._exit(ORPHAN_EXIT)
            if self.main_process and self.requested is None:
                self.requested = _stop_requested(self.store, self.job_id)


def _stop_requested(store: Store, job_id: str) -> str | None:
    try:
        row = store.query_one("SELECT stop_requested FROM jobs WHERE id = ?", (job_id,))
    except Exception:  # a busy store is read again at the next poll
        return None
    return str(row["stop_requested"]) if row is not None and row["stop_requested"] else None


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: python -m core.train.worker RUN_ID JOB_ID\n")
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_id, job_id = argv
    main_process = ranks.is_main_rank()
    workspace = Workspace.from_env()
    workspace.configure_environment()
    store = Store.open(workspace)
    run = require_run(store, run_id)
    reporter = WorkerReporter(store, workspace, job_id, main_process)
    result = run_training(
        store,
        workspace,
        run,
        load_config(run.path / RUN_YAML),
        reporter,
        job_id=job_id,
        hardware=describe_hardware(),
        distributed=True,
        main_process=main_process,
    )
    if main_process:
        write_atomic(run.path / RESULT_JSON, json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
