"""Pure formatting for the Train tab: training plans, live runs and finished runs in, HTML / text /
DataFrames out; and the settings form's values to a TrainConfig and back. No gradio, no file I/O."""

from __future__ import annotations

import html
import math
import time
from typing import Any

import pandas as pd

from core.review.records import Dataset
from core.review.versions import manifest_summary
from core.train.planning import TrainingPlan
from core.train.records import Run
from core.train.sft_config import ALL_LINEAR, TrainConfig
from core.train.status import RunRow, RunView, TrainingOverview
from core.train.summary import MetricRecord, RunSummary
from studio.display import format_bytes, format_duration

# The settings form, in the order the widgets are built and their values arrive in handlers.
FORM_FIELDS: tuple[str, ...] = (
    "lora_rank",
    "lora_alpha",
    "lora_dropout",
    "target_modules",
    "learning_rate",
    "epochs",
    "opening_practice",
    "max_steps",
    "batch_size",
    "gradient_accumulation",
    "max_seq_length",
    "qlora",
    "seed",
    "save_steps",
    "precision",
    "packing",
    "gradient_checkpointing",
    "warmup_ratio",
    "lr_scheduler",
    "weight_decay",
    "logging_steps",
    "eval_steps",
    "fast_path",
)
LABELS = {
    "lora_rank": "Adapter size (LoRA rank)",
    "lora_alpha": "Adapter strength (LoRA alpha)",
    "lora_dropout": "Adapter dropout",
    "target_modules": "Layers to adapt",
    "learning_rate": "Learning rate",
    "epochs": "Passes over the data (epochs)",
    "opening_practice": "Extra practice on first replies",
    "max_steps": "Stop after steps (0 = use epochs)",
    "batch_size": "Batch size",
    "gradient_accumulation": "Gradient accumulation",
    "max_seq_length": "Max sequence length (tokens)",
    "qlora": "QLoRA: load the base model in 4 bits",
    "seed": "Seed",
    "save_steps": "Save a checkpoint every N steps",
    "precision": "Number format",
    "packing": "Packed batches",
    "gradient_checkpointing": "Gradient checkpointing",
    "warmup_ratio": "Warm-up share",
    "lr_scheduler": "Learning-rate schedule",
    "weight_decay": "Weight decay",
    "logging_steps": "Record the loss every N steps",
    "eval_steps": "Validation every N steps (0 = at each checkpoint)",
    "fast_path": "Fast path (unsloth)",
}
ZERO_MEANS_NONE = ("max_steps", "eval_steps")
LOSS_COLORS = {"Training": "#4f46e5", "Validation": "#f59e0b"}
STATUS_LABELS = {
    "created": "Created",
    "queued": "Waiting",
    "running": "Training",
    "stopped": "Stopped",
    "succeeded": "Finished",
    "failed": "Failed",
    "cancelled": "Cancelled",
    "interrupted": "Interrupted",
}
RUN_COLUMNS = [
    "Run",
    "Status",
    "Adapter",
    "Dataset",
    "Base model",
    "Steps",
    "Train loss",
    "Val loss",
    "Tokens/s",
    "Size",
    "Started",
]
NO_RUNS = (
    "No training runs yet. Pick a dataset version and a base model above, then press **Start training**."
)
NO_DATASET = (
    "No dataset version yet. Accept conversations in the **Review** tab and build a dataset version there; "
    "it appears here to train on."
)


def form_values(config: TrainConfig) -> list[Any]:
    """The form's widget values for `config`, in FORM_FIELDS order."""
    values = []
    for name in FORM_FIELDS:
        value = getattr(config, name)
        values.append(0 if name in ZERO_MEANS_NONE and value is None else value)
    return values


def config_from_form(dataset: str | None, base: str | None, preset: str, values: list[Any]) -> TrainConfig:
    """A TrainConfig from the form (raises pydantic's ValidationError; core.train.sft_config describes it)."""
    data: dict[str, Any] = dict(zip(FORM_FIELDS, values, strict=True))
    for name in ZERO_MEANS_NONE:
        data[name] = int(data[name]) if data[name] else None
    for name in (
        "lora_rank",
        "lora_alpha",
        "batch_size",
        "gradient_accumulation",
        "max_seq_length",
        "seed",
        "save_steps",
        "logging_steps",
        "opening_practice",
    ):
        data[name] = int(data[name]) if data[name] is not None else data[name]
    data["target_modules"] = data["target_modules"] or [ALL_LINEAR]
    return TrainConfig(base=base or "", dataset=dataset or "", preset=preset, **data)  # type: ignore[arg-type]


def dataset_choices(datasets: list[Dataset]) -> list[tuple[str, str]]:
    choices = []
    for dataset in datasets:
        counts = manifest_summary(dataset).counts
        choices.append((f"{dataset.id} · {counts.train} train / {counts.validation} validation", dataset.id))
    return choices


def pick_choice(value: str | None, choices: list[tuple[str, str]]) -> str | None:
    """`value` while it is still offered, else the first choice (the newest), else nothing."""
    values = [choice for _label, choice in choices]
    return value if value in values else (values[0] if values else None)


def plan_html(plan: TrainingPlan) -> str:
    """The estimate panel: memory, time, and either 'ready' or the refusal with its fix."""
    estimate = plan.estimate
    notices = "".join(f'<p class="ts-muted">{html.escape(n)}</p>' for n in plan.notices)
    if estimate is None:
        return f'<div class="ts-estimate" id="train-estimate-body"><p>Ready to train on {html.escape(plan.base.display_name)}.</p>{notices}</div>'
    available = f" of {estimate.available_gib:.1f} GB" if estimate.available_gib else ""
    verdict = (
        f'<p class="ts-warning"><b>Cannot start:</b> {html.escape(plan.problem)}</p>'
        if plan.problem
        else '<p class="ts-ok"><b>Fits.</b> Press Start training when ready.</p>'
    )
    parts = ", ".join(f"{name} {_gb(value)}" for name, value in estimate.memory_parts.items())
    return (
        '<div class="ts-estimate" id="train-estimate-body">'
        f"<p><b>{html.escape(plan.base.display_name)}</b> on <b>{html.escape(plan.dataset.id)}</b>: "
        f"{plan.data.conversations} training conversations, {estimate.steps} steps on {estimate.device.upper()} "
        f"({estimate.precision}).</p>"
        f"<p>Memory: about <b>{estimate.memory_gib:.1f} GB</b>{available} "
        f'<span class="ts-muted">({html.escape(parts)} GB)</span></p>'
        f"<p>Time: about <b>{format_duration(estimate.seconds)}</b> at ~{estimate.tokens_per_second:,.0f} tokens/s "
        f'<span class="ts-muted">({html.escape(estimate.speed_source)})</span>. '
        f"Adapter: {estimate.lora_params / 1e6:.2f}M trainable parameters.</p>"
        f"{verdict}{notices}</div>"
    )


def error_html(message: str) -> str:
    return f'<div class="ts-estimate" id="train-estimate-body"><p class="ts-warning">{html.escape(message)}</p></div>'


def command_markdown(run: Run | None = None) -> str:
    if run is None:
        return (
            "The same run from a terminal: save these settings as `run.yaml`, then run "
            "`tutor-studio train --config run.yaml`. Each run's folder keeps its own `run.yaml`."
        )
    return f"Reproduce run `{run.id}` (as a new run):\n\n```\ntutor-studio train --config {run.folder}/run.yaml\n```"


def progress_html(view: RunView | None) -> str:
    if view is None:
        return f'<p class="ts-empty">{NO_RUNS.replace("**", "")}</p>'
    label = STATUS_LABELS.get(view.status, view.status)
    fraction = view.fraction
    bar = ""
    if fraction is not None:
        bar = f'<progress class="ts-progress" value="{fraction:.3f}" max="1"></progress>'
    elif view.status in ("queued", "running"):
        bar = '<progress class="ts-progress"></progress>'
    steps = f"Step {view.step} of {view.total_steps}" if view.total_steps else ""
    eta = f" · about {format_duration(view.eta_s)} left" if view.eta_s else ""
    adapter = f" · adapter <code>{html.escape(view.adapter.id)}</code>" if view.adapter else ""
    engine = view.summary.engine_reason
    engine_line = f'<p class="ts-muted">Engine: {html.escape(engine)}</p>' if engine else ""
    return (
        f'<div class="ts-run-progress" id="train-progress-body"><b>{html.escape(view.run.id)}</b> · '
        f'<span class="ts-badge ts-badge-{view.status}">{label}</span> {bar} {steps}{eta}{adapter}'
        f'<p class="ts-muted">{html.escape(view.message)}</p>{engine_line}</div>'
    )


def _frame(rows: list[dict[str, Any]], dtypes: dict[str, str]) -> pd.DataFrame:
    """Typed even when empty: the plot fixes its axes' kinds (numbers, not categories) from the first frame."""
    return pd.DataFrame(rows, columns=list(dtypes)).astype(dtypes)


def _series(
    metrics: list[MetricRecord], name: str, column: str, digits: int | None = None
) -> list[dict[str, Any]]:
    """(step, value) rows of the records that measured `name`."""
    rows = []
    for record in metrics:
        value = record.value(name)
        if value is not None:
            rows.append({"step": record.step, column: value if digits is None else round(value, digits)})
    return rows


def loss_frame(metrics: list[MetricRecord]) -> pd.DataFrame:
    rows = [row | {"series": "Training"} for row in _series(metrics, "loss", "loss", 4)]
    rows += [row | {"series": "Validation"} for row in _series(metrics, "eval_loss", "loss", 4)]
    # The plot takes its legend from the series present when it is first drawn (often none yet): an empty
    # point for a missing series keeps both in the legend and the colours fixed.
    present = {row["series"] for row in rows}
    rows += [{"step": 0, "loss": math.nan, "series": name} for name in LOSS_COLORS if name not in present]
    return _frame(rows, {"step": "int64", "loss": "float64", "series": "str"})


def rate_frame(metrics: list[MetricRecord]) -> pd.DataFrame:
    return _frame(
        _series(metrics, "learning_rate", "learning rate"), {"step": "int64", "learning rate": "float64"}
    )


def speed_frame(metrics: list[MetricRecord]) -> pd.DataFrame:
    return _frame(_series(metrics, "tokens_per_second", "tokens/s"), {"step": "int64", "tokens/s": "float64"})


def metrics_signature(view: RunView | None) -> str:
    if view is None:
        return "none"
    last = view.metrics[-1].step if view.metrics else None
    return f"{view.run.id}:{len(view.metrics)}:{last}:{view.status}"


def poll_keys(overview: TrainingOverview) -> dict[str, str]:
    """One key per section of the tab: a section is redrawn only when its key changed since the last poll."""
    return {
        "metrics": metrics_signature(overview.view),
        "runs": runs_signature(overview.runs),
        "card": overview.card,
        "datasets": str([d.id for d in overview.datasets]),
    }


def changed_sections(seen: dict[str, str] | None, keys: dict[str, str]) -> dict[str, bool]:
    return {name: (seen or {}).get(name) != key for name, key in keys.items()}


def runs_frame(rows: list[RunRow]) -> pd.DataFrame:
    return pd.DataFrame([_run_cells(row) for row in rows], columns=RUN_COLUMNS)


def _run_cells(row: RunRow) -> list[str]:
    summary, adapter = row.summary, row.adapter
    return [
        row.run.id,
        STATUS_LABELS.get(row.status, row.status),
        adapter.id if adapter else "",
        row.run.dataset_id or "",
        row.run.base_model,
        _steps(summary),
        _number(summary.final_loss),
        _number(summary.eval_loss),
        _number(summary.tokens_per_second, 0),
        format_bytes(adapter.size_bytes) if adapter else "",
        time.strftime("%Y-%m-%d %H:%M", time.localtime(row.run.created_at)),
    ]


def run_ids(rows: list[RunRow]) -> list[str]:
    """The runs table's ids, row for row (a click on a row picks its run)."""
    return [row.run.id for row in rows]


def run_choices(rows: list[RunRow]) -> list[tuple[str, str]]:
    choices = []
    for row in rows:
        what = row.adapter.id if row.adapter else f"{row.run.base_model} on {row.run.dataset_id}"
        choices.append((f"{row.run.id} · {STATUS_LABELS.get(row.status, row.status)} · {what}", row.run.id))
    return choices


def runs_signature(rows: list[RunRow]) -> str:
    return "|".join(f"{r.run.id}:{r.status}:{r.run.updated_at}" for r in rows)


def _steps(summary: RunSummary) -> str:
    if summary.steps is None:
        return ""
    total = summary.total_steps
    return f"{summary.steps}" + (f" / {total}" if total else "")


def _gb(value: float) -> str:
    return "<0.01" if value < 0.01 else f"{value:.2f}"


def _number(value: Any, digits: int = 3) -> str:
    return "" if value is None else f"{float(value):.{digits}f}"
