"""`tutor-studio train [--base MODEL] [--dataset ID] [--config YAML] [--max-steps N] [--resume RUN] --json`.

    tutor-studio train --base tiny --max-steps 20 --json      # newest dataset version, offline test model
    tutor-studio train --config runs/run_1a2b/run.yaml        # reproduce a run (as a new run)
    tutor-studio train --resume run_1a2b                      # continue a stopped or interrupted run
    tutor-studio train --method dpo --from tiny@local+tutor@v1+lora@v1   # preference-tune that adapter

Training runs as a background job (the same one the Train tab starts); this command waits for it and
prints progress on stderr. With --json it prints {"run", "adapter", "steps", "first_loss", "final_loss",
"tokens_per_second", ...}, plus "method", "parent_adapter", "reward_margin", "test_reward_margin" for DPO/ORPO.
Without --preference-dataset a DPO/ORPO run builds (or reuses) one from votes, edits and leaks first.
Ctrl+C stops waiting; the job keeps running (`tutor-studio jobs` shows it).
"""

from __future__ import annotations

import argparse
from typing import Any

from pydantic import ValidationError

from core.commands import CliContext, CliError, CommandResult, add_command
from core.jobs import get_job
from core.train.dpo_config import METHODS, PreferenceConfig, load_run_config
from core.train.dpo_runs import start_preference_training
from core.train.pairs import SOURCE_HELP, SOURCES
from core.train.records import Run, adapter_for_run
from core.train.runs import StartedRun, resume_training, start_training, wait_for_run
from core.train.sft_config import (
    PRESET_NAMES,
    ConfigError,
    TrainConfig,
    TrainingError,
    describe_errors,
    preset_help,
)
from core.train.summary import TrainResult


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
    parser.add_argument(
        "--preset", choices=PRESET_NAMES, help=f"Start from this preset (default: balanced): {preset_help()}"
    )
    parser.add_argument("--max-steps", type=int, metavar="N", help="Stop after N steps (overrides epochs).")
    parser.add_argument(
        "--resume", metavar="RUN", help="Continue this run from its newest complete checkpoint."
    )
    parser.add_argument(
        "--no-wait", action="store_true", help="Print the run and job ids and return at once."
    )
    preference = parser.add_argument_group("preference tuning (DPO / ORPO on a supervised adapter)")
    preference.add_argument(
        "--method", choices=("sft", *METHODS), help="sft (default), or dpo / orpo to improve an adapter."
    )
    preference.add_argument(
        "--from",
        dest="parent",
        metavar="ADAPTER_ID",
        help="The supervised adapter to improve (default: newest).",
    )
    preference.add_argument(
        "--preference-dataset", metavar="ID", help="Preference dataset version (default: build or reuse one)."
    )
    preference.add_argument("--beta", type=float, help="How close to stay to the supervised tutor (0.1).")
    preference.add_argument(
        "--sources",
        default=",".join(SOURCES),
        help=f"Pair sources when building, comma-separated ({','.join(SOURCES)}): "
        + "; ".join(f"{key}: {text}" for key, text in SOURCE_HELP.items()),
    )


def build_config(args: argparse.Namespace) -> TrainConfig:
    """--config (or --preset), then --base/--dataset/--max-steps (and the preference options) on top."""
    if args.config and args.preset:
        raise CliError("Use --config or --preset, not both: the config file already names its settings.", 2)
    wanted = args.method in METHODS
    try:
        if args.config:
            config = load_run_config(args.config)
        else:
            config = (PreferenceConfig if wanted else TrainConfig).from_preset(args.preset or "balanced")
    except ConfigError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    preference = wanted or (isinstance(config, PreferenceConfig) and args.method != "sft")
    if not preference and (args.parent or args.preference_dataset or args.beta is not None):
        raise CliError("--from, --preference-dataset and --beta need --method dpo or orpo.", 2)
    overrides = {"base": args.base, "dataset": args.dataset, "max_steps": args.max_steps}
    if preference:
        dataset = args.preference_dataset or args.dataset
        overrides |= {
            "parent_adapter": args.parent,
            "dataset": dataset,
            "beta": args.beta,
            "method": args.method,
        }
    model = PreferenceConfig if preference else TrainConfig
    values = {k: v for k, v in config.model_dump().items() if k in model.model_fields}
    try:
        return model(**{**values, **{k: v for k, v in overrides.items() if v is not None}})
    except ValidationError as exc:
        raise CliError(describe_errors(exc, "", "the command line", model), exit_code=2) from exc


def start(ctx: CliContext, args: argparse.Namespace) -> StartedRun:
    """An SFT run, or a DPO/ORPO run (building its preference dataset first when none is named)."""
    config = build_config(args)
    if not isinstance(config, PreferenceConfig):
        return start_training(ctx.store, ctx.workspace, config)
    if not config.dataset:
        from core.train.pairs_build import build_preference_dataset

        sources = [s.strip() for s in args.sources.split(",") if s.strip()]
        built = build_preference_dataset(ctx.store, ctx.workspace, sources=sources)
        ctx.report(built.message)
        config = config.model_copy(update={"dataset": built.dataset.id})
    return start_preference_training(ctx.store, ctx.workspace, config)


def run(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    store, workspace = ctx.store, ctx.workspace
    try:
        if args.resume:
            if args.config or args.base or args.dataset or args.max_steps or args.preset or args.parent:
                raise CliError(
                    "--resume continues a run with its own settings; leave out the other options.", 2
                )
            started = resume_training(store, workspace, args.resume)
        else:
            started = start(ctx, args)
    except (TrainingError, ValueError) as exc:
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
    margin = (
        f"Reward margin {_number(data['first_reward_margin'])} -> {_number(data['reward_margin'])} "
        f"(held-out pairs: {_number(data['test_reward_margin'])}).\n"
        if data["method"] != "sft"
        else ""
    )
    text = (
        f"Trained {data['adapter_id']} in {data['steps']} steps: loss {_number(data['first_loss'])} -> "
        f"{_number(data['final_loss'])}, {_number(data['tokens_per_second'], 0)} tokens/s.\n{margin}"
        f"Adapter: {data['adapter']}\nModel card: {finished.folder}/model_card.md"
    )
    return CommandResult(data, text)


def result_data(ctx: CliContext, finished: Run) -> dict[str, Any]:
    return TrainResult.of(finished, adapter_for_run(ctx.store, finished.id)).data()


def _number(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None else f"{float(value):.{digits}f}"
