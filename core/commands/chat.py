"""`tutor-studio chat MESSAGE`: one student message to base, prompted and adapter side by side.

    tutor-studio chat "Just tell me the answer: 1/4 + 2/3?" --json
    tutor-studio chat "Why is the sky blue?" --variants prompted,adapter --adapter tutor@v2-lora --temperature 0
    tutor-studio chat "Hi" --server http://127.0.0.1:8000/v1 --model HuggingFaceTB/SmolLM2-360M-Instruct

With --json it prints exactly:
    {"replies": {VARIANT: TEXT}, "usage": {VARIANT: {"prompt_tokens": N, "completion_tokens": N, "ttft_s": X}}}
Without --adapter the adapter variant is the latest adapter. When there is none, the default variants
run without it (the reason goes to stderr); naming it (--adapter, or `adapter` in --variants) fails.
"""

from __future__ import annotations

import argparse
from typing import Any

from pydantic import ValidationError

from core.commands import CliContext, CliError, CommandResult, add_command
from core.compare.backends import ChatBackends, LocalCompareContext, ServingConfig, ServingError
from core.compare.replies import ReplyUsage, round_replies
from core.compare.reply_settings import ReplySettings
from core.compare.savings import token_savings
from core.compare.session import CompareError, RoundRequest, RoundSnapshot, run_round
from core.compare.variants import BASE_KEY, PROMPTED_KEY, adapter_key
from core.models.spec import configured_base_model, resolve_base
from core.train.records import get_adapter, latest_adapter

VARIANTS = ("base", "prompted", "adapter")
DEFAULT_VARIANTS = ",".join(VARIANTS)


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "chat",
        run,
        "Send one student message to the base model, the prompted base and an adapter, side by side.",
    )
    parser.add_argument("message", metavar="MESSAGE", help="The student's message.")
    parser.add_argument("--adapter", metavar="ID", help="The adapter to compare (default: the latest one).")
    parser.add_argument(
        "--variants",
        default=None,
        help=f"Comma-separated variants to run, from {DEFAULT_VARIANTS} (default: all three).",
    )
    parser.add_argument(
        "--max-new-tokens",
        type=int,
        default=ReplySettings.default("max_new_tokens"),
        metavar="N",
        help=ReplySettings.help("max_new_tokens"),
    )
    parser.add_argument(
        "--temperature",
        type=float,
        default=ReplySettings.default("temperature"),
        metavar="T",
        help=ReplySettings.help("temperature"),
    )
    parser.add_argument("--seed", type=int, metavar="S", help=ReplySettings.help("seed"))
    parser.add_argument(
        "--server", metavar="URL", help="An OpenAI-compatible server (vLLM, Ollama) instead of in-process."
    )
    parser.add_argument("--model", metavar="NAME", help="With --server: the base model's name on the server.")
    parser.add_argument(
        "--api-key-env",
        metavar="VAR",
        default="",
        help="With --server: the environment variable holding the API key.",
    )


def run(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    names = _variant_names(args.variants)
    keys = [_key(ctx, name, args) for name in names]
    wanted = {name: key for name, key in zip(names, keys, strict=True) if key is not None}
    if not wanted:
        raise CliError("Nothing to run: name at least one variant with --variants.", exit_code=2)
    try:
        config = _reply_settings(args).generation()
        serving = _serving(args)
        snapshot = run_round(
            _compare_context(ctx),
            RoundRequest(args.message, list(wanted.values()), config=config, serving=serving),
        )
    except (ValueError, CompareError, ServingError) as exc:
        raise CliError(str(exc), exit_code=2) from exc
    if snapshot.error:
        raise CliError(snapshot.error)
    return _result(wanted, snapshot)


def _reply_settings(args: argparse.Namespace) -> ReplySettings:
    try:
        return ReplySettings(max_new_tokens=args.max_new_tokens, temperature=args.temperature, seed=args.seed)
    except ValidationError as error:
        field = str(error.errors()[0]["loc"][0])
        low, high = ReplySettings.bounds(field)
        flag = "--" + field.replace("_", "-")
        raise CliError(f"{flag} must be between {low:g} and {high:g}.", exit_code=2) from error


def _variant_names(text: str | None) -> list[str]:
    names = [n.strip() for n in (text or DEFAULT_VARIANTS).split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise CliError(f"Unknown variant {unknown[0]!r} in --variants; use {DEFAULT_VARIANTS}.", exit_code=2)
    return list(dict.fromkeys(names))


def _key(ctx: CliContext, name: str, args: argparse.Namespace) -> str | None:
    """The variant key for a CLI variant name; None for an adapter that does not exist and was not asked for."""
    if name != "adapter":
        return BASE_KEY if name == "base" else PROMPTED_KEY
    if args.adapter:
        if get_adapter(ctx.store, args.adapter) is None:
            raise CliError(
                f"There is no adapter {args.adapter!r}; list them with the Train tab or leave out --adapter."
            )
        return adapter_key(args.adapter)
    latest = latest_adapter(ctx.store)
    if latest is not None:
        return adapter_key(latest.id)
    reason = "No adapter yet: train one (Train tab or `tutor-studio train`), then compare again."
    if args.variants is not None:
        raise CliError(reason)
    ctx.report(f"adapter: unavailable. {reason}")
    return None


def _serving(args: argparse.Namespace) -> ServingConfig:
    if not args.server:
        return ServingConfig()
    return ServingConfig("openai", args.server, args.model or "", args.api_key_env).checked()


def _compare_context(ctx: CliContext) -> LocalCompareContext:
    base = resolve_base(configured_base_model(ctx.store), ctx.workspace)
    if base.is_fallback:
        ctx.report(base.reason)
    return LocalCompareContext(ctx.store, ctx.workspace, base, ChatBackends())


def _result(wanted: dict[str, str], snapshot: RoundSnapshot) -> CommandResult:
    result = round_replies(wanted, snapshot)
    labels = {c.key: c.label for c in snapshot.columns if c is not None}
    lines = []
    for name, key in wanted.items():
        lines += [f"== {name}: {labels[key]} ==", result.replies[name], _usage_line(result.usage[name]), ""]
    savings = token_savings(
        [{k: (u.prompt_tokens if u else None) for k, u in snapshot.usage_by_key().items()}]
    )
    if savings.measured:
        lines.append(
            f"The prompt costs {savings.saved_per_message:.0f} input tokens per message that the adapter saves."
        )
    return CommandResult(result.model_dump(mode="json"), "\n".join(lines).rstrip())


def _usage_line(usage: ReplyUsage) -> str:
    ttft = f"{usage.ttft_s:.2f} s" if usage.ttft_s is not None else "n/a"
    return f"[{usage.prompt_tokens} tokens in, {usage.completion_tokens} out, first token after {ttft}]"
