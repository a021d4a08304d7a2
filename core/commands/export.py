"""`tutor-studio export ADAPTER_ID --to vllm|ollama|merged|openai OUT_DIR` and `--check URL`.

    tutor-studio export tiny@local+tutor@v1+lora@v1 --to vllm out/vllm --json
    tutor-studio export ADAPTER --to openai out/ft --hosted --api-key-env OPENAI_API_KEY   # + hosted job
    tutor-studio export ADAPTER --check http://127.0.0.1:8000/v1 --json                   # parity check

With --json an export prints {"adapter", "target", "path", "files", "commands", "notes", "hosted"?};
a check prints {"adapter", "server", "model", "verdict", "agreement", "message", "causes", "rows", "report"}
and exits 1 when serving drifts from the studio (or the server cannot be checked), so CI can gate on it.
The same core functions back the Deploy tab.
"""

from __future__ import annotations

import argparse
from typing import Any, get_args

from pydantic import BaseModel

from core.commands import CliContext, CliError, CommandResult, add_command
from core.deploy.export_openai import HostedConfig
from core.deploy.exports import TARGET_HELP, TARGETS, ExportOptions, OllamaMode, VolumeChoice, export_adapter
from core.deploy.parity import ParityConfig
from core.deploy.subject import ExportError
from core.models.loading import DtypeChoice


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "export",
        run,
        "Export an adapter for serving (vLLM, Ollama, merged, OpenAI) or check a server's parity.",
        description="Export a trained adapter to serve it outside the studio, or check that a running "
        "OpenAI-compatible server answers like the studio (greedy decoding on the test split and the probes).",
    )
    parser.add_argument("adapter", metavar="ADAPTER_ID", help="The adapter to export or check.")
    parser.add_argument("out_dir", metavar="OUT_DIR", nargs="?", help="Folder to write the export into.")
    # nargs "+" so that the documented order `ADAPTER --to vllm OUT_DIR` parses as well as
    # `ADAPTER OUT_DIR --to vllm`: argparse cannot take a positional after an option otherwise.
    parser.add_argument(
        "--to",
        nargs="+",
        metavar=("TARGET", "OUT_DIR"),
        help=f"What to export for ({', '.join(TARGETS)}), optionally followed by OUT_DIR. {TARGET_HELP}",
    )
    parser.add_argument(
        "--check", metavar="URL", help=f"Parity-check this server. {_help(ParityConfig, 'server_url')}"
    )
    vllm = parser.add_argument_group("vllm")
    vllm.add_argument("--volume", choices=get_args(VolumeChoice), **_option(ExportOptions, "volume"))
    vllm.add_argument("--image", **_option(ExportOptions, "image"))
    vllm.add_argument("--namespace", **_option(ExportOptions, "namespace"))
    ollama = parser.add_argument_group("ollama")
    ollama.add_argument(
        "--ollama-from", choices=get_args(OllamaMode), **_option(ExportOptions, "ollama_mode")
    )
    hosted = parser.add_argument_group("openai hosted fine-tuning and parity checks")
    hosted.add_argument(
        "--hosted", action="store_true", help=f"{_help(ExportOptions, 'hosted')} Waits for it."
    )
    hosted.add_argument("--api-base", **_option(HostedConfig, "api_base"))
    hosted.add_argument(
        "--api-key-env",
        default="",
        help=f"Hosted: {_help(HostedConfig, 'api_key_env')} Check: {_help(ParityConfig, 'api_key_env')}",
    )
    hosted.add_argument("--hosted-model", **_option(HostedConfig, "model"))
    hosted.add_argument("--suffix", **_option(HostedConfig, "suffix"))
    hosted.add_argument("--poll", type=float, **_option(HostedConfig, "poll_s"))
    check = parser.add_argument_group("parity check")
    check.add_argument("--served-name", **_option(ParityConfig, "served_model"))
    check.add_argument("--max-prompts", type=int, **_option(ParityConfig, "max_prompts"))
    check.add_argument(
        "--no-probes",
        action="store_true",
        help=f"Turns off: {_help(ParityConfig, 'include_probes')}",
    )
    check.add_argument("--dtype", choices=get_args(DtypeChoice), **_option(ParityConfig, "dtype"))


def _help(model: type[BaseModel], name: str) -> str:
    return model.model_fields[name].description or ""


def _option(model: type[BaseModel], name: str) -> dict[str, Any]:
    """A flag's default and help, both from the config's field (the Deploy tab shows the same help)."""
    default = model.model_fields[name].default
    shown = f" (default {default})" if default not in ("", None) else ""
    return {"default": default, "help": _help(model, name) + shown}


def run(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    try:
        if args.check:
            return parity(args, ctx)
        resolve_target(args)
        return export(args, ctx)
    except ExportError as exc:
        raise CliError(str(exc)) from exc


def resolve_target(args: argparse.Namespace) -> None:
    """Set args.to to the target and args.out_dir from either place, or say what is missing."""
    values = args.to or []
    if not values or len(values) > 2:
        raise CliError(f"Give --to TARGET OUT_DIR, TARGET one of {', '.join(TARGETS)} (or --check URL).", 2)
    if values[0] not in TARGETS:
        raise CliError(f"--to: unknown target {values[0]!r}; use one of {', '.join(TARGETS)}.", 2)
    if len(values) == 2 and args.out_dir:
        raise CliError(f"Two output folders ({args.out_dir}, {values[1]}): give OUT_DIR once.", 2)
    args.to, args.out_dir = values[0], args.out_dir or (values[1] if len(values) == 2 else None)
    if not args.out_dir:
        raise CliError("Give the folder to write the export into: --to TARGET OUT_DIR.", 2)


def export(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    hosted = None
    if args.hosted:
        if args.to != "openai":
            raise CliError("--hosted goes with --to openai.", 2)
        key_env = args.api_key_env or HostedConfig.model_fields["api_key_env"].default
        hosted = HostedConfig(
            api_base=args.api_base,
            api_key_env=key_env,
            model=args.hosted_model,
            suffix=args.suffix,
            poll_s=args.poll,
        ).checked()
    options = ExportOptions(
        volume=args.volume,
        image=args.image,
        namespace=args.namespace,
        ollama_mode=args.ollama_from,
        hosted=hosted,
    )
    report = export_adapter(
        ctx.store, ctx.workspace, args.adapter, args.to, args.out_dir, options, ctx.report
    )
    data = report.to_dict()
    lines = [f"Exported {report.adapter_id} for {args.to} to {report.path} ({len(report.files)} files)."]
    lines += [f"{name}: {command}" for name, command in report.commands.items()]
    if hosted is not None:
        data["hosted"] = follow(ctx, report, hosted)
        lines.append(data["hosted"]["message"])
    return CommandResult(data, "\n".join(lines))


def follow(ctx: CliContext, report: Any, hosted: HostedConfig) -> dict[str, Any]:
    from core.deploy.hosted import run_hosted
    from core.deploy.records import insert_export

    with ctx.store.transaction() as conn:
        export_id = insert_export(conn, report.adapter_id, "openai", str(report.path), None, None, {})
    return run_hosted(ctx.store, export_id, hosted, report.path, report.commands, CliReporter(ctx))


class CliReporter:
    """Progress of a hosted job on stderr; the command follows it to the end (Ctrl+C stops following)."""

    stop_mode: str | None = None

    def __init__(self, ctx: CliContext) -> None:
        self.ctx, self.last = ctx, ""

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        if message and message != self.last:
            self.last = message
            self.ctx.report(message)

    def should_stop(self) -> bool:
        return False


def parity(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    from core.deploy.parity_run import check_parity, save_parity

    config = ParityConfig(
        adapter_id=args.adapter,
        server_url=args.check,
        served_model=args.served_name,
        api_key_env=args.api_key_env,
        max_prompts=args.max_prompts,
        include_probes=not args.no_probes,
        dtype=args.dtype,
    )
    report = check_parity(ctx.store, ctx.workspace, config, progress=lambda d, t, m: ctx.report(m))
    check_id, path = save_parity(ctx.store, ctx.workspace, report, None)
    data = report.to_dict() | {"report": str(path), "check_id": check_id}
    lines = [f"{report.verdict.upper()}: {report.message}"]
    for row in report.rows:
        if not row.agree:
            lines.append(
                f"- {row.prompt.id}: studio {row.studio[:60]!r} vs server {row.server[:60]!r} ({row.cause})"
            )
    lines.append(f"Report: {path}")
    return CommandResult(data, "\n".join(lines), exit_code=0 if report.verdict in ("agree", "close") else 1)
