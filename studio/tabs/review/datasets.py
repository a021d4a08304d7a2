"""The Review tab's lower sections: Build dataset (a job), its manifest, Export for download, and Import.

Layout first (`build_datasets`, `build_import`), then `wire`. Each handler calls one core function
(core.review.build / export / importing) and formats with studio.tabs.review.display.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from core.review.build import DEFAULT_NAME, DEFAULT_SEED, build_progress, submit_build
from core.review.content import DatasetError
from core.review.export import export_for_download, find_dataset
from core.review.importing import import_uploads
from core.review.split import SplitFractions
from core.review.validation import ConversationError
from studio.context import AppContext
from studio.display import STATE_LABELS
from studio.tabs.review import display as show
from studio.tabs.review.steps import counter_of

POLL_SECONDS = 1.0


def build_datasets() -> dict[str, Any]:
    with gr.Accordion(
        "Build a dataset from the accepted examples", open=True, elem_id="review-build-section"
    ):
        gr.Markdown(
            "Freezes every **accepted** example (exactly as saved now) into a named version with train, validation "
            "and test parts. Examples from the same part of a document stay in the same part, so the test measures "
            "questions the model has not seen. Building again with no changes re-uses the last version."
        )
        with gr.Row(equal_height=True):
            name = gr.Textbox(
                DEFAULT_NAME,
                label="Dataset name",
                max_lines=1,
                elem_id="review-build-name",
                info="Versions are numbered: tutor@v1, tutor@v2, ...",
            )
            seed = gr.Number(
                DEFAULT_SEED,
                label="Seed",
                precision=0,
                elem_id="review-build-seed",
                info="The same seed and examples always give the same split.",
            )
            validation = gr.Slider(
                0,
                30,
                value=10,
                step=1,
                label="Validation share (%)",
                elem_id="review-build-validation",
                info="Checked during training to spot over-fitting.",
            )
            test = gr.Slider(
                0,
                30,
                value=10,
                step=1,
                label="Test share (%)",
                elem_id="review-build-test",
                info="Kept aside for the Evaluate tab.",
            )
            button = gr.Button(
                "Build dataset", variant="primary", elem_id="review-build", scale=0, min_width=160
            )
        status = gr.Markdown(elem_id="review-build-status")
        with gr.Row(equal_height=True):
            versions = gr.Dropdown(
                [],
                label="Dataset versions",
                elem_id="review-datasets",
                info="Pick a version to see its manifest or download it.",
            )
            export = gr.Button("Export and download", elem_id="review-export", scale=0, min_width=200)
        download = gr.File(
            label="Download (train/validation/test JSONL, metadata, Hugging Face copy, manifest)",
            visible=False,
            elem_id="review-download",
        )
        manifest = gr.Markdown(elem_id="review-manifest")
        with gr.Accordion("Full manifest (JSON)", open=False):
            manifest_json = gr.JSON(elem_id="review-manifest-json")
    return {
        "name": name,
        "seed": seed,
        "validation": validation,
        "test": test,
        "button": button,
        "status": status,
        "datasets": versions,
        "export": export,
        "download": download,
        "manifest": manifest,
        "manifest_json": manifest_json,
        "job": gr.State(None),
        "poll": gr.Timer(POLL_SECONDS, active=False),
    }


def build_import() -> dict[str, Any]:
    with gr.Accordion("Import conversations from a file", open=False, elem_id="review-import-section"):
        gr.Markdown(
            'One conversation per line in OpenAI chat format (`{"messages": [{"role": "user", "content": ...}, ...]}`) '
            "or ShareGPT (`conversations` of `from`/`value`). Upload a `.meta.jsonl` file with the same name too, "
            "and intents, reference answers and tags come back as well."
        )
        files = gr.File(
            label="JSONL files", file_count="multiple", file_types=[".jsonl"], elem_id="review-import-files"
        )
        with gr.Row():
            skip = gr.Checkbox(
                label="Skip invalid lines",
                elem_id="review-import-skip",
                info="Otherwise one invalid line stops the whole import, so you can fix the file first.",
            )
            accept = gr.Checkbox(
                label="Import as accepted",
                elem_id="review-import-accept",
                info="For a file that is already reviewed; otherwise examples arrive as pending.",
            )
            button = gr.Button("Import", variant="primary", elem_id="review-import", scale=0, min_width=140)
        report = gr.Markdown(elem_id="review-import-report")
        errors = gr.Dataframe(
            headers=["Line", "Problem", "How to fix"],
            visible=False,
            interactive=False,
            wrap=True,
            max_height=300,
            elem_id="review-import-errors",
        )
    return {
        "files": files,
        "skip": skip,
        "accept": accept,
        "button": button,
        "report": report,
        "errors": errors,
    }


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


def follow_build(ctx: AppContext, job_id: str | None) -> dict[str, Any] | tuple[Any, ...]:
    """The build job's progress; once done, the manifest and the refreshed list of versions."""
    if not job_id:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.Timer(active=False)
    progress = build_progress(ctx.store, job_id)
    job = progress.job
    if not progress.finished:
        return f"… {job.message or 'Building…'}", gr.skip(), gr.skip(), gr.skip(), gr.skip()
    if progress.dataset is None:
        text = f"✗ {STATE_LABELS.get(job.state, job.state)}: {job.error or job.message}"
        return text, gr.skip(), gr.skip(), gr.skip(), gr.Timer(active=False)
    choices = gr.Dropdown(choices=show.dataset_choices(progress.datasets), value=progress.dataset.id)
    message = f"✓ {(job.result or {}).get('message', '')} Next: the Train tab trains on it."
    return (
        message,
        show.manifest_markdown(progress.dataset),
        progress.dataset.manifest,
        choices,
        gr.Timer(active=False),
    )


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
    return gr.File(
        value=str(zip_path), visible=True
    ), f"✓ Exported {report.dataset.id} to `{report.path}` (and as a zip to download)."


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


def wire(
    ctx: AppContext,
    ds: dict[str, Any],
    imports: dict[str, Any],
    reviewer: gr.Textbox,
    screen: tuple[Any, ...],
) -> None:
    refresh, inputs, outputs = screen[:3]
    ds["button"].click(
        partial(start_build, ctx),
        [ds["name"], ds["seed"], ds["validation"], ds["test"]],
        [ds["job"], ds["status"], ds["poll"]],
        api_name="review_build",
    )
    ds["poll"].tick(
        partial(follow_build, ctx),
        ds["job"],
        [ds["status"], ds["manifest"], ds["manifest_json"], ds["datasets"], ds["poll"]],
        show_progress="hidden",
        api_name="review_build_status",
    )
    ds["datasets"].change(
        partial(show_manifest, ctx), ds["datasets"], [ds["manifest"], ds["manifest_json"], ds["download"]]
    )
    ds["export"].click(
        partial(export_version, ctx), ds["datasets"], [ds["download"], ds["status"]], api_name="review_export"
    )
    imports["button"].click(
        partial(import_files, ctx),
        [imports["files"], imports["skip"], imports["accept"], reviewer],
        [imports["report"], imports["errors"]],
        api_name="review_import",
    ).then(refresh, inputs, outputs)
