"""The generation job: plan a run, start, stop and resume its background job.

    start = submit_generation(store, workspace, config)      # plans the run, starts its job
    stop_generation(store, workspace, start.run_id)          # unfinished items stay pending
    resume_generation(store, workspace, start.run_id)        # a new job for the items not finished
    resume_generation(store, workspace, run_id, teacher=other)  # ... asking another teacher (recorded in the run)

The job target `generate_job` runs the run's unfinished items through core/generate/engine.py. A local
model teacher holds the accelerator (resource GPU, one such job at a time); template and HTTP teachers
need none.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from core.generate.config import MAX_ITEMS, SynthConfig, SynthError, select_chunks
from core.generate.engine import GenerationEngine, TeacherUnavailable
from core.generate.intents import plan_intents
from core.generate.records import create_run, get_run, items_to_do, record_resume_change, set_run_job
from core.generate.teacher_config import TEACHER_SETTING, TeacherConfig, check_api_key
from core.jobs import GPU, Job, get_job, submit_job
from core.jobs.runner import JobContext
from core.paths import Workspace
from core.policy import current_policy
from core.store import Store

__all__ = [
    "GenerationStart",
    "TeacherUnavailable",
    "plan_run",
    "resume_generation",
    "stop_generation",
    "submit_generation",
]

JOB_KIND = "generate"
TARGET = "core.generate.job:generate_job"


@dataclass(frozen=True)
class GenerationStart:
    run_id: str
    job: Job
    items: int  # items this job will work on
    chunks: int
    changed: dict[str, list[Any]] = field(default_factory=dict)  # a resume's new settings: [before, after]


def plan_run(store: Store, config: SynthConfig, *, policy: str | None = None) -> tuple[str, int, int]:
    """Record a run: chunks x per_chunk items with intents from the mix. Returns (run id, items, chunks)."""
    check_api_key(config.teacher)
    chunks = select_chunks(store, config)
    total = len(chunks) * config.per_chunk
    if total > MAX_ITEMS:
        raise SynthError(
            f"That is {total:,} conversations; a run makes at most {MAX_ITEMS:,}. Pick fewer documents or chunks."
        )
    intents = plan_intents(config.mix, total, config.seed)
    plan = [
        (chunk.id, slot, intents[i * config.per_chunk + slot])
        for i, chunk in enumerate(chunks)
        for slot in range(config.per_chunk)
    ]
    with store.transaction() as conn:
        run_id = create_run(
            conn, config.to_params(), policy or current_policy(store), config.teacher.label, plan
        )
    return run_id, total, len(chunks)


def submit_generation(
    store: Store, workspace: Workspace, config: SynthConfig, *, policy: str | None = None
) -> GenerationStart:
    """Plan a run and start its job; the teacher is remembered as the default for the next run."""
    run_id, total, chunks = plan_run(store, config, policy=policy)
    store.set_setting(TEACHER_SETTING, config.teacher.to_dict())
    title = f"Generate {total} conversations from {chunks} chunks ({config.teacher.label})"
    job = _start(store, workspace, run_id, config, title)
    return GenerationStart(run_id, job, total, chunks)


def resume_generation(
    store: Store,
    workspace: Workspace,
    run_id: str,
    *,
    teacher: TeacherConfig | None = None,
    concurrency: int | None = None,
) -> GenerationStart:
    """A new job for a run's pending and failed items; kept and filtered items are not redone.

    `teacher` (server, model, key, timeout) and `concurrency` replace the run's own for this and later
    jobs, and the change is kept in the run's config. What was planned (chunks, mix, seed, per chunk)
    cannot change: a run is one planned set of items."""
    run = get_run(store, run_id)
    if run is None:
        raise SynthError(f"No generation run {run_id!r}; pick one from the list of runs.")
    if run.job_id and get_job(store, run.job_id).is_active:
        raise SynthError("This run is still going; wait for it to finish or cancel it before resuming.")
    todo = items_to_do(store, run_id)
    if not todo:
        raise SynthError("Nothing left to do: every item of this run is already kept or filtered.")
    saved = SynthConfig.from_params(run.config)
    config = saved.with_changes(
        teacher=teacher or saved.teacher, concurrency=concurrency or saved.concurrency
    )
    check_api_key(config.teacher)
    changed = resume_changes(saved, config)
    if changed:
        with store.transaction() as conn:
            record_resume_change(conn, run, config.to_params(), config.teacher.label, changed)
    title = f"Resume generating: {len(todo)} of {run.total} conversations left ({config.teacher.label})"
    job = _start(store, workspace, run_id, config, title, resumes=run.job_id)
    return GenerationStart(run_id, job, len(todo), len({item.chunk_id for item in todo}), changed)


def resume_changes(saved: SynthConfig, config: SynthConfig) -> dict[str, list[Any]]:
    """What a resume changes, as {setting: [before, after]} (the teacher by its label and timeout)."""
    before, after = saved.to_params(), config.to_params()
    changed: dict[str, list[Any]] = {}
    if before["concurrency"] != after["concurrency"]:
        changed["concurrency"] = [before["concurrency"], after["concurrency"]]
    for key in ("base_url", "model", "api_key_env", "stream", "timeout_s"):
        if before["teacher"].get(key) != after["teacher"].get(key):
            changed[f"teacher.{key}"] = [before["teacher"].get(key), after["teacher"].get(key)]
    if before["teacher"].get("kind") != after["teacher"].get("kind"):
        changed["teacher"] = [saved.teacher.label, config.teacher.label]
    return changed


def _start(
    store: Store,
    workspace: Workspace,
    run_id: str,
    config: SynthConfig,
    title: str,
    resumes: str | None = None,
) -> Job:
    resource = GPU if config.teacher.kind == "hf" else None  # a local model holds the accelerator
    job = submit_job(
        store, workspace, kind=JOB_KIND, title=title, target=TARGET, params={"run_id": run_id},
        resource=resource, grace_s=15.0, resumes=resumes,
    )  # fmt: skip
    with store.transaction() as conn:
        set_run_job(conn, run_id, job.id)
    return get_job(store, job.id)


def stop_generation(store: Store, workspace: Workspace, run_id: str) -> Job:
    """Stop a run's job so it can be resumed: finished items stay, the rest stay pending."""
    from core.jobs import enforce_stop, request_stop

    run = get_run(store, run_id)
    if run is None or run.job_id is None:
        raise SynthError("This run has no job to cancel.")
    job = get_job(store, run.job_id)
    if not job.is_active:
        raise SynthError(f"This run is not running (its job {job.state}); press Resume to finish it.")
    job = request_stop(store, job.id, mode="stop")
    # The job winds down within about a second; the escalation must never block the caller.
    threading.Thread(target=enforce_stop, args=(store, workspace, job.id), daemon=True).start()
    return job


def generate_job(ctx: JobContext) -> dict[str, Any]:
    """The job target: work through the run's unfinished items."""
    run = get_run(ctx.store, ctx.params["run_id"])
    if run is None:
        raise SynthError(f"The generation run {ctx.params['run_id']} is missing from the store.")
    engine = GenerationEngine(ctx.store, ctx.workspace, run, ctx.job_id)
    return engine.run(ctx.should_stop, ctx.progress, ctx.log_metrics)
