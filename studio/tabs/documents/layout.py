"""The Documents tab's layout: the upload area, the documents table and one document's text beside its chunks
with the chunk editor, declared in one DocumentsWidgets. Layout only; studio/tabs/documents/handlers.py wires
the events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from core.documents.chunking import MIN_CHUNK_TOKENS
from studio.tabs.documents import display as show

INTRO = (
    "Add the material your tutor should teach from: lessons, handouts, slides. The studio turns each file "
    "into clean text and cuts it into **chunks**; the Generate tab writes practice conversations from them."
)
# Poll often while something converts; otherwise slowly, to notice uploads made elsewhere (the CLI).
POLL_BUSY_S, POLL_IDLE_S = 1.5, 10.0
SLIDER_MAX_TOKENS = 1000
SIZE_HELP = (
    "About how long each chunk is. Each generated conversation is about one chunk: ~350 tokens (a few "
    "paragraphs) suits most lessons; smaller chunks give more, narrower conversations. Applies to new documents."
)
NO_SELECTION_HTML = f"<p class='ts-empty'>{show.NO_SELECTION}</p>"
FILE_TYPES = [".pdf", ".docx", ".pptx", ".xlsx", ".html", ".htm", ".md", ".markdown", ".txt"]
UPLOAD_HELP = (
    "PDF, Word (.docx), PowerPoint (.pptx), Excel (.xlsx), web pages (.html), Markdown (.md) and text (.txt); "
    "up to 100 MB and 500 pages each. Each file is converted in the background; a file with the same content "
    "as one already here is not converted again."
)


@dataclass
class DocumentsWidgets:
    files: gr.File
    demo: gr.Button
    size: gr.Slider
    size_notice: gr.Markdown
    notice: gr.HTML
    empty: gr.HTML
    table: gr.Dataframe
    selected: gr.Dropdown
    show_deleted: gr.Checkbox
    hint: gr.HTML
    action_notice: gr.Markdown
    detail_box: gr.Column
    header: gr.HTML
    delete: gr.Button
    restore: gr.Button
    rechunk: gr.Button
    preview: gr.Markdown
    chunk_table: gr.Dataframe
    chunk: gr.Dropdown
    chunk_text: gr.Textbox
    edit_controls: gr.Column
    used: gr.Checkbox
    split_at: gr.Dropdown
    split: gr.Button
    merge: gr.Button
    edit_notice: gr.Markdown
    ids: gr.State  # document ids in table row order
    chunk_ids: gr.State  # chunk ids in chunk-table row order
    signature: gr.State  # the table last drawn, so the poll redraws only on a change
    version: gr.Textbox
    timer: gr.Timer

    @property
    def listing_outputs(self) -> list[Any]:
        """What the poll redraws, in the order handlers.refresh returns it."""
        return [
            self.empty, self.hint, self.table, self.selected, self.ids, self.signature, self.version, self.timer,
        ]  # fmt: skip

    @property
    def detail_outputs(self) -> list[Any]:
        """One document's view, in the order handlers.detail_updates returns it."""
        return [
            self.hint, self.detail_box, self.header, self.preview, self.chunk_table, self.chunk, self.chunk_ids,
            self.delete, self.restore, self.rechunk, self.edit_controls, self.edit_notice,
        ]  # fmt: skip


def build_layout(chunk_tokens: int) -> DocumentsWidgets:
    gr.Markdown(INTRO)
    parts = upload_section(chunk_tokens) | list_section() | detail_section()
    parts |= {"ids": gr.State([]), "chunk_ids": gr.State([]), "signature": gr.State("")}
    # A rendered but hidden box, not a State: its change event fires in the browser even for the poll's
    # unqueued updates (State changes are only reported for queued events).
    parts["version"] = gr.Textbox(visible="hidden", elem_id="documents-version")
    parts["timer"] = gr.Timer(POLL_IDLE_S)
    return DocumentsWidgets(**parts)


def upload_section(chunk_tokens: int) -> dict[str, Any]:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            files = gr.File(
                label="Add documents",
                file_count="multiple",
                file_types=FILE_TYPES,
                elem_id="documents-upload",
            )
            gr.Markdown(UPLOAD_HELP, elem_classes=["ts-muted"])
        with gr.Column(scale=2):
            demo = gr.Button("Load demo course", variant="primary", elem_id="documents-demo")
            size = gr.Slider(
                MIN_CHUNK_TOKENS,
                SLIDER_MAX_TOKENS,
                value=chunk_tokens,
                step=10,
                label="Chunk size (tokens)",
                info=SIZE_HELP,
                elem_id="documents-chunk-size",
            )
            size_notice = gr.Markdown(elem_id="documents-size-notice")
    notice = gr.HTML(elem_id="documents-notice")
    return {"files": files, "demo": demo, "size": size, "size_notice": size_notice, "notice": notice}


def list_section() -> dict[str, Any]:
    empty = gr.HTML(f"<p class='ts-empty'>{show.EMPTY_DOCUMENTS}</p>", elem_id="documents-empty")
    table = gr.Dataframe(
        headers=show.DOCUMENT_COLUMNS,
        interactive=False,
        wrap=True,
        visible=False,
        max_height=440,
        column_widths=show.DOCUMENT_COLUMN_WIDTHS,
        elem_id="documents-table",
    )
    with gr.Row(equal_height=True):
        selected = gr.Dropdown(
            label="Document",
            info="Pick a document to see its text and chunks (or click its row in the table).",
            choices=[],
            scale=4,
            allow_custom_value=True,  # the API and the upload select documents by id before the list refreshes
            elem_id="documents-selected",
        )
        show_deleted = gr.Checkbox(
            label="Show deleted documents",
            info="Deleted documents are kept and can be restored.",
            scale=1,
            elem_id="documents-show-deleted",
        )
    return {"empty": empty, "table": table, "selected": selected, "show_deleted": show_deleted}


def detail_section() -> dict[str, Any]:
    parts: dict[str, Any] = {
        "hint": gr.HTML(NO_SELECTION_HTML, visible=False, elem_id="documents-hint"),
        "action_notice": gr.Markdown(elem_id="documents-action-notice"),
    }
    with gr.Column(visible=False, elem_id="documents-detail") as parts["detail_box"]:
        parts["header"] = gr.HTML(elem_id="documents-detail-header")
        parts |= document_buttons()
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                parts["preview"] = gr.Markdown(max_height=720, container=True, elem_id="documents-markdown")
            with gr.Column(scale=1):
                parts |= chunk_editor()
    return parts


def document_buttons() -> dict[str, Any]:
    with gr.Row(equal_height=False):
        delete = gr.Button(
            "Delete document", variant="stop", visible=False, size="sm", scale=0, elem_id="documents-delete"
        )
        restore = gr.Button(
            "Restore document", visible=False, size="sm", scale=0, elem_id="documents-restore"
        )
        rechunk = gr.Button(
            "Re-chunk at the size above",
            visible=False,
            size="sm",
            scale=0,
            min_width=200,
            elem_id="documents-rechunk",
        )
    return {"delete": delete, "restore": restore, "rechunk": rechunk}


def chunk_editor() -> dict[str, Any]:
    chunk_table = gr.Dataframe(
        headers=show.CHUNK_COLUMNS,
        interactive=False,
        wrap=True,
        visible=False,
        max_height=320,
        column_widths=show.CHUNK_COLUMN_WIDTHS,
        elem_id="documents-chunks",
    )
    chunk = gr.Dropdown(
        label="Chunk",
        info="The chunk to read and edit (or click its row above).",
        choices=[],
        allow_custom_value=True,
        elem_id="documents-chunk",
    )
    chunk_text = gr.Textbox(
        label="Selected chunk", lines=6, max_lines=14, interactive=False, elem_id="documents-chunk-text"
    )
    with gr.Column(elem_id="documents-edit-controls") as edit_controls:
        controls = edit_controls_section()
    edit_notice = gr.Markdown(elem_id="documents-edit-notice")
    parts = {
        "chunk_table": chunk_table,
        "chunk": chunk,
        "chunk_text": chunk_text,
        "edit_controls": edit_controls,
    }
    return parts | controls | {"edit_notice": edit_notice}


def edit_controls_section() -> dict[str, Any]:
    used = gr.Checkbox(
        label="Use this chunk to generate conversations",
        info="Untick chunks that are off-topic (a reading list, a copyright notice). Saved at once.",
        elem_id="documents-chunk-used",
    )
    split_at = gr.Dropdown(
        label="Split before",
        info="Where to cut the selected chunk in two: before one of its paragraphs or sentences.",
        choices=[],
        allow_custom_value=True,
        elem_id="documents-split-at",
    )
    with gr.Row():
        split = gr.Button("Split here", elem_id="documents-split")
        merge = gr.Button("Merge with the next chunk", elem_id="documents-merge")
    return {"used": used, "split_at": split_at, "split": split, "merge": merge}
