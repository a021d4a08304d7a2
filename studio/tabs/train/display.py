"""Pure formatting for the Train tab: training plans, live runs and finished runs in, HTML / text /
DataFrames out; and the settings form's values to a TrainConfig and back. No gradio, no file I/O."""

from __future__ import annotations

import html
import math
import time
from typing import Any

import pandas as pd

from core.review.records import Dataset
from core.train.planning import TrainingPlan
from core.train.records import Run
from core.train.sft_config import ALL_LINEAR, TrainConfig
from core.train.status import RunRow, RunView
from studio.display import format_bytes, format_duration

# The settings form, in the order the widgets are built and their values arrive in handlers.
FORM_FIELDS: tuple[str, ...] = (
    "lora_rank",
    "lora_alpha",
    "lora_dropout",
    "target_modules",
    "learning_rate",
    "epochs",
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
    ):
        data[name] = int(data[name]) if data[name] is not None else data[name]
    data["target_modules"] = data["target_modules"] or [ALL_LINEAR]
    return TrainConfig(base=base or "", dataset=dataset or "", preset=preset, **data)  # type: ignore[arg-type]


def dataset_choices(datasets: list[Dataset]) -> list[tuple[str, str]]:
    choices = []
    for dataset in datasets:
        counts = dataset.manifest.get("counts") or {}
        label = (
            f"{dataset.id} · {counts.get('train', '?')} train / {counts.get('validation', '?')} validation"
        )
        choices.append((label, dataset.id))
    return choices


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
    engine = (view.run.summary or {}).get("engine_reason")
    engine_line = f'<p class="ts-muted">Engine: {html.escape(engine)}</p>' if engine else ""
    return (
        f'<div class="ts-run-progress" id="train-progress-body"><b>{html.escape(view.run.id)}</b> · '
        f'<span class="ts-badge ts-badge-{view.status}">{label}</span> {bar} {steps}{eta}{adapter}'
        f'<p class="ts-muted">{html.escape(view.message)}</p>{engine_line}</div>'
    )


def _frame(rows: list[dict[str, Any]], dtypes: dict[str, str]) -> pd.DataFrame:
    """Typed even when empty: the plot fixes its axes' kinds (numbers, not categories) from the first frame."""
    return pd.DataFrame(rows, columns=list(dtypes)).astype(dtypes)


def loss_frame(metrics: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        {"step": r["step"], "loss": round(r["loss"], 4), "series": "Training"}
        for r in metrics
        if r.get("loss") is not None
    ]
    rows += [
        {"step": r["step"], "loss": round(r["eval_loss"], 4), "series": "Validation"}
        for r in metrics
        if r.get("eval_loss") is not None
    ]
    # The plot takes its legend from the series present when it is first drawn (often none yet): an empty
    # point for a missing series keeps both in the legend and the colours fixed.
    present = {row["series"] for row in rows}
    rows += [{"step": 0, "loss": math.nan, "series": name} for name in LOSS_COLORS if name not in present]
    return _frame(rows, {"step": "int64", "loss": "float64", "series": "str"})


def rate_frame(metrics: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        {"step": r["step"], "learning rate": r["learning_rate"]}
        for r in metrics
        if r.get("learning_rate") is not None
    ]
    return _frame(rows, {"step": "int64", "learning rate": "float64"})


def speed_frame(metrics: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        {"step": r["step"], "tokens/s": r["tokens_per_second"]}
        for r in metrics
        if r.get("tokens_per_second") is not None
    ]
    return _frame(rows, {"step": "int64", "tokens/s": "float64"})


def metrics_signature(view: RunView | None) -> str:
    if view is None:
        return "none"
    last = view.metrics[-1] if view.metrics else {}
    return f"{view.run.id}:{len(view.metrics)}:{last.get('step')}:{view.status}"


def runs_frame(rows: list[RunRow]) -> pd.DataFrame:
    data = []
    for row in rows:
        summary, adapter = row.run.summary or {}, row.adapter
        data.append(
            [
                row.run.id,
                STATUS_LABELS.get(row.status, row.status),
                adapter.id if adapter else "",
                row.run.dataset_id or "",
                row.run.base_model,
                _steps(summary),
                _number(summary.get("final_loss")),
                _number(summary.get("eval_loss")),
                _number(summary.get("tokens_per_second"), 0),
                format_bytes(adapter.size_bytes) if adapter else "",
                time.strftime("%Y-%m-%d %H:%M", time.localtime(row.run.created_at)),
            ]
        )
    return pd.DataFrame(data, columns=RUN_COLUMNS)


def run_choices(rows: list[RunRow]) -> list[tuple[str, str]]:
    choices = []
    for row in rows:
        what = row.adapter.id if row.adapter else f"{row.run.base_model} on {row.run.dataset_id}"
        choices.append((f"{row.run.id} · {STATUS_LABELS.get(row.status, row.status)} · {what}", row.run.id))
    return choices


def runs_signature(rows: list[RunRow]) -> str:
    return "|".join(f"{r.run.id}:{r.status}:{r.run.updated_at}" for r in rows)


def _steps(summary: dict[str, Any]) -> str:
    if summary.get("steps") is None:
        return ""
    total = summary.get("total_steps")
    return f"{summary['steps']}" + (f" / {total}" if total else "")


def _gb(value: float) -> str:
    return "<0.01" if value < 0.01 else f"{value:.2f}"


def _number(value: Any, digits: int = 3) -> str:
    return "" if value is None else f"{float(value):.{digits}f}"
