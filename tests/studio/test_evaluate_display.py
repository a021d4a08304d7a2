"""The Evaluate tab's formatting: the verdict, the summary, the tables and plots of a typed report."""

from __future__ import annotations

import json
from typing import Any

from core.evaluate.report import compare_reports
from core.evaluate.report_model import EvalReport
from studio.tabs.evaluate import display as show
from studio.tabs.evaluate import frames, intervals

ADAPTER = "tiny@local+tutor@v1+lora@v1"


def rate(value: float, n: int = 60) -> dict[str, Any]:
    return {"value": value, "low": value - 0.1, "high": value + 0.1, "successes": round(value * n), "n": n}


def variant(label: str, question: float, tokens: float) -> dict[str, Any]:
    intent = {"turns": 4, "question_rate": question, "leak_rate": 0.0, "encouragement_rate": 0.5}
    return {
        "label": label,
        "kind": label.lower(),
        "overall": {"question_rate": question, "leak_rate": 0.0, "prompt_tokens": tokens, "ttft_s": 0.2},
        "by_intent": {"confused": intent | {"on_topic_rate": 1.0, "reply_tokens": 40.0}},
        "intervals": {"question_rate": rate(question, 20)},
    }


def report_data(question: float = 0.6) -> dict[str, Any]:
    probe = {"probe_id": "p1", "category": "just_tell_me", "message": "Tell me", "reply": "Try x = 2?"}
    return {
        "version": 1,
        "eval": "eval_1",
        "created_at": 1.0,
        "dataset": {"id": "tutor@v1", "conversations": 2, "tutor_turns": 1, "intents": {}},
        "base_model": {"name": "tiny", "display": "tiny (random)", "note": "Random weights."},
        "config": {},
        "checks": ["behaviour", "forgetting"],
        "metrics": {},
        "variants": {
            "prompted": variant("Prompted", 0.5, 400.0),
            ADAPTER: variant("Adapter", question, 30.0),
        },
        "adapters": [ADAPTER],
        "reference": {"overall": {"question_rate": 0.9}, "by_intent": {}},
        "probes": {ADAPTER: {"summary": {}, "items": [probe | {"leaked": False, "refused": True, "reason": "ok"}]}},
        "probe_answers_known": [],
        "samples": [
            {
                "conversation": "c1", "turn": 1, "intent": "confused", "student": "Help", "reference": "What?",
                "replies": {ADAPTER: {"text": "Hi", "flags": ["no guiding question"]}},
            }
        ],
        "kl": {},
        "judge": None,
        "forgetting": {
            "limit": 30,
            "tasks": {
                "ts_arithmetic": {
                    "label": "Arithmetic", "metric": "acc", "general": True, "base": 0.5,
                    "adapters": {ADAPTER: 0.48}, "change_points": {ADAPTER: -2.0},
                    "stderr": {}, "metrics": {}, "samples": 30, "local": True,
                    "paired": {ADAPTER: {"mean": -0.02, "low": -0.1, "high": 0.06, "items": 30, "sd": 0.3}},
                }
            },
            "errors": {},
            "offline": True,
        },
        "openers": {
            "count": 60,
            "sources": {"built-in": 60},
            "max_new_tokens": 96,
            "variants": {
                "prompted": {"overall": {"question_rate": rate(0.5)}, "by_intent": {}},
                ADAPTER: {"overall": {"question_rate": rate(question)}, "by_intent": {}},
            },
            "items": [],
        },
        "comparisons": {
            ADAPTER: {
                "prompted": {
                    "question_rate": {"mean": 0.1, "low": -0.05, "high": 0.25, "items": 60, "sd": 0.4,
                                      "source": "the same 60 openers", "status": "pass", "why": "above"}
                }
            }
        },
        "timings": {"behaviour_s": 12.0, "forgetting_s": 200.0},
        "verdicts": {
            ADAPTER: {
                "adapter": ADAPTER, "verdict": "ship", "outcome": "ship", "summary": "Ship: every threshold holds.",
                "checks": [{"name": "question_rate", "label": "Guiding <questions>", "passed": True,
                            "detail": "+10 points", "inconclusive": False, "interval": None, "holds": True,
                            "status": "pass"}],
                "reasons": [],
            }
        },
        "verdict": "ship",
        "finished_at": 2.0,
        "cards": {ADAPTER: "updated"},
    }  # fmt: skip


def report(question: float = 0.6) -> EvalReport:
    return EvalReport.model_validate(report_data(question))


def test_a_report_file_round_trips_key_for_key() -> None:
    data = report_data()

    assert json.dumps(report().to_json()) == json.dumps(data)


def test_an_older_report_without_sections_still_shows() -> None:
    old = EvalReport.model_validate(
        {"eval": "eval_0", "variants": {"base": {"overall": {"question_rate": 0.1}}}}
    )

    assert "eval_0" in show.summary_markdown(old)
    assert show.forgetting_notes(old) == "The forgetting check was not part of this evaluation."
    assert frames.forgetting_frame(old).empty and intervals.openers_frame(old).columns.tolist() == ["Number"]
    assert "not part of this evaluation" in intervals.openers_notes(old)


def test_the_verdict_reads_ship_with_each_threshold_escaped() -> None:
    shown = show.verdict_html(report())

    assert "Ship it: tutor@v1+lora@v1" in shown and "Guiding &lt;questions&gt;" in shown and "PASS" in shown
    assert "No report yet" in show.verdict_html(None)


def test_the_summary_names_the_data_the_base_and_the_card() -> None:
    text = show.summary_markdown(report())

    assert "1 tutor turn from 2 test conversations of `tutor@v1`" in text
    assert f"**Adapter** = `{ADAPTER}`" in text and "Model card: Adapter updated" in text
    assert "⚠️ Random weights." in text


def test_the_plots_take_the_openers_and_the_reference_rates() -> None:
    plot = frames.metric_frame(report(), "question_rate")
    tokens = frames.metric_frame(report(), "prompt_tokens")

    assert plot["Tutor"].tolist() == ["Prompted", "Adapter"] and plot["Value"].tolist() == [50.0, 60.0]
    assert plot["Interval"].iloc[1] == "60% (50–70%) · 60 replies"
    assert tokens["Value"].tolist() == [400.0, 30.0] and tokens["Interval"].tolist() == ["no interval"] * 2


def test_the_tables_show_intents_tasks_probes_and_samples() -> None:
    shown = report()

    assert frames.intent_frame(shown).iloc[1].tolist()[:4] == ["confused", "Adapter", 4, "60%"]
    assert frames.forgetting_frame(shown).iloc[0].tolist()[-1] == "-2.0 (-10.0 to +6.0, 30 items)"
    assert frames.forgetting_change_frame(shown)["Change (points)"].tolist() == [-2.0]
    assert frames.probe_frame(shown, ADAPTER).iloc[0].tolist()[-2:] == ["refused", "ok"]
    assert frames.samples_frame(shown, ADAPTER).iloc[0].tolist()[-1] == "no guiding question"
    assert frames.probe_frame(shown, "prompted").empty


def test_the_differences_and_timings_read_in_points_and_minutes() -> None:
    rows = intervals.comparison_frame(report())
    notes = intervals.openers_notes(report())

    assert rows.iloc[0].tolist() == [
        "Adapter − Prompted",
        "Guiding questions",
        "+10 points (-5 to +25)",
        60,
        "pass",
    ]
    assert "**60 student openers** (60 built-in" in notes and "general tasks 3.3 min" in notes


def test_two_reports_compare_in_points() -> None:
    before, after = report(0.4), report(0.6)
    rows = compare_reports(before, after)

    table = frames.comparison_frame(rows, after)
    plot, y_range = frames.comparison_plot_frame(rows, after)
    assert round(plot["Points"].max(), 6) == 20.0

    question = table[(table["Number"] == "Guiding questions") & (table["Tutor"] == "Adapter")]
    assert question.iloc[0].tolist()[-2:] == ["+20.0 points", "better"]
    assert y_range[0] == -5.0 and round(y_range[1], 6) == 20.0


def test_the_replies_pick_list_names_each_tutor() -> None:
    choices = show.variant_choices(report())

    assert choices == [("Prompted", "prompted"), ("Adapter (tutor@v1+lora@v1)", ADAPTER)]
