"""The Documents tab: upload course files (or load the demo course), watch them convert, read each
document's markdown beside its chunks, and exclude, merge or split chunks. Each handler calls one
function of core/documents and formats its answer with studio/tabs/documents/display.py."""

from __future__ import annotations

from functools import partial
from typing import Any

import gradio as gr

from core.documents.edits import ChunkAction, ChunkEditError, describe_chunk, edit_chunk
from core.documents.ingest import (
    chunk_tokens_setting,
    ingest_files,
    load_demo_course,
    rechunk_document,
    save_chunk_tokens,
)
from core.documents.overview import DocumentDetail, document_detail, documents_overview
from core.documents.records import set_document_deleted
from studio.context import AppContext
from studio.tabs.documents import display as show
from studio.tabs.documents.layout import POLL_BUSY_S, POLL_IDLE_S, DocumentsWidgets, build_layout


def refresh(ctx: AppContext, selected: str | None, show_deleted: bool, signature: str) -> tuple[Any, ...]:
    """The documents table, redrawn only when something in it changed."""
    views = documents_overview(ctx.store, ctx.workspace, include_deleted=show_deleted)
    ids = [view.document.id for view in views]
    selected = selected if selected in ids else None
    version = show.document_version(views, selected)
    new_signature = show.overview_signature(views) + f"#{show_deleted}#{selected}"
    if new_signature == signature:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), signature, version, gr.skip()
    busy = any(view.is_busy or view.document.status in ("queued", "converting") for view in views)
    return (
        gr.update(visible=not views),
        gr.update(visible=bool(views) and selected is None),
        gr.update(value=show.documents_frame(views), visible=bool(views)),
        gr.update(choices=show.document_choices(views), value=selected),
        ids,
        new_signature,
        version,
        gr.Timer(POLL_BUSY_S if busy else POLL_IDLE_S),
    )


def detail_updates(
    detail: DocumentDetail | None, chunk_id: str | None = None, notice: Any = ""
) -> tuple[Any, ...]:
    """Outputs for [hint, detail box, header, preview, chunk table, chunk list, chunk ids, delete, restore,
    re-chunk, edit controls, edit notice]: the document's text beside its chunks, or only the hint."""
    if detail is None:
        hidden, no_choice = gr.update(visible=False), gr.update(choices=[], value=None)
        return (gr.update(visible=True), hidden, "", "", hidden, no_choice, [], *(hidden,) * 4, notice)
    chunks = detail.chunks
    chunk_id = chunk_id if any(c.id == chunk_id for c in chunks) else (chunks[0].id if chunks else None)
    deleted, ready = detail.document.is_deleted, detail.document.status == "ready"
    return (
        gr.update(visible=False),
        gr.update(visible=True),
        show.detail_header_html(detail.document),
        show.preview_markdown(detail),
        gr.update(value=show.chunks_frame(chunks), visible=bool(chunks)),
        gr.update(choices=show.chunk_choices(chunks), value=chunk_id),
        [c.id for c in chunks],
        gr.update(visible=not deleted),
        gr.update(visible=deleted),
        gr.update(visible=ready and not deleted),
        gr.update(visible=ready and not deleted),
        notice,
    )


def load_detail(
    ctx: AppContext, document_id: str | None, chunk_id: str | None = None, *, keep_notice: bool = False
) -> tuple[Any, ...]:
    """The selected document's text and chunks; the selected chunk stays selected when it still exists.
    A reload after a poll keeps the last edit's message; choosing another document clears it."""
    notice = gr.skip() if keep_notice else ""
    if not document_id:
        return detail_updates(None, notice=notice)
    try:
        return detail_updates(document_detail(ctx.store, ctx.workspace, document_id), chunk_id, notice)
    except KeyError as exc:
        raise gr.Error(str(exc.args[0])) from exc


def select_chunk(ctx: AppContext, chunk_id: str | None) -> tuple[Any, ...]:
    if not chunk_id:
        return "", gr.update(value=False, interactive=False), gr.update(choices=[], value=None)
    try:
        view = describe_chunk(ctx.store, chunk_id)
    except ChunkEditError as exc:
        raise gr.Error(str(exc)) from exc
    used = gr.update(value=not view.chunk.excluded, interactive=view.chunk.retired_at is None)
    return (
        show.chunk_details(view.chunk),
        used,
        gr.update(choices=show.split_choices(view.split_points), value=None),
    )


def apply_edit(
    ctx: AppContext, action: ChunkAction, chunk_id: str | None, split_at: int | None
) -> tuple[Any, ...]:
    if not chunk_id:
        raise gr.Error("Pick a chunk first (in the 'Chunk' list, or click its row in the chunk table).")
    try:
        at = None if split_at in (None, "") else int(split_at)
    except (TypeError, ValueError) as exc:
        raise gr.Error("Pick where to split from the 'Split before' list.") from exc
    try:
        report = edit_chunk(ctx.store, ctx.workspace, chunk_id, action, at)
    except ChunkEditError as exc:
        raise gr.Error(str(exc)) from exc
    return detail_updates(report.detail, report.chunk_id, report.message)


def toggle_used(ctx: AppContext, used: bool, chunk_id: str | None) -> tuple[Any, ...]:
    return apply_edit(ctx, "include" if used else "exclude", chunk_id, None)


def upload(ctx: AppContext, files: list[str] | None) -> tuple[Any, ...]:
    outcomes = ingest_files(ctx.store, ctx.workspace, [str(f) for f in files or []])
    first = next((o.document_id for o in outcomes if o.document_id), None)
    return show.outcomes_html(outcomes), None, gr.update(value=first) if first else gr.skip()


def load_demo(ctx: AppContext) -> tuple[Any, ...]:
    outcomes = load_demo_course(ctx.store, ctx.workspace)
    first = next((o.document_id for o in outcomes if o.document_id), None)
    return show.outcomes_html(outcomes), gr.update(value=first) if first else gr.skip()


def save_size(ctx: AppContext, value: float) -> str:
    try:
        tokens = save_chunk_tokens(ctx.store, int(value))
    except ValueError as exc:
        raise gr.Error(str(exc)) from exc
    return (
        f"Saved: new documents will be cut into chunks of about {tokens} tokens. To change a document already "
        "here, select it and press *Re-chunk*."
    )


def rechunk(ctx: AppContext, document_id: str | None, value: float) -> str:
    if not document_id:
        raise gr.Error("Pick a document first, then press Re-chunk.")
    try:
        return rechunk_document(ctx.store, ctx.workspace, document_id, int(value)).message
    except (KeyError, ValueError) as exc:
        raise gr.Error(str(exc.args[0] if isinstance(exc, KeyError) else exc)) from exc


def set_deleted(ctx: AppContext, deleted: bool, document_id: str | None) -> str:
    if not document_id:
        raise gr.Error("Pick a document first.")
    document = set_document_deleted(ctx.store, document_id, deleted)
    if deleted:
        return (
            f"Deleted {document.name}: it is no longer used for generation. Tick *Show deleted documents* "
            "to find and restore it."
        )
    return f"Restored {document.name}."


def pick_row(ids: list[str], event: gr.SelectData) -> Any:
    """A click in a table selects the document (or chunk) of that row; `ids` are in row order."""
    row = event.index[0] if isinstance(event.index, list | tuple) else event.index
    return ids[row] if isinstance(row, int) and 0 <= row < len(ids) else gr.skip()


def build(ctx: AppContext) -> None:
    ui = build_layout(chunk_tokens_setting(ctx.store))
    _wire(ctx, ui)


def _wire(ctx: AppContext, ui: DocumentsWidgets) -> None:
    poll = partial(refresh, ctx)
    listing: dict[str, Any] = {
        "inputs": [ui.selected, ui.show_deleted, ui.signature],
        "outputs": ui.listing_outputs,
        "show_progress": "hidden",
        "api_visibility": "private",
    }
    ui.timer.tick(poll, queue=False, **listing)
    _wire_api(ctx)
    _wire_adding(ctx, ui, poll, listing)
    _wire_documents(ctx, ui, poll, listing)
    _wire_chunks(ctx, ui, poll, listing)


def _wire_api(ctx: AppContext) -> None:
    def documents(show_deleted: bool = False) -> list[dict[str, Any]]:
        """Every document with its type, pages, pipeline, chunk count, status and warning."""
        return show.documents_records(
            documents_overview(ctx.store, ctx.workspace, include_deleted=show_deleted)
        )

    gr.api(documents, api_name="documents")  # typed here: gr.api reads the hints, which a partial lacks


def _wire_adding(ctx: AppContext, ui: DocumentsWidgets, poll: Any, listing: dict[str, Any]) -> None:
    upload_io: dict[str, Any] = {"inputs": [ui.files], "outputs": [ui.notice, ui.files, ui.selected]}
    ui.files.upload(partial(upload, ctx), **upload_io, api_name="upload_documents").then(poll, **listing)
    demo_io: dict[str, Any] = {"outputs": [ui.notice, ui.selected]}
    ui.demo.click(partial(load_demo, ctx), **demo_io, api_name="load_demo_course").then(poll, **listing)
    size_io: dict[str, Any] = {"inputs": [ui.size], "outputs": [ui.size_notice]}
    ui.size.release(partial(save_size, ctx), **size_io, api_name="save_chunk_size")


def _wire_documents(ctx: AppContext, ui: DocumentsWidgets, poll: Any, listing: dict[str, Any]) -> None:
    detail = ui.detail_outputs
    ui.show_deleted.change(poll, **listing)
    ui.table.select(pick_row, inputs=[ui.ids], outputs=[ui.selected], api_visibility="private")
    ui.selected.change(
        partial(load_detail, ctx), inputs=[ui.selected], outputs=detail, api_name="document_detail"
    )
    reload = partial(load_detail, ctx, keep_notice=True)
    hidden: dict[str, Any] = {"show_progress": "hidden", "api_visibility": "private"}
    ui.version.change(reload, inputs=[ui.selected, ui.chunk], outputs=detail, **hidden)
    for button, deleted in ((ui.delete, True), (ui.restore, False)):
        name = "delete_document" if deleted else "restore_document"
        button.click(
            partial(set_deleted, ctx, deleted),
            inputs=[ui.selected],
            outputs=[ui.action_notice],
            api_name=name,
        ).then(poll, **listing).then(reload, inputs=[ui.selected, ui.chunk], outputs=detail, **hidden)
    rechunk_io: dict[str, Any] = {"inputs": [ui.selected, ui.size], "outputs": [ui.action_notice]}
    ui.rechunk.click(partial(rechunk, ctx), **rechunk_io, api_name="rechunk_document")


def _wire_chunks(ctx: AppContext, ui: DocumentsWidgets, poll: Any, listing: dict[str, Any]) -> None:
    detail = ui.detail_outputs
    ui.chunk_table.select(pick_row, inputs=[ui.chunk_ids], outputs=[ui.chunk], api_visibility="private")
    chunk_io: dict[str, Any] = {"inputs": [ui.chunk], "outputs": [ui.chunk_text, ui.used, ui.split_at]}
    ui.chunk.change(partial(select_chunk, ctx), **chunk_io, api_name="select_chunk")
    used_io: dict[str, Any] = {"inputs": [ui.used, ui.chunk], "outputs": detail}
    ui.used.input(partial(toggle_used, ctx), **used_io, api_name="set_chunk_used").then(poll, **listing)
    actions: tuple[tuple[gr.Button, ChunkAction], ...] = ((ui.merge, "merge"), (ui.split, "split"))
    for button, action in actions:
        edit_io: dict[str, Any] = {"inputs": [ui.chunk, ui.split_at], "outputs": detail}
        button.click(partial(apply_edit, ctx, action), **edit_io, api_name=f"{action}_chunk").then(
            poll, **listing
        )
