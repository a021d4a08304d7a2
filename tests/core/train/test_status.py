"""What the Train tab polls: one clean curve over restarts, the ETA, and run views of every state."""

from __future__ import annotations

import json

from core.jobs import metrics_path
from core.paths import Workspace
from core.store import Store
from core.train.records import insert_run, update_run
from core.train.runs import wait_for_run
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


def _ended_run(store: Store, workspace: Workspace, job_id: str, done: int, message: str) -> str:
    """A run whose job has already ended at step `done` of 8 with `message` (no process is started)."""
    with store.transaction() as conn:
        run_id = insert_run(
            conn, base_model="tiny", dataset_id="tutor@v1", config={}, folder=str(workspace.run_dir("r"))
        )
        conn.execute(
            "INSERT INTO jobs (id, kind, title, target, params, state, created_at, progress_done, "
            "progress_total, message) VALUES (?, 'train', 't', 'core.train.sft_job:train_job', ?, "
            "'succeeded', 1.0, ?, 8, ?)",
            (job_id, json.dumps({"run_id": run_id}), done, message),
        )
    update_run(store, run_id, status="succeeded", job_id=job_id, summary={"final_loss": 2.5})
    return run_id


def test_waiting_on_a_run_that_ended_between_polls_still_reports_its_last_step(
    workspace: Workspace, store: Store
) -> None:
    """A short run can pass through every step between two polls; the CLI must still show it trained."""
    run_id = _ended_run(store, workspace, "job_fast", done=8, message="Finished.")
    heard: list[str] = []
    wait_for_run(store, run_id, "job_fast", on_message=heard.append)
    assert heard == ["Training: step 8 of 8 · loss 2.500", "Finished."]

    never_trained = _ended_run(store, workspace, "job_early", done=0, message="Cancelled.")
    heard.clear()
    wait_for_run(store, never_trained, "job_early", on_message=heard.append)
    assert heard == ["Cancelled."]
