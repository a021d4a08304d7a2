"""Compare's reply settings are written once: the tab's sliders and `chat`'s flags start from the same values."""

from __future__ import annotations

import pytest

from core.cli import build_parser
from core.compare.reply_settings import ReplySettings
from core.paths import Workspace


def test_the_chat_flags_take_their_defaults_and_help_from_the_settings() -> None:
    args = build_parser().parse_args(["chat", "Hi"])
    assert (args.max_new_tokens, args.temperature, args.seed) == (200, 0.7, None)
    assert ReplySettings().generation().max_new_tokens == args.max_new_tokens
    chat_parser = build_parser()._subparsers._group_actions[0].choices["chat"]  # type: ignore[union-attr]
    helps = {action.dest: action.help for action in chat_parser._actions}
    assert helps["temperature"] == ReplySettings.help("temperature")
    assert helps["max_new_tokens"] == ReplySettings.help("max_new_tokens")


def test_the_sliders_range_is_the_settings_range() -> None:
    assert ReplySettings.bounds("temperature") == (0.0, 1.5)
    assert ReplySettings.bounds("max_new_tokens") == (1.0, 1024.0)


def test_a_temperature_out_of_range_names_the_flag_and_the_range(
    tiny_workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.cli import main

    code = main(["chat", "Hi", "--workspace", str(tiny_workspace.root), "--temperature", "3"])
    assert code == 2 and "--temperature must be between 0 and 1.5." in capsys.readouterr().err
