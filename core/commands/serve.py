"""`tutor-studio serve [--host 127.0.0.1] [--port 7860] [--auth user:pass | --auth-file FILE]`: the browser studio."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from core.commands import CliContext, CliError, CommandResult, add_command


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "serve", run, "Start the browser studio.")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="Address to listen on (default 127.0.0.1: this machine only). Use 0.0.0.0 to share on your "
        "network, together with --auth.",
    )
    parser.add_argument("--port", type=int, default=7860, help="Port to listen on (default 7860).")
    parser.add_argument("--auth", metavar="USER:PASSWORD", help="Ask for this user name and password.")
    parser.add_argument(
        "--auth-file", metavar="FILE", help="A file of USER:PASSWORD lines; any of them may sign in."
    )
    parser.add_argument(
        "--max-file-size", default="200mb", help="Largest file a browser may upload (default 200mb)."
    )


def parse_auth(args: argparse.Namespace) -> list[tuple[str, str]] | None:
    lines: list[str] = []
    if args.auth:
        lines.append(args.auth)
    if args.auth_file:
        path = Path(args.auth_file)
        if not path.is_file():
            raise CliError(f"--auth-file {path}: no such file. Write one USER:PASSWORD per line.")
        lines += [line.strip() for line in path.read_text().splitlines() if line.strip()]
    pairs = []
    for line in lines:
        user, sep, password = line.partition(":")
        if not sep or not user or not password:
            raise CliError(
                f"Credentials must read USER:PASSWORD, got {line[:3]}...; fix --auth or --auth-file."
            )
        pairs.append((user, password))
    return pairs or None


def run(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    started = time.monotonic()
    # Imported here: the CLI's other commands must not pay for gradio.
    from studio.app import launch
    from studio.context import AppContext

    auth = parse_auth(args)
    if args.host not in ("127.0.0.1", "localhost", "::1") and not auth:
        ctx.report(
            "warning: the studio is reachable from other machines without a password; consider --auth."
        )
    app_ctx = AppContext.create(ctx.workspace)
    demo = launch(
        app_ctx, host=args.host, port=args.port, auth=auth, max_file_size=args.max_file_size, block=False
    )
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"
    ctx.report(f"Tutor Studio is running at {url}  (workspace: {ctx.workspace.root})")
    ctx.report(
        f"Ready in {time.monotonic() - started:.1f} s. Press Ctrl+C to stop; background jobs keep running."
    )
    try:
        demo.block_thread()
    finally:
        demo.close()
    return CommandResult({"url": url})
