"""The Review tab's dataset handlers: start and follow a build, show a version's manifest, export, import.

Each calls one core function (core.review.build / export / importing) and formats its typed answer
with studio/tabs/review/display.py; studio/tabs/review/handlers.py wires them to DatasetWidgets and
ImportWidgets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from core.review.build import BuildProgress, build_progress, submit_build
from core.review.content import DatasetError
from core.review.export import export_for_download, find_dataset
from core.review.importing import import_uploads
from core.review.split import SplitFractions
from core.review.validation import ConversationError
from studio.context import AppContext
from studio.display import STATE_LABELS
from studio.tabs.review import display as show
from studio.tabs.review.editor_handlers import counter_of
from studio.tabs.review.layout import ReviewWidgets


def start_build(
    ctx: AppContext, name: str, seed: float | None, validation: float, test: float
) -> tuple[str, str, gr.Timer]:
    try:
        fractions = SplitFractions(validation=validation / 100, test=test / 100)
        job = submit_build(
            ctx.store, ctx.workspace, name=name, seed=int(seed or 0), fractions=fractions, base=ctx.base
        )
    except (DatasetError, ValueError) as error:
        raise gr.Error(str(error)) from error
    return job.id, f"… Building **{name}**… (job `{job.id}`, also listed under Jobs)", gr.Timer(active=True)


def follow_build(ctx: AppContext, w: ReviewWidgets, job_id: str | None) -> dict[Any, Any]:
    """The build job's progress; once done, the manifest and the refreshed list of versions."""
    d = w.datasets
    if not job_id:
        return {d.poll: gr.Timer(active=False)}
    progress = build_progress(ctx.store, job_id)
    job = progress.job
    if not progress.finished:
        return {d.status: f"… {job.message or 'Building…'}"}
    if progress.dataset is None:
        text = f"✗ {STATE_LABELS.get(job.state, job.state)}: {job.error or job.message}"
        return {d.status: text, d.poll: gr.Timer(active=False)}
    return _built(w, progress)


def _built(w: ReviewWidgets, progress: BuildProgress) -> dict[Any, Any]:
    d, dataset = w.datasets, progress.dataset
    assert dataset is not None
    message = progress.result.message if progress.result else ""
    return {
        d.status: f"✓ {message} Next: the Train tab trains on it.",
        d.manifest: show.manifest_markdown(dataset),
        d.manifest_json: dataset.manifest,
        d.versions: gr.Dropdown(choices=show.dataset_choices(progress.datasets), value=dataset.id),
        d.poll: gr.Timer(active=False),
    }


def show_manifest(ctx: AppContext, dataset_id: str | None) -> tuple[str, Any, Any]:
    if not dataset_id:
        return (
            "No dataset versions yet: accept examples, then press **Build dataset**.",
            None,
            gr.File(visible=False),
        )
    dataset = find_dataset(ctx.store, dataset_id)
    return show.manifest_markdown(dataset), dataset.manifest, gr.File(visible=False)


def export_version(ctx: AppContext, dataset_id: str | None) -> tuple[Any, str]:
    if not dataset_id:
        raise gr.Error("Build a dataset first, then pick it in Dataset versions.")
    try:
        report, zip_path = export_for_download(ctx.store, ctx.workspace, dataset_id)
    except DatasetError as error:
        raise gr.Error(str(error)) from error
    note = f"✓ Exported {report.dataset.id} to `{report.path}` (and as a zip to download)."
    return gr.File(value=str(zip_path), visible=True), note


def import_files(
    ctx: AppContext, files: list[str] | None, skip: bool, accept: bool, reviewer: str
) -> tuple[str, Any]:
    if not files:
        raise gr.Error("Choose one or more .jsonl files first (drop them on the upload box).")
    try:
        report = import_uploads(
            ctx.store,
            ctx.workspace,
            [Path(f) for f in files],
            skip_invalid=skip,
            accept=accept,
            editor=reviewer.strip() or None,
            counter=counter_of(ctx),
        )
    except (DatasetError, ConversationError) as error:
        raise gr.Error(str(error)) from error
    errors = gr.Dataframe(value=show.errors_frame(report.errors), visible=bool(report.errors))
    return show.import_markdown(report), errors
