"""The Review tab's lower sections, their layout: Build dataset (a job), its manifest, Export, and Import.

Layout only (`build_datasets`, `build_import`); studio/tabs/review/dataset_handlers.py holds their
handlers and studio/tabs/review/handlers.py wires them.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from core.review.build_config import DEFAULTS, help_of

POLL_SECONDS = 1.0


@dataclass
class DatasetWidgets:
    name: gr.Textbox
    seed: gr.Number
    validation: gr.Slider
    test: gr.Slider
    button: gr.Button
    status: gr.Markdown
    versions: gr.Dropdown
    export: gr.Button
    download: gr.File
    manifest: gr.Markdown
    manifest_json: gr.JSON
    job: gr.State  # the build job's id, while it runs
    poll: gr.Timer


@dataclass
class ImportWidgets:
    files: gr.File
    skip: gr.Checkbox
    accept: gr.Checkbox
    button: gr.Button
    report: gr.Markdown
    errors: gr.Dataframe


def build_datasets() -> DatasetWidgets:
    with gr.Accordion(
        "Build a dataset from the accepted examples", open=True, elem_id="review-build-section"
    ):
        gr.Markdown(
            "Freezes every **accepted** example (exactly as saved now) into a named version with train, validation "
            "and test parts. Examples from the same part of a document stay in the same part, so the test measures "
            "questions the model has not seen. Building again with no changes re-uses the last version."
        )
        with gr.Row(equal_height=True):
            name, seed, validation, test = build_settings()
            button = gr.Button(
                "Build dataset", variant="primary", elem_id="review-build", scale=0, min_width=160
            )
        status = gr.Markdown(elem_id="review-build-status")
        versions, export, download, manifest, manifest_json = build_versions()
    job, poll = gr.State(None), gr.Timer(POLL_SECONDS, active=False)
    return DatasetWidgets(
        name,
        seed,
        validation,
        test,
        button,
        status,
        versions,
        export,
        download,
        manifest,
        manifest_json,
        job,
        poll,
    )


def build_settings() -> tuple[gr.Textbox, gr.Number, gr.Slider, gr.Slider]:
    """The build's name, seed and split shares: core.review.build_config.BuildConfig's fields."""
    name = gr.Textbox(
        DEFAULTS.name,
        label="Dataset name",
        max_lines=1,
        elem_id="review-build-name",
        info=help_of("name"),
    )
    seed = gr.Number(
        DEFAULTS.seed, label="Seed", precision=0, elem_id="review-build-seed", info=help_of("seed")
    )
    validation = _share("validation", "Validation share (%)")
    test = _share("test", "Test share (%)")
    return name, seed, validation, test


def _share(field: str, label: str) -> gr.Slider:
    """A split share, in percent (the config holds it as a fraction)."""
    value = round(100 * getattr(DEFAULTS, field))
    return gr.Slider(
        0, 30, value=value, step=1, label=label, elem_id=f"review-build-{field}", info=help_of(field)
    )


def build_versions() -> tuple[gr.Dropdown, gr.Button, gr.File, gr.Markdown, gr.JSON]:
    """The list of versions, Export and its download, and the picked version's manifest."""
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
    return versions, export, download, manifest, manifest_json


def build_import() -> ImportWidgets:
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
    return ImportWidgets(files, skip, accept, button, report, errors)
