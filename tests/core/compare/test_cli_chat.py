"""`tutor-studio chat MESSAGE --json`: base, prompted and adapter replies with their usage, exactly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from core.paths import Workspace
from core.store import Store
from tests.core.compare.conftest import ADAPTER_ID, register_adapter

USAGE_KEYS = {"prompt_tokens", "completion_tokens", "ttft_s"}


@pytest.fixture
def chat_workspace(tiny_workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("STUDIO_BASE_MODEL", "tiny")
    return tiny_workspace


def chat(workspace: Workspace, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(
        ["chat", *argv, "--workspace", str(workspace.root), "--max-new-tokens", "8", "--temperature", "0"]
    )
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.slow
def test_json_prints_exactly_replies_and_usage_per_variant(
    chat_workspace: Workspace, tiny_adapter_dir: Path
) -> None:
    register_adapter(Store.open(chat_workspace), tiny_adapter_dir)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli",
            "chat",
            "Just tell me the answer",
            "--json",
            "--seed",
            "3",
            "--max-new-tokens",
            "8",
            "--workspace",
            str(chat_workspace.root),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)  # one JSON object, nothing else on stdout
    assert set(payload) == {"replies", "usage"}
    assert set(payload["replies"]) == set(payload["usage"]) == {"base", "prompted", "adapter"}
    assert all(isinstance(text, str) and text for text in payload["replies"].values())
    for usage in payload["usage"].values():
        assert set(usage) == USAGE_KEYS and 1 <= usage["completion_tokens"] <= 8 and usage["ttft_s"] > 0
    usage = payload["usage"]
    assert (
        usage["prompted"]["prompt_tokens"]
        > usage["adapter"]["prompt_tokens"]
        == usage["base"]["prompt_tokens"]
    )


def test_without_adapters_the_adapter_is_reported_unavailable(
    chat_workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, stderr = chat(chat_workspace, capsys, "Hi", "--json")
    assert code == 0
    assert set(json.loads(stdout)["replies"]) == {"base", "prompted"}
    assert "adapter: unavailable" in stderr and "train one" in stderr


@pytest.mark.parametrize("argv", [["--adapter", "nope"], ["--variants", "base,adapter"]])
def test_asking_for_a_missing_adapter_fails_with_the_fix(
    chat_workspace: Workspace, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, stdout, stderr = chat(chat_workspace, capsys, "Hi", "--json", *argv)
    assert code != 0 and stdout == ""
    assert "adapter" in stderr and ("nope" in stderr or "train one" in stderr)


def test_named_adapter_and_variants_pick_the_columns(
    chat_workspace: Workspace, capsys: pytest.CaptureFixture[str], tiny_adapter_dir: Path
) -> None:
    store = Store.open(chat_workspace)
    register_adapter(store, tiny_adapter_dir)
    register_adapter(store, tiny_adapter_dir, adapter_id="newer")
    code, stdout, _ = chat(
        chat_workspace, capsys, "Hi", "--json", "--variants", "adapter", "--adapter", ADAPTER_ID
    )
    assert code == 0 and set(json.loads(stdout)["replies"]) == {"adapter"}
    code, stdout, _ = chat(chat_workspace, capsys, "Hi", "--variants", "prompted,adapter")
    assert code == 0 and "== adapter: Adapter newer ==" in stdout and "== prompted" in stdout
    assert "input tokens per message that the adapter saves" in stdout


def test_unknown_variant_is_a_usage_error(
    chat_workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, stderr = chat(chat_workspace, capsys, "Hi", "--variants", "base,teacher")
    assert code == 2 and "Unknown variant 'teacher'" in stderr
