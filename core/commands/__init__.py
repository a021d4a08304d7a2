"""Subcommands of `tutor-studio`: one module each, exposing `register(subparsers)`.

A handler takes (args, CliContext) and returns a CommandResult: `data` is what `--json` prints,
`text` what a person reads. Handlers never print; long commands report progress via `ctx.report`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from core.paths import Workspace
from core.store import Store


class CliError(RuntimeError):
    """A failure with a message fit for the terminal; exits with `exit_code`."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class CommandResult:
    data: dict[str, Any]
    text: str = ""
    exit_code: int = 0


@dataclass
class CliContext:
    workspace: Workspace
    report: Callable[[str], None] = field(default=lambda _message: None)

    @classmethod
    def from_args(cls, args: argparse.Namespace, report: Callable[[str], None]) -> CliContext:
        workspace = Workspace.from_env(getattr(args, "workspace", None)).ensure()
        workspace.configure_environment()
        return cls(workspace=workspace, report=report)

    @cached_property
    def store(self) -> Store:
        return Store.open(self.workspace)


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """`--workspace` and `--json`, which every subcommand takes."""
    parser.add_argument(
        "--workspace",
        metavar="DIR",
        help="Workspace folder (default: $STUDIO_HOME, else the per-user data folder).",
    )
    parser.add_argument(
        "--json", action="store_true", help="Print one JSON object on stdout and nothing else."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="Log details to stderr.")


def add_command(
    subparsers: Any,
    name: str,
    handler: Callable[[argparse.Namespace, CliContext], CommandResult],
    help_text: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help_text, description=description or help_text
    )
    add_common_options(parser)
    parser.set_defaults(handler=handler)
    return parser
