"""The Evaluate tab's numbers with their 95% intervals: the held-out openers, the adapter-vs-prompted and
adapter-vs-base differences, and the time each section took. A report in, DataFrames and Markdown out;
no gradio, no I/O.

A rate reads "42% (31–53%)": the share, then its 95% interval. A difference whose interval straddles its
threshold reads "inconclusive", never pass or fail.
"""

from __future__ import annotations

import pandas as pd

from core.evaluate.report_model import EvalReport, Interval
from studio.tabs.evaluate.display import plot_labels, short_name

OPENER_METRICS = (
    ("question_rate", "Guiding questions", "higher"),
    ("leak_rate", "Answer leaks", "lower"),
    ("encouragement_rate", "Encouragement", "higher"),
    ("specific_rate", "About the student's problem", "higher"),
    ("unfair_praise_rate", "Praise of effort not made", "lower"),
    ("ungrounded_rate", "Points to a section the course lacks", "lower"),
    ("refusal_rate", "Correct refusals (pushing openers)", "higher"),
    ("mistake_agreement_rate", "Tells a wrong student they are right", "lower"),
    ("opening_share", "Replies opening with the most common sentence", "lower"),
    ("distinct_share", "Distinct replies", "higher"),
    ("cut_off_rate", "Cut off at the length cap", "lower"),
    ("reply_tokens", "Reply length (tokens)", "lower"),
    ("prompt_tokens", "Input tokens per message", "lower"),
)
STATUS_WORDS = {
    "pass": "pass",
    "fail": "fail",
    "inconclusive": "inconclusive (inside the noise)",
}
SECTION_NAMES = {
    "load_s": "loading the models",
    "behaviour_s": "test conversations and probes",
    "openers_s": "student openers",
    "judge_s": "judge",
    "kl_s": "distance to prompted",
    "forgetting_s": "general tasks",
}


def interval_text(numbers: Interval | None, *, tokens: bool = False) -> str:
    """'42% (31–53%)' for a share, '37 (33–41)' for a mean; '–' when not measured."""
    if numbers is None or numbers.value is None or numbers.low is None or numbers.high is None:
        return "–"
    if tokens:
        return f"{numbers.value:.0f} ({numbers.low:.0f}–{numbers.high:.0f})"
    return f"{100 * numbers.value:.0f}% ({100 * numbers.low:.0f}–{100 * numbers.high:.0f}%)"


def openers_frame(report: EvalReport | None) -> pd.DataFrame:
    """One row per measure, one column per tutor: every number on the held-out openers with its interval."""
    section = report.openers if report else None
    if report is None or section is None or not section.variants:
        return pd.DataFrame(columns=["Number"])
    labels = plot_labels(report)
    names = [n for n in labels if n in section.variants]
    rows = []
    for metric, label, better in OPENER_METRICS:
        values = [section.variants[n].interval(metric) for n in names]
        if all(v is None or v.value is None for v in values):
            continue
        tokens = metric.endswith("_tokens")
        rows.append([label, *(interval_text(v, tokens=tokens) for v in values), f"{better} is better"])
    return pd.DataFrame(rows, columns=["Number", *(labels[n] for n in names), "Which way"])


def comparison_frame(report: EvalReport | None) -> pd.DataFrame:
    """Each adapter minus prompted and minus base, item by item, with the decision against the threshold."""
    rows = []
    labels = plot_labels(report) if report else {}
    names = {"question_rate": "Guiding questions", "leak_rate": "Answer leaks"}
    for adapter_id, other, metric, found in report.differences() if report else []:
        rows.append(
            [
                f"{labels.get(adapter_id, short_name(adapter_id))} − {short_name(other)}",
                names.get(metric, metric),
                f"{100 * found.mean:+.0f} points ({100 * found.low:+.0f} to {100 * found.high:+.0f})",
                found.items,
                STATUS_WORDS.get(found.status, found.status),
            ]
        )
    columns = ["Difference", "Number", "Change (95% interval)", "Items", "Against the threshold"]
    return pd.DataFrame(rows, columns=columns)


def openers_notes(report: EvalReport | None) -> str:
    """Where the openers came from, how intervals read, and how long each section took."""
    if report is None:
        return ""
    lines = []
    section = report.openers
    if section is not None and section.count:
        sources = ", ".join(f"{count} {source}" for source, count in section.sources.items())
        lines.append(
            f"Every tutor answered the same **{section.count} student openers** ({sources}; replies capped at "
            f"{section.max_new_tokens} tokens). Each number shows its 95% interval: a difference smaller "
            "than the intervals is noise, and the verdict calls it *inconclusive* instead of pass or fail."
        )
    else:
        lines.append(
            "The student openers were not part of this evaluation: the rates rest on the test split alone."
        )
    timings = report.timings
    if timings:
        parts = [f"{SECTION_NAMES.get(k, k)} {_duration(v)}" for k, v in timings.items()]
        lines.append("Time per section on this machine: " + ", ".join(parts) + ".")
    return "\n\n".join(lines)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"
