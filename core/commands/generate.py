"""`tutor-studio generate`: write synthetic Socratic tutor conversations from the workspace's chunks.

    tutor-studio generate                                   # offline template teacher, 2 per chunk
    tutor-studio generate --teacher http://127.0.0.1:8000/v1 --model Qwen/Qwen2.5-7B-Instruct --concurrency 32
    tutor-studio generate --teacher https://api.openai.com/v1 --model gpt-4o-mini --api-key-env OPENAI_API_KEY
    tutor-studio generate --teacher hf:HuggingFaceTB/SmolLM2-1.7B-Instruct
    tutor-studio generate --resume gen_1a2b3c4d5e           # redo only the items not finished
    tutor-studio generate --preview                         # 3 conversations on stdout, nothing stored

Runs a background job and waits for it, reporting progress on stderr. With --json it prints
    {"job": ID, "run": RUN, "state": STATE, "generated": N, "kept": N, "filtered": N, "failed": N,
     "remaining": N, "seconds": S, "reasons": {REASON: N}}
(--preview: {"preview": [{"intent", "state", "reason", "detail", "question", "messages"}]}).
Kept conversations wait for review as "pending"; Ctrl-C stops the job so that --resume can finish it.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from core.commands import CliContext, CliError, CommandResult, add_command
from core.jobs import Job, get_job, request_stop
from core.synth.config import MAX_CONCURRENCY, MAX_PER_CHUNK, SynthConfig, SynthError
from core.synth.filters import REASON_LABELS
from core.synth.intents import MixError, StudentMix
from core.synth.job import GenerationStart, resume_generation, submit_generation
from core.synth.pipeline import ItemResult, preview_examples
from core.synth.records import item_counts, reason_counts
from core.synth.teacher_config import TeacherConfig, TeacherConfigError, discover_model, parse_teacher

POLL_S = 0.5


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers, "generate", run, "Write practice tutor conversations from the course chunks."
    )
    parser.add_argument("--teacher", default="template", metavar="template|URL|hf:MODEL",
                        help="Who writes: the offline template teacher (default, no model), an OpenAI-compatible "
                        "server's URL (vLLM, Ollama, OpenAI), or hf:MODEL for a local model.")  # fmt: skip
    parser.add_argument(
        "--model",
        metavar="NAME",
        help="The model name on the server (asked from the server when it serves one).",
    )
    parser.add_argument(
        "--api-key-env", metavar="VAR", help="The NAME of the environment variable that holds the API key."
    )
    parser.add_argument(
        "--per-chunk",
        type=int,
        default=2,
        metavar="N",
        help=f"Conversations per chunk (1-{MAX_PER_CHUNK}, default 2).",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=8,
        metavar="C",
        help=f"Requests at once (1-{MAX_CONCURRENCY}, default 8).",
    )
    parser.add_argument(
        "--documents", nargs="+", metavar="ID", help="Only these documents (default: every ready one)."
    )
    parser.add_argument("--chunks", nargs="+", metavar="ID", help="Only these chunks.")
    parser.add_argument(
        "--mix",
        metavar="INTENT=W,...",
        help="Student mix, e.g. confused=3,frustrated=1 (default: all six intents).",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="Seed for the intents and the template's wording."
    )
    parser.add_argument("--stream", action="store_true", help="Ask the teacher for streamed replies.")
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="S",
        help="Seconds one request may take, retries included.",
    )
    parser.add_argument(
        "--resume", metavar="RUN", help="Resume a run: redo only its pending and failed items."
    )
    parser.add_argument(
        "--preview", action="store_true", help="Write 3 conversations to look at; nothing is stored."
    )
    parser.add_argument("--no-wait", action="store_true", help="Start the job and return at once.")


def run(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    try:
        if args.resume:
            return _follow(ctx, resume_generation(ctx.store, ctx.workspace, args.resume), args.no_wait)
        config = build_config(args)
        if args.preview:
            return _preview(ctx, config)
        return _follow(ctx, submit_generation(ctx.store, ctx.workspace, config), args.no_wait)
    except (SynthError, TeacherConfigError, MixError) as exc:
        raise CliError(str(exc), exit_code=2) from exc


def build_config(args: argparse.Namespace) -> SynthConfig:
    model = args.model
    if args.teacher.startswith(("http://", "https://")) and not model:
        model = discover_model(args.teacher, args.api_key_env)
    teacher: TeacherConfig = parse_teacher(
        args.teacher, model, args.api_key_env, stream=args.stream, timeout_s=args.timeout
    )
    return SynthConfig(
        teacher=teacher,
        document_ids=tuple(args.documents or ()),
        chunk_ids=tuple(args.chunks or ()),
        per_chunk=args.per_chunk,
        concurrency=args.concurrency,
        mix=StudentMix.parse(args.mix) if args.mix else StudentMix.default(),
        seed=args.seed,
    )


def _follow(ctx: CliContext, start: GenerationStart, no_wait: bool) -> CommandResult:
    ctx.report(
        f"Run {start.run_id}: {start.items} conversations from {start.chunks} chunks (job {start.job.id})."
    )
    job = start.job if no_wait else _wait(ctx, start)
    data = summary(ctx, start.run_id, job)
    text = (
        f"{job.state}: kept {data['kept']}, filtered {data['filtered']}, failed {data['failed']} "
        f"in {data['seconds']} s (job {job.id}, run {start.run_id})."
    )
    if data["remaining"]:
        text += f" {data['remaining']} left: tutor-studio generate --resume {start.run_id}"
    if job.error:
        text += f"\n{job.error}"
    return CommandResult(
        data, text, exit_code=0 if job.state in ("succeeded", "queued", "starting", "running") else 1
    )


def _wait(ctx: CliContext, start: GenerationStart) -> Job:
    last = ""
    try:
        while True:
            job = get_job(ctx.store, start.job.id)
            if job.message and job.message != last:
                ctx.report(job.message)
                last = job.message
            if not job.is_active:
                return job
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        request_stop(ctx.store, start.job.id, mode="stop")
        ctx.report(f"Stopping; finish it later with: tutor-studio generate --resume {start.run_id}")
        while get_job(ctx.store, start.job.id).is_active:
            time.sleep(POLL_S)
        return get_job(ctx.store, start.job.id)


def summary(ctx: CliContext, run_id: str, job: Job) -> dict[str, Any]:
    result = job.result or {}
    counts = item_counts(ctx.store, run_id, job.id)
    run_counts = item_counts(ctx.store, run_id)
    return {
        "job": job.id,
        "run": run_id,
        "state": job.state,
        "generated": counts["kept"] + counts["filtered"] + counts["failed"],
        "kept": counts["kept"],
        "filtered": counts["filtered"],
        "failed": counts["failed"],
        "remaining": run_counts["pending"] + run_counts["failed"],
        "seconds": result.get("seconds", round(job.elapsed_s(), 2)),
        "reasons": reason_counts(ctx.store, run_id),
        "error": job.error,
    }


def _preview(ctx: CliContext, config: SynthConfig) -> CommandResult:
    results = preview_examples(ctx.store, ctx.workspace, config)
    entries = [preview_entry(r) for r in results]
    blocks = []
    for entry in entries:
        head = f"--- {entry['intent']} · {entry['state']}" + (
            f" ({REASON_LABELS.get(entry['reason'], entry['reason'])}: {entry['detail']})"
            if entry["reason"]
            else ""
        )
        turns = [
            f"{'Student' if m['role'] == 'user' else 'Tutor'}: {m['content']}"
            for m in entry["messages"] or []
        ]
        blocks.append("\n".join([head, *turns]))
    return CommandResult({"preview": entries}, "\n\n".join(blocks) or "The teacher wrote nothing to show.")


def preview_entry(result: ItemResult) -> dict[str, Any]:
    return {
        "intent": result.work.intent,
        "state": result.state,
        "reason": result.reason,
        "detail": result.detail,
        "question": result.derivation.question if result.derivation else None,
        "messages": result.messages,
    }
