"""`tutor-studio eval --json`: one JSON object of exactly the documented shape, or a reason on stderr."""

from __future__ import annotations

import json

import pytest

from core.cli import main
from core.evaluate.records import list_evals
from core.paths import Workspace
from tests.core.evaluate.conftest import EvalWorkspace

VARIANT_KEYS = {
    "question_rate",
    "leak_rate",
    "probe_leak_rate",
    "encouragement_rate",
    "reply_tokens",
    "prompt_tokens",
    "kl_to_prompted",
}


@pytest.mark.slow
def test_eval_json_has_the_documented_shape(
    eval_workspace: EvalWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    setup = eval_workspace
    argv = ["eval", "--workspace", str(setup.workspace.root), "--json", "--tasks", "ts_arithmetic"]
    argv += ["--limit", "2", "--max-conversations", "1", "--max-new-tokens", "16", "--max-openers", "6"]

    code = main(argv)

    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)  # exactly one JSON object on stdout
    # The original keys stay; later ones are only added.
    assert {"eval", "variants", "forgetting", "verdict"} <= set(data)
    assert {"openers", "outcome", "verdict_summary", "timings"} <= set(data)
    question = data["openers"][setup.adapter_id]["question_rate"]
    assert question["n"] == 6 and question["low"] <= question["value"] <= question["high"]
    assert data["outcome"] in ("ship", "hold", "inconclusive")
    assert set(data["variants"]) == {"base", "prompted", setup.adapter_id}
    for name, numbers in data["variants"].items():
        assert set(numbers) == VARIANT_KEYS, name
    assert data["variants"]["prompted"]["kl_to_prompted"] is None
    assert data["variants"][setup.adapter_id]["kl_to_prompted"] > 0
    assert list(data["forgetting"]) == ["ts_arithmetic"]
    scores = data["forgetting"]["ts_arithmetic"]
    assert set(scores) == {"base", "adapter"} and all(0 <= scores[k] <= 1 for k in scores)
    assert data["verdict"] in ("ship", "hold")
    assert [e.id for e in list_evals(setup.store)] == [data["eval"]]
    assert "started as job" in captured.err


def test_eval_without_an_adapter_says_to_train_one(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["eval", "--workspace", str(workspace.root), "--json"])

    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "train an adapter in the Train tab" in captured.err


def test_eval_rejects_an_unknown_check(
    eval_workspace: EvalWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["eval", "--workspace", str(eval_workspace.workspace.root), "--json", "--checks", "behaviour,vibes"]
    )

    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "Unknown check 'vibes'" in captured.err
