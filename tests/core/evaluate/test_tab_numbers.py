"""How the Evaluate tab writes a number with its interval, and the verdict's inconclusive wording."""

from __future__ import annotations

from core.evaluate.report_model import EvalReport, Interval
from studio.tabs.evaluate.display import verdict_html
from studio.tabs.evaluate.frames import metric_frame
from studio.tabs.evaluate.intervals import comparison_frame, interval_text, openers_frame


def report() -> EvalReport:
    rate = {"value": 0.42, "low": 0.31, "high": 0.53, "successes": 30, "n": 72}
    tokens = {"value": 37.2, "low": 33.4, "high": 41.0, "n": 72}
    overall = {"question_rate": rate, "leak_rate": rate, "reply_tokens": tokens}
    inconclusive = {
        "mean": -0.03,
        "low": -0.14,
        "high": 0.08,
        "items": 72,
        "sd": 0.5,
        "status": "inconclusive",
    }
    return EvalReport.model_validate(
        {
            "adapters": ["a"],
            "variants": {
                "prompted": {"overall": {"question_rate": 1.0}},
                "a": {"overall": {"question_rate": 0.0}},
            },
            "openers": {"variants": {"prompted": {"overall": overall}, "a": {"overall": overall}}},
            "comparisons": {"a": {"prompted": {"question_rate": inconclusive}}},
            "verdicts": {
                "a": {
                    "verdict": "hold",
                    "outcome": "inconclusive",
                    "summary": "Hold, inconclusive: nothing clearly fails, but guiding questions cannot be decided.",
                    "checks": [
                        {"label": "Guiding questions", "status": "inconclusive", "detail": "inside the noise"}
                    ],
                }
            },
        }
    )


def test_a_rate_reads_with_its_interval() -> None:
    assert interval_text(Interval(value=0.42, low=0.31, high=0.53)) == "42% (31–53%)"
    assert interval_text(Interval(value=37.2, low=33.4, high=41.0), tokens=True) == "37 (33–41)"
    assert interval_text(None) == "–"


def test_the_openers_table_and_the_plots_carry_intervals() -> None:
    table = openers_frame(report())
    plot = metric_frame(report(), "question_rate")

    assert table.loc[table["Number"] == "Guiding questions", "Adapter"].item() == "42% (31–53%)"
    assert list(plot["Value"]) == [42.0, 42.0]  # from the openers, not the test split's 100% / 0%
    assert plot["Interval"].iloc[0] == "42% (31–53%) · 72 replies"


def test_a_difference_inside_the_noise_reads_inconclusive() -> None:
    rows = comparison_frame(report())
    shown = verdict_html(report())

    assert rows.iloc[0].tolist() == [
        "Adapter − Prompted",
        "Guiding questions",
        "-3 points (-14 to +8)",
        72,
        "inconclusive (inside the noise)",
    ]
    assert "Hold: inconclusive" in shown and "INCONCLUSIVE" in shown and "cannot be decided" in shown
