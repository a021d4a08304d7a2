"""Start, resume, stop and cancel training runs: what the Train tab's buttons and `tutor-studio train` call.

    started = start_training(store, ws, TrainConfig.from_preset("quick", base="tiny"))
    started.run.id, started.job.id            # the run folder holds run.yaml; the job trains it
    stop_training(store, ws, run_id)           # saves a checkpoint, then ends as "stopped"
    resume_training(store, ws, run_id)         # a new job continues from the newest complete checkpoint
    cancel_training(store, ws, run_id)         # ends for good; its process group is ended too

A run is a folder (`runs/<id>/`: run.yaml, checkpoints/, adapter/, model card) plus a row; each start
or resume is one job (kind "train", params {"run_id": ...}) on the GPU queue, so runs wait their turn.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from core.jobs import GPU, Job, enforce_stop, get_job, reconcile_jobs, request_stop, submit_job, wait_for_job
from core.models.hardware import HardwareInfo
from core.paths import Workspace, write_atomic
from core.store import Store, new_id
from core.train.checkpoints import latest_complete
from core.train.components import CHECKPOINTS_DIR
from core.train.planning import TrainingPlan, plan_training
from core.train.records import Run, RunStatus, insert_run, require_run, update_run
from core.train.sft_config import TrainConfig, TrainingError
from core.train.sft_job import RUN_YAML

JOB_TARGET = "core.train.sft_job:train_job"
# Preference tuning (DPO, ORPO) runs are runs like any other; only the job that trains them differs.
JOB_TARGETS = {
    "sft": JOB_TARGET,
    "dpo": "core.train.dpo_job:preference_job",
    "orpo": "core.train.dpo_job:preference_job",
}
VERBS = {"sft": "Train", "dpo": "DPO-tune", "orpo": "ORPO-tune"}
# Stopping saves a checkpoint first, and a step of a large model can take a while: allow for both.
STOP_GRACE_S = 180.0
RESUMABLE = ("stopped", "interrupted", "failed")


@dataclass(frozen=True)
class StartedRun:
    run: Run
    job: Job
    notice: str


def start_training(
    store: Store, workspace: Workspace, config: TrainConfig, hardware: HardwareInfo | None = None
) -> StartedRun:
    """Check the run can start here (refusing with the reason), write its folder, and queue its job."""
    plan = plan_training(store, workspace, config, hardware)
    if plan.problem:
        raise TrainingError(plan.problem)
    return launch_run(store, workspace, create_run(store, workspace, plan), plan.notices, "run")


def launch_run(store: Store, workspace: Workspace, run: Run, notices: list[str], label: str) -> StartedRun:
    """Queue a freshly created run's job; the notice reads "Started <label> <run> as job <job>."."""
    job = submit_run(store, workspace, run, resume=False)
    notice = " ".join([*notices, f"Started {label} {run.id} as job {job.id}."])
    return StartedRun(require_run(store, run.id), job, notice)


def create_run(store: Store, workspace: Workspace, plan: TrainingPlan) -> Run:
    return new_run(store, workspace, plan.config, "", base_model=plan.config.base, dataset_id=plan.dataset.id)


def new_run(
    store: Store,
    workspace: Workspace,
    config: TrainConfig,
    what: str,
    *,
    base_model: str,
    dataset_id: str,
    method: str = "sft",
    parent_adapter_id: str | None = None,
) -> Run:
    """A run's folder with its run.yaml (`config.to_yaml`) and its row; `what` describes it in the header."""
    run_id = new_id("run")
    folder = workspace.run_dir(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    header = f"Run {run_id}{f' ({what})' if what else ''}. Reproduce it (as a new run):"
    write_atomic(folder / RUN_YAML, config.to_yaml(header=header))
    with store.transaction() as conn:
        insert_run(
            conn,
            run_id=run_id,
            base_model=base_model,
            dataset_id=dataset_id,
            config=config.model_dump(mode="json"),
            folder=str(folder),
            method=method,
            parent_adapter_id=parent_adapter_id,
        )
    return require_run(store, run_id)


def submit_run(store: Store, workspace: Workspace, run: Run, *, resume: bool) -> Job:
    """Queue the job that trains (or resumes) `run` on the GPU queue; the run remembers the job."""
    update_run(
        store, run.id, status="queued", message="Waiting for its turn on the " + GPU.upper() + " queue."
    )
    verb = "Resume" if resume else VERBS.get(run.method, "Train")
    job = submit_job(
        store,
        workspace,
        kind="train",
        title=f"{verb} {run.base_model} on {run.dataset_id}",
        target=JOB_TARGETS.get(run.method, JOB_TARGET),
        params={"run_id": run.id, "resume": resume},
        resource=GPU,
        grace_s=STOP_GRACE_S,
        resumes=run.job_id if resume else None,
    )
    update_run(store, run.id, job_id=job.id)
    return job


def effective_status(store: Store, run: Run) -> str:
    """The run's status, corrected by its job's: a run whose job died without reporting is "interrupted"."""
    if not run.is_active or run.job_id is None:
        return run.status
    job = get_job(store, run.job_id)
    if job.is_active:
        return "running" if job.state == "running" else "queued"
    return {"succeeded": "interrupted"}.get(job.state, job.state)


def resume_training(store: Store, workspace: Workspace, run_id: str) -> StartedRun:
    """A new job that continues the run from its newest complete checkpoint (or its start, if none)."""
    reconcile_jobs(store, workspace)  # a job killed a moment ago must read as interrupted, not running
    run = require_run(store, run_id)
    status = effective_status(store, run)
    if status not in RESUMABLE:
        raise TrainingError(_not_resumable(run, status))
    checkpoint = latest_complete(run.path / CHECKPOINTS_DIR)
    job = submit_run(store, workspace, run, resume=True)
    where = (
        f"from its checkpoint at step {checkpoint.name.split('-')[-1]}" if checkpoint else "from the start"
    )
    return StartedRun(require_run(store, run_id), job, f"Resuming run {run.id} {where} as job {job.id}.")


def _not_resumable(run: Run, status: str) -> str:
    if status in ("queued", "running"):
        return f"Run {run.id} is still {status}; there is nothing to resume."
    if status == "succeeded":
        return f"Run {run.id} has finished (adapter {run.adapter_id}); start a new run to train more."
    return (
        f"Run {run.id} was cancelled, which ends it for good. Start a new run with the same settings instead."
    )


def stop_training(store: Store, workspace: Workspace, run_id: str) -> str:
    """Ask the run's job to save a checkpoint and end; it can be resumed later."""
    return _request(store, workspace, run_id, "stop")


def cancel_training(store: Store, workspace: Workspace, run_id: str) -> str:
    """End the run for good: its job stops at the next step (or is terminated after the grace period)."""
    return _request(store, workspace, run_id, "cancel")


def _request(store: Store, workspace: Workspace, run_id: str, mode: str) -> str:
    reconcile_jobs(store, workspace)
    run = require_run(store, run_id)
    if run.job_id is None or effective_status(store, run) not in ("queued", "running"):
        raise TrainingError(
            f"Run {run.id} is not running ({effective_status(store, run)}), so there is nothing to {mode}."
        )
    job = request_stop(store, run.job_id, mode="stop" if mode == "stop" else "cancel")
    if not job.is_active:
        final: RunStatus = "stopped" if mode == "stop" else "cancelled"
        update_run(store, run.id, status=final, message=f"{final.capitalize()} before it started.")
        return f"Run {run.id} {final} before it started."
    # Escalation (grace period, SIGTERM, SIGKILL) can take minutes: never block the caller on it.
    threading.Thread(target=enforce_stop, args=(store, workspace, job.id), daemon=True).start()
    if mode == "stop":
        return f"Stopping run {run.id}: it saves a checkpoint at the end of this step, then stops. Resume continues from there."
    return f"Cancelling run {run.id}: it ends at the end of this step."


def wait_for_run(
    store: Store,
    run_id: str,
    job_id: str,
    on_message: Callable[[str], None] | None = None,
    poll_s: float = 0.25,  # a short run passes through its steps in well under a second
) -> Run:
    """Block until the run's job has ended; `on_message` hears each new progress message.

    Messages are read by polling, so a run that passes through its steps between two polls would
    otherwise be heard only as "Finished.": the last step reached is always reported before the end."""
    heard: list[str] = []
    while True:
        job = wait_for_job(store, job_id, timeout_s=poll_s, poll_s=min(poll_s, 0.25))
        if not job.is_active:
            run = require_run(store, run_id)
            final_step = _final_step_message(job.progress_done, job.progress_total, run, heard)
            for message in (final_step, job.message):
                _tell(on_message, heard, message)
            return run
        _tell(on_message, heard, job.message)


def _tell(on_message: Callable[[str], None] | None, heard: list[str], message: str | None) -> None:
    """Pass on a message unless it is empty or the same as the last one passed on."""
    if not on_message or not message or (heard and heard[-1] == message):
        return
    heard.append(message)
    on_message(message)


def _final_step_message(done: float, total: float | None, run: Run, heard: list[str]) -> str | None:
    """ "Training: step N of M" for the last step the run reached, unless it was heard (or none was reached)."""
    if not total or done <= 0:
        return None
    step = f"Training: step {int(done)} of {int(total)}"
    if any(message.startswith(step) for message in heard):
        return None
    final_loss = (run.summary or {}).get("final_loss")
    return step + (f" · loss {final_loss:.3f}" if isinstance(final_loss, (int, float)) else "")
