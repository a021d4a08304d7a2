"""Reports: the CLI summary's shape, comparing two reports, and the model card's section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.evaluate.report import card_evaluation, cli_summary, compare_reports, finish_report
from core.evaluate.verdict import Thresholds


def openers(adapter: str, question_rate: float, count: int = 60) -> dict[str, Any]:
    """`count` openers: the adapter asks a question on the first share of them, prompted on half; none leaks."""
    asked = round(question_rate * count)
    items = []
    for i in range(count):
        reply = {"question": True, "leaked": False, "refused": True}
        items.append(
            {
                "id": f"o{i}",
                "intent": "just_tell_me" if i % 2 else "frustrated",
                "replies": {
                    adapter: {**reply, "question": i < asked},
                    "prompted": {**reply, "question": i % 2 == 0},
                },
            }
        )
    return {"count": count, "items": items, "variants": {}}


def report(adapter: str, question_rate: float, kl: float | None, drop: float) -> dict[str, Any]:
    numbers = {
        "question_rate": question_rate,
        "leak_rate": 0.0,
        "probe_leak_rate": 0.0,
        "correct_refusal_rate": 1.0,
    }
    return {
        "eval": f"eval_{adapter}",
        "dataset": {"id": "tutor@v1"},
        "checks": ["behaviour", "kl", "forgetting"],
        "adapters": [adapter],
        "variants": {
            "prompted": {"overall": {"question_rate": 0.5, "leak_rate": 0.1, "prompt_tokens": 900.0}},
            adapter: {"overall": {**numbers, "prompt_tokens": 60.0}},
        },
        "kl": {adapter: {"mean_per_token": kl}},
        "judge": None,
        "openers": openers(adapter, question_rate),
        "probes": {adapter: {"items": [{"leaked": False, "refused": True}] * 16}},
        "forgetting": {
            "tasks": {
                "ts_arithmetic": {
                    "general": True,
                    "local": True,
                    "base": 0.5,
                    "adapters": {adapter: 0.5 + drop / 100},
                    "change_points": {adapter: drop},
                    # a drop measured on thousands of items: its interval is 1 point wide
                    "paired": {
                        adapter: {
                            "mean": drop / 100,
                            "low": drop / 100 - 0.005,
                            "high": drop / 100 + 0.005,
                            "items": 5000,
                            "sd": 0.2,
                        }
                    },
                }
            }
        },
        "verdicts": {},
    }


def test_finishing_folds_kl_into_the_variants_and_decides() -> None:
    done = finish_report(report("v1", 1.0, 0.12, -1.0), Thresholds()).to_json()

    assert done["variants"]["v1"]["overall"]["kl_to_prompted"] == 0.12
    assert done["variants"]["prompted"]["overall"]["kl_to_prompted"] is None
    assert done["verdict"] == "ship"
    assert done["comparisons"]["v1"]["prompted"]["question_rate"]["status"] == "pass"
    summary = cli_summary(done).model_dump(mode="json")
    assert summary["outcome"] == "ship"
    assert summary["forgetting"] == {"ts_arithmetic": {"base": 0.5, "adapter": pytest.approx(0.49)}}
    assert summary["variants"]["v1"]["prompt_tokens"] == 60.0


def test_two_reports_compare_metric_by_metric_and_adapter_with_adapter() -> None:
    before = finish_report(report("v1", 0.6, 0.30, -1.0), Thresholds())
    after = finish_report(report("v2", 0.8, 0.10, -1.0), Thresholds())

    rows = {(r.metric, r.variant): r.model_dump() for r in compare_reports(before, after)}

    assert rows[("question_rate", "v1 → v2")]["change"] == pytest.approx(0.2)
    assert rows[("kl_to_prompted", "v1 → v2")]["change"] == pytest.approx(-0.2)
    assert rows[("prompt_tokens", "prompted")]["change"] == 0


def test_the_model_card_gets_the_verdict_each_threshold_and_the_numbers(tmp_path: Path) -> None:
    done = finish_report(report("v1", 0.0, 0.2, -5.0), Thresholds())

    card = card_evaluation(done, "v1", tmp_path / "report.json")

    assert card["verdict"] == "hold"
    assert card["summary"].startswith("Hold: guiding questions, general tasks clearly miss")
    question = next(t for t in card["thresholds"] if t.startswith("Guiding questions"))
    assert question.startswith("Guiding questions: fail (adapter minus prompted on the same 60 openers:")
    assert card["numbers"]["v1"]["question_rate"] == 0.0
    assert card["forgetting"]["ts_arithmetic"]["change_points"] == -5.0
