"""`tutor-studio train [--base MODEL] [--dataset ID] [--config YAML] [--max-steps N] [--resume RUN] --json`.

    tutor-studio train --base tiny --max-steps 20 --json      # newest dataset version, offline test model
    tutor-studio train --config runs/run_1a2b/run.yaml        # reproduce a run (as a new run)
    tutor-studio train --resume run_1a2b                      # continue a stopped or interrupted run

Training runs as a background job (the same one the Train tab starts); this command waits for it and
prints progress on stderr. With --json it prints {"run", "adapter", "steps", "first_loss", "final_loss",
"tokens_per_second", ...}. Ctrl+C stops waiting; the job keeps running (`tutor-studio jobs` shows it).
"""

from __future__ import annotations

import argparse
from typing import Any

from pydantic import ValidationError

from core.commands import CliContext, CliError, CommandResult, add_command
from core.jobs import get_job
from core.training.config import (
    PRESET_NAMES,
    ConfigError,
    TrainConfig,
    TrainingError,
    describe_errors,
    load_config,
)
from core.training.records import Run, adapter_for_run
from core.training.runs import StartedRun, resume_training, start_training, wait_for_run


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "train",
        run,
        "Train a LoRA adapter on a dataset version (a background job; waits for it).",
        description="Train a LoRA adapter (the Train tab's run) on a dataset version. Training runs as a background "
        "job; this command waits for it, printing progress on stderr. Ctrl+C stops waiting, not the job.",
    )
    parser.add_argument("--base", metavar="MODEL", help="Base model: hub id, local folder or `tiny`.")
    parser.add_argument(
        "--dataset", metavar="ID", help="Dataset version such as tutor@v3 (default: the newest)."
    )
    parser.add_argument(
        "--config", metavar="YAML", help="Settings file (a run folder's run.yaml, or assets/configs/*)."
    )
    parser.add_argument("--preset", choices=PRESET_NAMES, help="Start from this preset (default: balanced).")
    parser.add_argument("--max-steps", type=int, metavar="N", help="Stop after N steps (overrides epochs).")
    parser.add_argument(
        "--resume", metavar="RUN", help="Continue this run from its newest complete checkpoint."
    )
    parser.add_argument(
        "--no-wait", action="store_true", help="Print the run and job ids and return at once."
    )


def build_config(args: argparse.Namespace) -> TrainConfig:
    """--config (or --preset), then --base/--dataset/--max-steps on top."""
    if args.config and args.preset:
        raise CliError("Use --config or --preset, not both: the config file already names its settings.", 2)
    overrides = {"base": args.base, "dataset": args.dataset, "max_steps": args.max_steps}
    try:
        config = (
            load_config(args.config) if args.config else TrainConfig.from_preset(args.preset or "balanced")
        )
        return TrainConfig(**{**config.model_dump(), **{k: v for k, v in overrides.items() if v is not None}})
    except ValidationError as exc:
        raise CliError(describe_errors(exc, "", "the command line"), exit_code=2) from exc
    except ConfigError as exc:
        raise CliError(str(exc), exit_code=2) from exc


def run(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    store, workspace = ctx.store, ctx.workspace
    try:
        if args.resume:
            if args.config or args.base or args.dataset or args.max_steps or args.preset:
                raise CliError(
                    "--resume continues a run with its own settings; leave out the other options.", 2
                )
            started = resume_training(store, workspace, args.resume)
        else:
            started = start_training(store, workspace, build_config(args))
    except TrainingError as exc:
        raise CliError(str(exc)) from exc
    ctx.report(started.notice)
    if args.no_wait:
        return CommandResult({"run": started.run.id, "job": started.job.id}, started.notice)
    return _wait(ctx, started)


def _wait(ctx: CliContext, started: StartedRun) -> CommandResult:
    try:
        finished = wait_for_run(ctx.store, started.run.id, started.job.id, on_message=ctx.report)
    except KeyboardInterrupt as exc:
        raise CliError(
            f"Stopped waiting. Run {started.run.id} keeps training as job {started.job.id}: "
            f"`tutor-studio jobs --wait {started.job.id}` follows it, `tutor-studio jobs --stop {started.job.id}` "
            "stops it (resumable).",
            exit_code=130,
        ) from exc
    if finished.status != "succeeded":
        job = get_job(ctx.store, started.job.id)
        reason = finished.message or job.error or job.message
        hint = (
            f" Resume it with `tutor-studio train --resume {finished.id}`."
            if finished.status == "stopped"
            else ""
        )
        raise CliError(f"Run {finished.id} ended {finished.status}: {reason}{hint}")
    data = result_data(ctx, finished)
    text = (
        f"Trained {data['adapter_id']} in {data['steps']} steps: loss {_number(data['first_loss'])} -> "
        f"{_number(data['final_loss'])}, {_number(data['tokens_per_second'], 0)} tokens/s.\n"
        f"Adapter: {data['adapter']}\nModel card: {finished.folder}/model_card.md"
    )
    return CommandResult(data, text)


def result_data(ctx: CliContext, finished: Run) -> dict[str, Any]:
    summary = finished.summary or {}
    adapter = adapter_for_run(ctx.store, finished.id)
    return {
        "run": finished.id,
        "adapter": adapter.path if adapter else None,
        "adapter_id": adapter.id if adapter else None,
        "job": finished.job_id,
        "steps": summary.get("steps"),
        "first_loss": summary.get("first_loss"),
        "final_loss": summary.get("final_loss"),
        "eval_loss": summary.get("eval_loss"),
        "tokens_per_second": summary.get("tokens_per_second"),
        "run_folder": finished.folder,
    }


def _number(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None else f"{float(value):.{digits}f}"
