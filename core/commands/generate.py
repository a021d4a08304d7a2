"""`tutor-studio generate`: write synthetic Socratic tutor conversations from the workspace's chunks.

    tutor-studio generate                                   # offline template teacher, 8 per chunk
    tutor-studio generate --teacher http://127.0.0.1:8000/v1 --model Qwen/Qwen2.5-7B-Instruct --concurrency 32
    tutor-studio generate --teacher https://api.openai.com/v1 --model gpt-4o-mini --api-key-env OPENAI_API_KEY
    tutor-studio generate --teacher hf:HuggingFaceTB/SmolLM2-1.7B-Instruct
    tutor-studio generate --resume gen_1a2b3c4d5e           # redo only the items not finished
    tutor-studio generate --resume gen_1a2b3c4d5e --teacher http://127.0.0.1:8001/v1   # ... asking another server
    tutor-studio generate --preview                         # 3 conversations on stdout, nothing stored

Runs a background job and waits for it, reporting progress on stderr. With --json it prints
    {"job": ID, "run": RUN, "state": STATE, "outcome": OUTCOME, "generated": N, "kept": N, "filtered": N,
     "failed": N, "remaining": N, "seconds": S, "reasons": {REASON: N}, "explanation": TEXT}
("explanation" says why nothing was kept and what to do; "" when something was kept.)
STATE is `failed` (exit 1) when every item failed; OUTCOME tells `succeeded` from
`succeeded_with_failures` (some items failed; exit 0, `failed` counts them).
(--preview: {"preview": [{"intent", "state", "reason", "detail", "question", "messages"}]}).
Kept conversations wait for review as "pending"; Ctrl-C stops the job so that --resume can finish it.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from typing import Any

from core.commands import CliContext, CliError, CommandResult, add_command
from core.generate.config import MAX_CONCURRENCY, MAX_PER_CHUNK, SynthConfig, SynthError
from core.generate.filters import REASON_LABELS
from core.generate.intents import MixError, StudentMix
from core.generate.job import GenerationStart, resume_generation, submit_generation
from core.generate.pipeline import ItemResult, preview_examples
from core.generate.records import get_run
from core.generate.summary import GenerationSummary, run_summary
from core.generate.teacher_config import TeacherConfig, TeacherConfigError, discover_model, parse_teacher
from core.jobs import Job, get_job, request_stop

POLL_S = 0.5
DEFAULT_TIMEOUT_S = 120.0
# Flags that shape a run's plan (which items exist) and so cannot change when it is resumed.
PLANNED_FLAGS = {
    "--per-chunk": "per_chunk",
    "--documents": "documents",
    "--chunks": "chunks",
    "--mix": "mix",
    "--seed": "seed",
    "--preview": "preview",
}
TEACHER_FLAGS = ("teacher", "model", "api_key_env", "timeout", "stream")


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers, "generate", run, "Write practice tutor conversations from the course chunks."
    )
    parser.add_argument("--teacher", metavar="template|URL|hf:MODEL",
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
        metavar="N",
        help=_help("per_chunk", f"1-{MAX_PER_CHUNK}, default {SynthConfig.default('per_chunk')}"),
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        metavar="C",
        help=_help("concurrency", f"1-{MAX_CONCURRENCY}, default {SynthConfig.default('concurrency')}"),
    )
    parser.add_argument(
        "--documents", nargs="+", metavar="ID", help=_help("document_ids", "default: every ready one")
    )
    parser.add_argument("--chunks", nargs="+", metavar="ID", help=SynthConfig.help("chunk_ids"))
    parser.add_argument(
        "--mix",
        metavar="INTENT=W,...",
        help=_help("mix", "e.g. confused=3,frustrated=1; default: all six intents"),
    )
    parser.add_argument("--seed", type=int, help=_help("seed", f"default {SynthConfig.default('seed')}"))
    parser.add_argument("--stream", action="store_true", help="Ask the teacher for streamed replies.")
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="Seconds one request may take, retries included (default 120).",
    )
    parser.add_argument(
        "--resume",
        metavar="RUN",
        help="Resume a run: redo only its pending and failed items. --teacher, --model, --api-key-env, "
        "--stream, --timeout and --concurrency replace the run's own (the change is recorded in the run).",
    )
    parser.add_argument(
        "--preview", action="store_true", help="Write 3 conversations to look at; nothing is stored."
    )
    parser.add_argument("--no-wait", action="store_true", help="Start the job and return at once.")


def _help(field: str, note: str) -> str:
    """The config field's description (the Generate tab shows the same text) with the flag's range and default."""
    return f"{SynthConfig.help(field).rstrip('.')} ({note})."


def run(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    try:
        if args.resume:
            return _follow(ctx, resume(ctx, args), args.no_wait)
        config = build_config(args)
        if args.preview:
            return _preview(ctx, config)
        return _follow(ctx, submit_generation(ctx.store, ctx.workspace, config), args.no_wait)
    except (SynthError, TeacherConfigError, MixError) as exc:
        raise CliError(str(exc), exit_code=2) from exc


def build_config(args: argparse.Namespace) -> SynthConfig:
    teacher = build_teacher_config(args.teacher or "template", args)
    given = {
        "per_chunk": args.per_chunk,
        "concurrency": args.concurrency,
        "mix": StudentMix.parse(args.mix) if args.mix else None,
        "seed": args.seed,
    }
    return SynthConfig(
        teacher=teacher,
        document_ids=tuple(args.documents or ()),
        chunk_ids=tuple(args.chunks or ()),
        **{name: value for name, value in given.items() if value is not None},
    )


def build_teacher_config(value: str, args: argparse.Namespace) -> TeacherConfig:
    model = args.model
    if value.startswith(("http://", "https://")) and not model:
        model = discover_model(value, args.api_key_env)
    timeout = DEFAULT_TIMEOUT_S if args.timeout is None else args.timeout
    return parse_teacher(value, model, args.api_key_env, stream=args.stream, timeout_s=timeout)


def resume(ctx: CliContext, args: argparse.Namespace) -> GenerationStart:
    """Resume with the teacher and concurrency flags given; refuse the flags that fix the run's plan."""
    fixed = [flag for flag, name in PLANNED_FLAGS.items() if getattr(args, name) not in (None, False)]
    if fixed:
        raise CliError(
            f"{', '.join(fixed)} cannot change on --resume: the run's items were planned from its chunks, "
            "conversations per chunk, student mix and seed, and a resume only finishes them. Leave "
            f"{'it' if len(fixed) == 1 else 'them'} out, or start a new run without --resume.",
            exit_code=2,
        )
    teacher = None
    if any(getattr(args, name) not in (None, False) for name in TEACHER_FLAGS):
        teacher = resumed_teacher(ctx, args)
    start = resume_generation(
        ctx.store, ctx.workspace, args.resume, teacher=teacher, concurrency=args.concurrency
    )
    for setting, (before, after) in start.changed.items():
        ctx.report(f"Resuming with {setting} {after!r} (was {before!r}).")
    return start


def resumed_teacher(ctx: CliContext, args: argparse.Namespace) -> TeacherConfig:
    """The run's teacher with the flags given on top (a new --teacher starts from its defaults)."""
    run = get_run(ctx.store, args.resume)
    if run is None:
        raise CliError(
            f"No generation run {args.resume!r}; `tutor-studio generate --help` shows how to start one."
        )
    if args.teacher:
        return build_teacher_config(args.teacher, args)
    saved = SynthConfig.from_params(run.config).teacher
    changes: dict[str, Any] = {
        "model": args.model,
        "api_key_env": args.api_key_env,
        "timeout_s": args.timeout,
        "stream": True if args.stream else None,
    }
    return replace(saved, **{key: value for key, value in changes.items() if value is not None})


def _follow(ctx: CliContext, start: GenerationStart, no_wait: bool) -> CommandResult:
    ctx.report(
        f"Run {start.run_id}: {start.items} conversations from {start.chunks} chunks (job {start.job.id})."
    )
    job = start.job if no_wait else _wait(ctx, start)
    summary = run_summary(ctx.store, ctx.workspace, start.run_id, job)
    return CommandResult(
        summary.model_dump(mode="json"),
        summary_text(summary, job),
        exit_code=0 if job.state in ("succeeded", "queued", "starting", "running") else 1,
    )


def summary_text(summary: GenerationSummary, job: Job) -> str:
    text = (
        f"{job.outcome.replace('_', ' ')}: kept {summary.kept}, filtered {summary.filtered}, failed "
        f"{summary.failed} in {summary.seconds} s (job {job.id}, run {summary.run})."
    )
    if summary.remaining:
        text += f" {summary.remaining} left: tutor-studio generate --resume {summary.run}"
    if job.error:
        text += f"\n{job.error}"
    substance = summary.substance
    if substance.conversations:
        text += (
            f"\nSubstance of the kept conversations: {substance.specific:.0%} of tutor turns ask about the "
            f"student's problem; the most common opening starts {substance.top_opening:.0%} of them."
        )
    text += "".join(f"\nWarning: {warning}" for warning in substance.warnings)
    if summary.explanation:
        text += f"\n{summary.explanation}"
    return text


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
