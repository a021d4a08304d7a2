"""`tutor-studio serve [--host 127.0.0.1] [--port 7860] [--auth user:pass | --auth-file FILE] [--root-path PATH]`:
the browser studio.

    tutor-studio serve --root-path "$NB_PREFIX/proxy/7860/"   # in a notebook workbench, behind its proxy
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from core.commands import CliContext, CliError, CommandResult, add_command
from core.web import (
    HEALTH_PATH,
    LOOPBACK_HOSTS,
    ROOT_PATH_ENV,
    RootPathError,
    notebook_root_path,
    public_url,
    resolve_root_path,
    studio_url,
)


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
    parser.add_argument(
        "--root-path",
        metavar="PATH",
        help=f"The path a reverse proxy serves the studio under, such as /proxy/7860/ in a notebook "
        f"workbench (the proxy strips it). Default: ${ROOT_PATH_ENV}, else none.",
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
    try:
        root_path = resolve_root_path(args.root_path)
    except RootPathError as error:
        raise CliError(str(error)) from None
    if args.host not in LOOPBACK_HOSTS and not auth:
        ctx.report(
            "warning: the studio is reachable from other machines without a password; consider --auth."
        )
    app_ctx = AppContext.create(ctx.workspace)
    demo = launch(
        app_ctx,
        host=args.host,
        port=args.port,
        auth=auth,
        max_file_size=args.max_file_size,
        block=False,
        root_path=root_path,
    )
    url = studio_url(args.host, args.port)
    for line in start_lines(url, root_path, args.port, str(ctx.workspace.root)):
        ctx.report(line)
    ctx.report(
        f"Ready in {time.monotonic() - started:.1f} s. Press Ctrl+C to stop; background jobs keep running."
    )
    try:
        demo.block_thread()
    finally:
        demo.close()
    return CommandResult({"url": url, "root_path": root_path, "public_url": public_url(root_path, url)})


def start_lines(url: str, root_path: str, port: int, workspace: str) -> list[str]:
    """What `serve` says once it answers: where to open it (through the proxy when there is one)."""
    lines = [f"Tutor Studio is running at {url}  (workspace: {workspace})"]
    if root_path:
        lines.append(
            f"Behind your proxy, open {public_url(root_path, url)} (the proxy strips {root_path}; "
            f"health check: {url.rstrip('/')}{HEALTH_PATH})"
        )
    elif hint := notebook_root_path(port):
        lines.append(
            f"This looks like a notebook workbench: to open it through the notebook's proxy, restart with "
            f"--root-path {hint}/ and open {hint}/ on the notebook's address."
        )
    return lines
