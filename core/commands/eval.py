"""`tutor-studio eval`: did the adapter learn the tutor, and did it forget anything?

    tutor-studio eval --json                                   # the latest adapter on its dataset's test split
    tutor-studio eval --adapter tiny@local+tutor@v1+lora@v1 --dataset tutor@v2 --checks behaviour,kl --json
    tutor-studio eval --checks behaviour,kl,forgetting --tasks ts_arithmetic,arc_easy --limit 50
    tutor-studio eval --checks behaviour,judge --judge-url http://127.0.0.1:8000/v1 --judge-model NAME

It runs as a background job (one model job at a time; it waits in the queue if training is running) and
this command follows it, printing progress to stderr; Ctrl+C cancels it. With --json it prints exactly:
    {"eval": ID, "variants": {NAME: {"question_rate": X, "leak_rate": X, "probe_leak_rate": X,
     "encouragement_rate": X, "reply_tokens": X, "prompt_tokens": X, "kl_to_prompted": X}},
     "forgetting": {TASK: {"base": X, "adapter": X}}, "verdict": "ship"|"hold"}
Variant names are base, prompted and the adapter id; a value is null where it was not measured.
The exit status is 1 when the evaluation failed; with --fail-on-hold, 3 when the verdict is hold (for CI).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from core.commands import CliContext, CliError, CommandResult, add_command
from core.evaluate.config import CHECKS, DEFAULT_CHECKS, EvalConfigError, field_default, field_help
from core.evaluate.job import EvalSubmission, evaluation_progress, start_evaluation
from core.evaluate.judge import JudgeConfig
from core.evaluate.lm_tasks import TaskError
from core.evaluate.report import EvalSummary, cli_summary
from core.evaluate.report_model import EvalReport
from core.evaluate.testset import TestSetError
from core.evaluate.verdict import Thresholds
from core.jobs import Job, enforce_stop, get_job, request_stop

POLL_S = 1.0
HOLD_EXIT = 3


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "eval",
        run,
        "Evaluate an adapter against the base and prompted models: behaviour, KL, forgetting, verdict.",
    )
    parser.add_argument(
        "--adapter",
        metavar="ID",
        action="append",
        help=field_help("adapter_ids") + " Default: the latest; repeat for several.",
    )
    parser.add_argument(
        "--dataset",
        metavar="ID",
        help=field_help("dataset_id"),
    )
    parser.add_argument(
        "--checks",
        default=",".join(DEFAULT_CHECKS),
        help=f"Comma-separated checks from {','.join(CHECKS)} (default: %(default)s). {field_help('checks')}",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=field_default("task_limit"),
        metavar="N",
        help=field_help("task_limit") + " Default %(default)s; 0 = all.",
    )
    parser.add_argument("--tasks", metavar="A,B", help=field_help("tasks"))
    parser.add_argument("--max-conversations", type=int, metavar="N", help=field_help("max_conversations"))
    parser.add_argument(
        "--max-new-tokens",
        type=int,
        default=field_default("max_new_tokens"),
        metavar="N",
        help=field_help("max_new_tokens") + " Default %(default)s.",
    )
    parser.add_argument("--no-base", action="store_true", help="Leave the bare base model out.")
    parser.add_argument("--max-openers", type=int, metavar="N", help=_escaped(field_help("max_openers")))
    parser.add_argument(
        "--no-openers",
        action="store_true",
        help="Skip the held-out student openers (rates then rest on the test split).",
    )
    judge = JudgeConfig.model_fields
    parser.add_argument("--judge-url", metavar="URL", help=judge["base_url"].description)
    parser.add_argument("--judge-model", metavar="NAME", help=judge["model"].description)
    parser.add_argument("--judge-key-env", metavar="VAR", help=judge["api_key_env"].description)
    defaults = Thresholds()
    for name, info in Thresholds.model_fields.items():
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            type=float,
            default=getattr(defaults, name),
            metavar="X",
            help=_escaped(f"Threshold: {info.title}. {info.description}") + " (default %(default)s).",
        )
    parser.add_argument(
        "--no-wait", action="store_true", help="Start the job and return at once (prints its ids)."
    )
    parser.add_argument(
        "--fail-on-hold", action="store_true", help=f"Exit with status {HOLD_EXIT} when the verdict is hold."
    )


def _escaped(text: str) -> str:
    """argparse formats help with %: a literal percent sign is written twice."""
    return text.replace("%", "%%")


def run(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    try:
        submission = start_evaluation(
            ctx.store,
            ctx.workspace,
            adapter_ids=args.adapter or [],
            dataset_id=args.dataset,
            **_options(args),
        )
    except (EvalConfigError, TestSetError, TaskError, ValueError) as exc:
        raise CliError(str(exc), exit_code=2) from exc
    ctx.report(f"Evaluation {submission.eval_id} started as job {submission.job.id}.")
    if args.no_wait:
        return CommandResult({"eval": submission.eval_id, "job": submission.job.id}, submission.eval_id)
    job = _follow(ctx, submission)
    view = evaluation_progress(ctx.store, submission.eval_id)
    if view.report is None:
        raise CliError(f"The evaluation {job.state}: {view.problem}")
    summary = cli_summary(view.report)
    exit_code = HOLD_EXIT if args.fail_on_hold and summary.verdict == "hold" else 0
    text = _text(view.report, summary) + f"\nFull report: {view.record.report_path}"
    return CommandResult(summary.model_dump(mode="json"), text, exit_code=exit_code)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    checks = tuple(c.strip() for c in args.checks.split(",") if c.strip())
    judge = None
    if args.judge_url or args.judge_model:
        if not (args.judge_url and args.judge_model):
            raise CliError("Give both --judge-url and --judge-model for the judge.", exit_code=2)
        judge = JudgeConfig(base_url=args.judge_url, model=args.judge_model, api_key_env=args.judge_key_env)
    thresholds = Thresholds(**{name: getattr(args, name) for name in Thresholds.model_fields})
    return {
        "checks": checks,
        "tasks": tuple(t.strip() for t in (args.tasks or "").split(",") if t.strip()),
        "task_limit": args.limit or None,
        "max_conversations": args.max_conversations,
        "max_new_tokens": args.max_new_tokens,
        "include_base": not args.no_base,
        "openers": not args.no_openers,
        "max_openers": args.max_openers,
        "judge": judge,
        "thresholds": thresholds,
    }


def _follow(ctx: CliContext, submission: EvalSubmission) -> Job:
    """Wait for the job, reporting its progress on stderr; Ctrl+C cancels it."""
    last = ""
    try:
        while True:
            job = get_job(ctx.store, submission.job.id)
            line = _progress_line(job)
            if line != last:
                ctx.report(line)
                last = line
            if not job.is_active:
                return job
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        request_stop(ctx.store, submission.job.id, mode="cancel")
        enforce_stop(ctx.store, ctx.workspace, submission.job.id, wait=True)
        raise


def _progress_line(job: Job) -> str:
    if job.state == "queued":
        return "Waiting for another model job (training or evaluation) to finish..."
    fraction = f"{job.fraction:.0%} " if job.fraction is not None else ""
    return f"[{fraction}{job.state}] {job.message or 'starting the evaluation job'}"


def _text(report: EvalReport, summary: EvalSummary) -> str:
    lines = [f"Evaluation {summary.eval} on {report.dataset.id} ({report.dataset.tutor_turns} tutor turns)"]
    for name, numbers in summary.variants.items():
        shown = ", ".join(f"{k}={_number(v)}" for k, v in numbers.items())
        lines.append(f"  {name}: {shown}")
    for name, rates in summary.openers.items():
        shown = ", ".join(f"{k}={_interval(v)}" for k, v in rates.items() if v.get("value") is not None)
        lines.append(f"  {name} on the openers (95% intervals): {shown}")
    for task, scores in summary.forgetting.items():
        lines.append(f"  {task}: base {_number(scores['base'])}, adapter {_number(scores['adapter'])}")
    if summary.timings:
        lines.append("  Time per section: " + ", ".join(f"{k} {v:.0f} s" for k, v in summary.timings.items()))
    for adapter_id, verdict in report.verdicts.items():
        said = verdict.summary if "summary" in verdict.model_fields_set else ""
        lines.append(f"Verdict for {adapter_id}: {verdict.verdict.upper()}. {said}")
        lines += [f"  - {c.label}: {c.status} ({c.detail})" for c in verdict.checks]
    return "\n".join(lines)


def _interval(numbers: dict[str, Any]) -> str:
    return f"{_number(numbers['value'])} ({_number(numbers['low'])}-{_number(numbers['high'])})"


def _number(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3g}" if isinstance(value, float) else str(value)
