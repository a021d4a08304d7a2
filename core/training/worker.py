"""One accelerate worker of a multi-GPU run: `python -m core.training.worker RUN_ID JOB_ID`.

The training job starts these through `accelerate launch` (core/training/launch.py) when several GPUs
are visible. Every worker trains its share; the main one (rank 0) reports progress and metrics into the
job's files, records the outcome and writes result.json for the job. Each worker notices stop requests
by polling the job's row, as the job runner's heartbeat does.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading

from core.job_runner import JobContext
from core.jobs import get_job
from core.models.hardware import describe_hardware
from core.paths import Workspace, write_atomic
from core.store import Store
from core.training.config import load_config
from core.training.job import RESULT_JSON, RUN_YAML, run_training
from core.training.records import require_run

log = logging.getLogger("core.training.worker")

POLL_S = 1.0


class WorkerReporter(JobContext):
    """A JobContext for a worker: only rank 0 writes progress and metrics; every rank hears stops."""

    def __init__(self, store: Store, workspace: Workspace, job_id: str, main_process: bool) -> None:
        super().__init__(store, workspace, job_id, get_job(store, job_id).params)
        self.main_process = main_process
        self.metrics_file.parent.mkdir(parents=True, exist_ok=True)
        self._watch = threading.Thread(target=self._poll_stop, name="stop-watch", daemon=True)
        self._watch.start()

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        if self.main_process:
            super().progress(done, total, message)

    def log_metrics(self, record: dict[str, object]) -> None:
        if self.main_process:
            super().log_metrics(record)

    def _poll_stop(self) -> None:
        while not self.stop_event.wait(POLL_S):
            try:
                row = self.store.query_one("SELECT stop_requested FROM jobs WHERE id = ?", (self.job_id,))
            except Exception:  # a busy store is retried on the next poll
                continue
            if row is not None and row["stop_requested"]:
                self.stop_mode = row["stop_requested"]
                self.stop_event.set()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: python -m core.training.worker RUN_ID JOB_ID\n")
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_id, job_id = argv
    main_process = int(os.environ.get("RANK", "0")) == 0
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
