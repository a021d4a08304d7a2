"""Pure formatting for the Train tab's preference tuning panel: plans, build reports and reward curves in,
HTML / markdown / DataFrames out. No gradio, no file I/O."""

from __future__ import annotations

import html
import math

import pandas as pd

from core.review.records import Dataset
from core.train.dpo_runs import PreferenceChoices, PreferencePlan
from core.train.pairs import SOURCE_LABELS
from core.train.pairs_build import PreferenceBuildReport, preference_manifest
from core.train.records import Adapter
from core.train.status import RunView
from core.train.summary import MetricRecord
from studio.display import format_duration

REWARD_SERIES = {
    "reward_margin": "Margin (chosen − rejected)",
    "reward_chosen": "Chosen reward",
    "reward_rejected": "Rejected reward",
    "eval_reward_margin": "Validation margin",
}
REWARD_COLORS = {
    "Margin (chosen − rejected)": "#4f46e5",
    "Chosen reward": "#16a34a",
    "Rejected reward": "#dc2626",
    "Validation margin": "#f59e0b",
}
PREFERENCE_FIELDS = ("learning_rate", "epochs", "max_steps")  # set by the panel, not the shared Settings form
NO_PARENT = "Train a supervised adapter first (above): preference tuning improves a trained tutor."


def source_choices() -> list[tuple[str, str]]:
    return [(label, key) for key, label in SOURCE_LABELS.items()]


def adapter_choices(adapters: list[Adapter]) -> list[tuple[str, str]]:
    return [(a.id, a.id) for a in adapters]


def dataset_choices(datasets: list[Dataset]) -> list[tuple[str, str]]:
    choices = []
    for dataset in datasets:
        manifest = preference_manifest(dataset)
        sources = ", ".join(f"{n} {k}" for k, n in manifest.sources.items() if n)
        choices.append((f"{dataset.id} · {manifest.counts.train} train pairs ({sources})", dataset.id))
    return choices


def poll_keys(view: RunView | None, choices: PreferenceChoices) -> dict[str, str]:
    """The panel's sections (reward curves, adapter and dataset lists), redrawn when their key changes."""
    return {
        "metrics": f"{view.run.id}:{len(view.metrics)}" if view else "none",
        "lists": str(([a.id for a in choices.adapters], [d.id for d in choices.datasets])),
    }


def build_markdown(report: PreferenceBuildReport) -> str:
    skipped = {k: n for k, n in report.found.skipped.items() if n}
    left = ""
    if skipped:
        left = " Left out: " + ", ".join(f"{n} {k}" for k, n in skipped.items()) + " (no usable pair)."
    return f"✓ {report.message}{left}"


def plan_html(plan: PreferencePlan) -> str:
    estimate, notices = (
        plan.estimate,
        "".join(f'<p class="ts-muted">{html.escape(n)}</p>' for n in plan.notices),
    )
    head = (
        f"<p><b>{plan.config.method.upper()}</b> on <b>{html.escape(plan.parent.id)}</b> with "
        f"<b>{html.escape(plan.dataset.id)}</b>: {plan.size.pairs} training pairs, "
        f"{plan.size.validation_pairs} for validation.</p>"
    )
    if estimate is not None:
        head += (
            f"<p>{estimate.steps} steps on {estimate.device.upper()} ({estimate.precision}): about "
            f"<b>{format_duration(estimate.seconds)}</b> and <b>{estimate.memory_gib:.1f} GB</b> of memory.</p>"
        )
    verdict = (
        f'<p class="ts-warning"><b>Cannot start:</b> {html.escape(plan.problem)}</p>'
        if plan.problem
        else '<p class="ts-ok"><b>Ready.</b> Press Start preference tuning.</p>'
    )
    return f'<div class="ts-estimate" id="train-pref-estimate-body">{head}{verdict}{notices}</div>'


def error_html(message: str) -> str:
    return f'<div class="ts-estimate" id="train-pref-estimate-body"><p class="ts-warning">{html.escape(message)}</p></div>'


def reward_frame(metrics: list[MetricRecord]) -> pd.DataFrame:
    """Reward curves of a preference run: the margin should climb while the rejected reward falls."""
    rows = [
        {"step": record.step, "reward": round(value, 4), "series": label}
        for record in metrics
        for key, label in REWARD_SERIES.items()
        if (value := record.value(key)) is not None
    ]
    present = {row["series"] for row in rows}
    # Keep every series in the legend from the first draw, so the colours never shift.
    rows += [{"step": 0, "reward": math.nan, "series": s} for s in REWARD_COLORS if s not in present]
    return pd.DataFrame(rows, columns=["step", "reward", "series"]).astype(
        {"step": "int64", "reward": "float64", "series": "str"}
    )


def has_rewards(metrics: list[MetricRecord]) -> bool:
    return any(record.reward_margin is not None for record in metrics)
