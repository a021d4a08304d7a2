"""What the Train tab polls: one clean curve over restarts, the ETA, and run views of every state."""

from __future__ import annotations

import json

from core.jobs import metrics_path
from core.paths import Workspace
from core.store import Store
from core.train.records import insert_run, update_run
from core.train.status import estimate_eta, model_card_text, run_metrics, run_view


def write_metrics(workspace: Workspace, job_id: str, records: list[dict[str, object]]) -> None:
    path = metrics_path(workspace, job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r) + "\n" for r in records) + '{"step": 99, "lo'
    )  # a half-written line


def test_a_restart_drops_the_steps_the_killed_job_lost(workspace: Workspace) -> None:
    write_metrics(
        workspace,
        "job_a",
        [{"event": "start", "step": 0}] + [{"step": s, "loss": 3.0 - s / 10} for s in (2, 4, 6, 8)],
    )
    write_metrics(
        workspace, "job_b", [{"event": "start", "step": 4}] + [{"step": s, "loss": 2.0} for s in (6, 8, 10)]
    )
    merged = run_metrics(workspace, ["job_a", "job_b"])
    assert [r["step"] for r in merged] == [2, 4, 6, 8, 10]
    assert [r["loss"] for r in merged][2:] == [2.0, 2.0, 2.0]


def test_eta_follows_the_recent_pace() -> None:
    records = [{"step": s, "loss": 1.0, "time": 100.0 + s * 2} for s in range(0, 21, 5)]
    assert estimate_eta(records, step=20, total=50) == 60.0  # 2 s per step, 30 steps to go
    assert (
        estimate_eta(records[:1], step=0, total=50) is None
        and estimate_eta(records, step=20, total=None) is None
    )


def test_run_view_of_a_run_whose_job_vanished_reads_interrupted(workspace: Workspace, store: Store) -> None:
    assert run_view(store, workspace) is None
    with store.transaction() as conn:
        run_id = insert_run(
            conn, base_model="tiny", dataset_id="tutor@v1", config={}, folder=str(workspace.run_dir("r"))
        )
    with store.transaction() as conn:  # a job row whose process died: no process is started here
        conn.execute(
            "INSERT INTO jobs (id, kind, title, target, params, state, created_at) "
            "VALUES ('job_dead', 'train', 't', 'core.train.sft_job:train_job', ?, 'interrupted', 1.0)",
            (json.dumps({"run_id": run_id}),),
        )
    update_run(store, run_id, status="running", job_id="job_dead")
    view = run_view(store, workspace)
    assert view is not None and view.run.id == run_id and view.status == "interrupted"
    assert view.can_resume and not view.can_stop and "Interrupted" in view.message
    assert "no model card yet" in model_card_text(store, run_id)
