"""`tutor-studio jobs [--cancel ID | --stop ID] [--wait ID]`: list, follow and stop background jobs."""

from __future__ import annotations

import argparse
from typing import Any

from core.commands import CliContext, CommandResult, add_command
from core.jobs import (
    Job,
    enforce_stop,
    list_jobs,
    queue_position,
    read_log_tail,
    reconcile_jobs,
    request_stop,
    wait_for_job,
)


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "jobs", run, "List background jobs; cancel, stop or wait for one.")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--cancel", metavar="ID", help="Cancel a job for good (its process group is ended).")
    action.add_argument(
        "--stop", metavar="ID", help="Stop a job so it can be resumed (it saves a checkpoint)."
    )
    action.add_argument("--wait", metavar="ID", help="Wait until a job has finished and show how it ended.")
    parser.add_argument("--limit", type=int, default=50, help="How many jobs to list (default 50).")
    parser.add_argument("--log", action="store_true", help="With --wait: print the job's log tail too.")


def job_summary(ctx: CliContext, job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "title": job.title,
        "state": job.state,
        "outcome": job.outcome,  # succeeded_with_failures: finished, but some of its items failed
        "progress": job.fraction,
        "message": job.message,
        "elapsed_s": round(job.elapsed_s(), 1),
        "queue_position": queue_position(ctx.store, job),
        "result": job.result,
        "error": job.error,
    }


def run(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    store = ctx.store
    reconcile_jobs(store, ctx.workspace)
    if args.cancel or args.stop:
        job_id = args.cancel or args.stop
        request_stop(store, job_id, mode="cancel" if args.cancel else "stop")
        ctx.report(f"Asked job {job_id} to {'cancel' if args.cancel else 'stop'}; waiting for it to end...")
        job = enforce_stop(store, ctx.workspace, job_id, wait=True)
        summary = job_summary(ctx, job)
        return CommandResult({"job": summary}, f"{job.id}: {job.state}. {job.message}")
    if args.wait:
        job = wait_for_job(store, args.wait)
        summary = job_summary(ctx, job)
        text = f"{job.id}: {job.outcome.replace('_', ' ')}. {job.message} {job.error or ''}".strip()
        if args.log:
            text += "\n" + read_log_tail(ctx.workspace, job.id, max_lines=40)
        return CommandResult({"job": summary}, text, exit_code=0 if job.state == "succeeded" else 1)
    jobs = [job_summary(ctx, listed) for listed in list_jobs(store, limit=args.limit)]
    lines = [f"{'ID':<16} {'STATE':<12} {'PROGRESS':>8}  TITLE"]
    for entry in jobs:
        progress = "" if entry["progress"] is None else f"{entry['progress']:.0%}"
        state = entry["outcome"].replace("succeeded_with_failures", "some failed")
        lines.append(f"{entry['id']:<16} {state:<12} {progress:>8}  {entry['title']}")
    empty = "No jobs yet. Jobs appear when you ingest, generate, train or evaluate."
    text = "\n".join(lines) if jobs else empty
    return CommandResult({"jobs": jobs}, text)
