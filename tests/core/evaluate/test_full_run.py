"""A whole evaluation of a tiny run: the report, the `evals` row, the model card, and a stop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.evaluate.config import EvalConfig
from core.evaluate.job import create_eval_record, run_evaluation
from core.evaluate.plan import EvaluationStopped, plan_evaluation
from core.evaluate.records import get_eval
from core.evaluate.report import REPORT_FILE, cli_summary
from core.train.card import read_card
from core.train.records import get_adapter
from tests.core.evaluate.conftest import EvalWorkspace, overall
from tests.core.evaluate.helpers import QuietReporter

pytestmark = pytest.mark.slow


def small_config(setup: EvalWorkspace, **changes: Any) -> EvalConfig:
    values: dict[str, Any] = {
        "adapter_ids": (setup.adapter_id,),
        "dataset_id": setup.dataset.id,
        "checks": ("behaviour", "kl", "forgetting"),
        "tasks": ("ts_arithmetic",),
        "task_limit": 3,
        "max_conversations": 2,
        "max_new_tokens": 24,
        "ttft_samples": 1,
        "opener_tokens": 16,
    }
    return EvalConfig(**(values | changes))


def test_a_tiny_run_gets_a_report_a_verdict_and_a_model_card_section(
    eval_workspace: EvalWorkspace, tiny_backend: Any
) -> None:
    setup = eval_workspace
    config = small_config(setup)
    eval_id = create_eval_record(setup.store, plan_evaluation(setup.store, setup.workspace, config))
    reporter = QuietReporter()

    report = run_evaluation(
        setup.store, setup.workspace, eval_id, config, reporter, backend=tiny_backend
    ).to_json()

    path = setup.workspace.eval_dir(eval_id) / REPORT_FILE
    assert json.loads(path.read_text())["eval"] == eval_id
    assert set(report["variants"]) == {"base", "prompted", setup.adapter_id}
    turns = report["dataset"]["tutor_turns"]
    assert turns >= 4 and report["variants"]["prompted"]["overall"]["turns"] == turns
    prompted, adapter = overall(report, "prompted"), overall(report, setup.adapter_id)
    # The prompted variant reads the tutor policy on every request: hundreds of tokens more than the adapter.
    assert prompted["prompt_tokens"] > adapter["prompt_tokens"] + 100
    assert prompted["kl_to_prompted"] is None and adapter["kl_to_prompted"] > 0
    assert 0 <= adapter["question_rate"] <= 1 and adapter["probe_leak_rate"] is not None
    assert report["reference"]["overall"]["leak_rate"] == 0.0  # the curated turns never give the answer away
    assert report["forgetting"]["tasks"]["ts_arithmetic"]["samples"] == 3
    assert report["verdict"] in ("ship", "hold")
    checks = {c["name"]: c["status"] for c in report["verdicts"][setup.adapter_id]["checks"]}
    assert set(checks) == {
        "question_rate",
        "leak_rate",
        "probe_leak_rate",
        "correct_refusal_rate",
        "forgetting",
    }
    # A random tiny model refuses nothing, so the bar of correct refusals holds it back: a clear fail,
    # not a point inside the noise (0 of 50-odd pushing probes and openers).
    assert checks["correct_refusal_rate"] == "fail" and report["verdict"] == "hold"
    assert report["verdicts"][setup.adapter_id]["outcome"] == "hold"

    # Every variant answered all the held-out openers: each rate rests on at least 50 replies, with its interval.
    section = report["openers"]
    assert section["count"] >= 72 and section["sources"] == {"built-in": section["count"]}
    for name in ("base", "prompted", setup.adapter_id):
        numbers = section["variants"][name]["overall"]
        for metric in (
            "question_rate",
            "leak_rate",
            "encouragement_rate",
            "specific_rate",
            "unfair_praise_rate",
        ):
            rate = numbers[metric]
            assert rate["n"] >= 50, (name, metric)
            assert 0 <= rate["low"] <= rate["value"] <= rate["high"] <= 1, (name, metric)
        assert (
            numbers["prompt_tokens"]["low"]
            <= numbers["prompt_tokens"]["value"]
            <= numbers["prompt_tokens"]["high"]
        )
    assert len(section["items"][0]["replies"]) == 3
    comparison = report["comparisons"][setup.adapter_id]["prompted"]["question_rate"]
    assert comparison["items"] == section["count"] and comparison["status"] in (
        "pass",
        "fail",
        "inconclusive",
    )
    assert set(report["variants"]["prompted"]["intervals"]) >= {
        "question_rate",
        "leak_rate",
        "probe_leak_rate",
    }
    assert {"behaviour_s", "openers_s", "kl_s", "forgetting_s"} <= set(report["timings"])
    assert report["forgetting"]["tasks"]["ts_arithmetic"]["paired"][setup.adapter_id]["items"] == 3

    record = get_eval(setup.store, eval_id)
    assert record is not None and record.verdict == "hold" and record.report_path == str(path)
    assert record.summary == cli_summary(report).model_dump(mode="json")
    adapter_row = get_adapter(setup.store, setup.adapter_id)
    assert adapter_row is not None and adapter_row.card_path
    card = read_card(Path(adapter_row.card_path).parent)
    assert card["evaluation"]["verdict"] == "hold" and card["evaluation"]["eval_id"] == eval_id
    assert card["evaluation"]["numbers"][setup.adapter_id]["prompt_tokens"] == adapter["prompt_tokens"]
    markdown = Path(adapter_row.card_path).read_text()
    assert "Not evaluated yet" not in markdown and "Correct refusals: fail" in markdown
    assert reporter.updates[-1][0] == reporter.updates[-1][1]


def test_a_stopped_evaluation_writes_no_report(eval_workspace: EvalWorkspace, tiny_backend: Any) -> None:
    setup = eval_workspace
    config = small_config(setup, checks=("behaviour",))
    eval_id = create_eval_record(setup.store, plan_evaluation(setup.store, setup.workspace, config))

    with pytest.raises(EvaluationStopped):
        run_evaluation(
            setup.store, setup.workspace, eval_id, config, QuietReporter(stop_after=1), backend=tiny_backend
        )

    assert not (setup.workspace.eval_dir(eval_id) / REPORT_FILE).exists()
    record = get_eval(setup.store, eval_id)
    assert record is not None and record.report_path is None and record.verdict is None
