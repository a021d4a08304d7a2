"""The lm-evaluation-harness bridge, offline on the tiny model, with and without an adapter."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.evaluate.forgetting import ForgettingRun, check_forgetting
from core.evaluate.lm_tasks import find_tasks

pytestmark = pytest.mark.slow


def test_general_tasks_run_offline_on_base_and_adapter(
    tiny_model_dir: Path, tiny_adapter_dir: Path, tmp_path: Path
) -> None:
    run = ForgettingRun(
        base_dir=tiny_model_dir,
        adapters={"tutor": tiny_adapter_dir},
        tasks=find_tasks(["ts_arithmetic", "ts_short_answer", "arc_easy"]),
        limit=10,
        work_dir=tmp_path,
    )
    messages: list[str] = []

    report = check_forgetting(run, messages.append)

    arithmetic = report["tasks"]["ts_arithmetic"]
    assert arithmetic["samples"] == 10 and arithmetic["metric"] == "acc"
    assert 0 <= arithmetic["base"] <= 1 and 0 <= arithmetic["adapters"]["tutor"] <= 1
    # The adapter really is applied: its log-likelihoods pick other answers than the base model's.
    assert arithmetic["base"] != arithmetic["adapters"]["tutor"]
    change = arithmetic["change_points"]["tutor"]
    assert change == pytest.approx(100 * (arithmetic["adapters"]["tutor"] - arithmetic["base"]))
    assert report["tasks"]["ts_short_answer"]["metric"] == "exact_match"
    # Offline, a hub task is reported as such and the local ones still count.
    assert "arc_easy" not in report["tasks"] and "offline" in report["errors"]["arc_easy"]
    assert report["offline"] is True
    assert messages == [
        "Arithmetic (multiple choice) on the base model",
        "Arithmetic (short answer) on the base model",
        "Arithmetic (multiple choice) on tutor",
        "Arithmetic (short answer) on tutor",
    ]


def test_the_behaviour_checks_run_as_an_lm_eval_task(tiny_model_dir: Path, tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    from core.evaluate.lm_tasks import behaviour_rows
    from core.evaluate.metrics import TurnContext
    from core.evaluate.testset import TestTurn
    from core.models.loading import render_prompt

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    history = ({"role": "user", "content": "What is 1/4 + 2/3?"},)
    context = TurnContext.build(history, reference_answer="1/4 + 2/3 = 11/12", intent="confused")
    turns = [TestTurn(0, 1, history, "What could both 4 and 3 divide into?", context)] * 2
    rows = behaviour_rows(turns, lambda h: render_prompt(tokenizer, h))
    run = ForgettingRun(
        tiny_model_dir, {}, find_tasks(["ts_tutor_behaviour"]), 2, tmp_path, rows, ["<|im_end|>"]
    )

    report = check_forgetting(run)

    task = report["tasks"]["ts_tutor_behaviour"]
    assert task["general"] is False and task["samples"] == 2
    assert set(task["metrics"]["base"]) == {"question_rate", "leak_rate"}
    assert report["errors"] == {}
