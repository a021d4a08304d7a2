"""The `tutor-studio` command: every stage headless, calling the same core functions as the UI.

    tutor-studio --help
    tutor-studio serve --port 7860
    tutor-studio jobs --json

Each subcommand lives in core/commands/<name>.py and returns a CommandResult; this module is the only
place in core/ that writes to stdout. With --json a command prints exactly one JSON object on stdout;
progress and errors go to stderr, and failures exit non-zero.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Sequence

from core.commands import CliContext, CliError, CommandResult

# In the order `--help` lists them: the pipeline order, then the tools.
COMMAND_MODULES: tuple[str, ...] = (
    "serve",
    "ingest",
    "generate",
    "dataset",
    "train",
    "chat",
    "eval",
    "export",
    "jobs",
    "doctor",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor-studio",
        description="Tutor Studio: turn course material into a small Socratic tutor model. "
        "Run `tutor-studio serve` for the browser studio, or drive each stage from here.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"core.commands.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    ctx = CliContext.from_args(args, report=lambda message: print(message, file=sys.stderr, flush=True))
    try:
        result: CommandResult = args.handler(args, ctx)
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # every failure gets a readable line, never a bare traceback
        logging.getLogger("tutor-studio").debug("command failed", exc_info=True)
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.data, ensure_ascii=False, default=str))
    elif result.text:
        print(result.text)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
