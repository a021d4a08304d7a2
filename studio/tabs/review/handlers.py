"""The Review tab: find examples, read and edit them turn by turn, accept or reject, build a dataset.

`build(ctx)` lays the tab out (studio/tabs/review/layout.py's ReviewWidgets), then wires it: the
screen (table page, filters' choices, statistics, bulk actions) with the handlers here, the editor
with studio/tabs/review/editor_handlers.py, the dataset section with dataset_handlers.py. Each
handler calls one core function and formats with studio/tabs/review/display.py.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

import gradio as gr

from core.review.bulk import BulkAction, bulk_update, undo_batch
from core.review.importing import load_demo_conversations
from core.review.query import ExampleQuery, query_examples
from core.review.review import review_screen
from core.review.stats import ReviewStats, review_stats
from studio.context import AppContext
from studio.tabs.review import dataset_handlers as versions
from studio.tabs.review import display as show
from studio.tabs.review import editor_handlers as steps
from studio.tabs.review.editor_handlers import counter_of, name_of
from studio.tabs.review.layout import ReviewWidgets, build_layout, values_of
from studio.tabs.review.table import (
    ANY,
    ANY_INTENT,
    ANY_SOURCE,
    ANY_TAG,
    LIVE_SECONDS,
    PAGE_SIZE,
    StatsWidgets,
)

STEPS = ("save", "accept", "reject", "next", "previous")


def build(ctx: AppContext) -> None:
    # Load the base model's tokenizer now, so the first save does not wait for it.
    threading.Thread(target=steps.warm_up, args=(ctx,), daemon=True, name="review-warm-up").start()
    w = build_layout()
    wire_screen(ctx, w)
    wire_bulk(ctx, w)
    wire_editor(ctx, w)
    wire_datasets(ctx, w)


# -- the screen: table, filters, statistics, bulk actions ----------------------------------------------


def make_query(
    search: str, status: str, intent: str, source: str, tag: str, checks: str, sort: str, page: float | None
) -> ExampleQuery:
    """The filters' values (in Filters.inputs() order) as a query."""
    key, _, direction = (sort or "created:asc").partition(":")
    return ExampleQuery(
        status=None if status in (ANY, None) else status,  # type: ignore[arg-type]
        intent=None if intent in (ANY, None) else intent,
        source=None if source in (ANY, None) else source,
        tag=None if tag in (ANY, None) else tag,
        verdict=None if checks in (ANY, None) else checks,  # type: ignore[arg-type]
        search=search or "",
        sort=key,  # type: ignore[arg-type]
        descending=direction == "desc",
        page=max(1, int(page or 1)),
        page_size=PAGE_SIZE,
    )


def choice_update(options: list[tuple[str, str]], current: str | None, any_label: str) -> Any:
    values = [value for _, value in options]
    return gr.Dropdown(choices=[(any_label, ANY), *options], value=current if current in values else ANY)


def stats_updates(stats: StatsWidgets, numbers: ReviewStats) -> dict[Any, Any]:
    frames = show.stats_frames(numbers)
    # Bars start at zero (the plot would otherwise start its axis near the smallest bar).
    top = max([1, *frames["status"]["examples"]])
    return {
        stats.summary: show.summary_markdown(numbers),
        stats.status: gr.BarPlot(value=frames["status"], y_lim=[0, top]),
        stats.intent: frames["intent"],
        stats.tokens: gr.BarPlot(
            value=frames["tokens"],
            sort=list(frames["tokens"]["tokens"]),
            y_lim=[0, max([1, *frames["tokens"]["examples"]])],
        ),
        stats.source: frames["source"],
        stats.seen: numbers.by_status,
    }


def show_screen(ctx: AppContext, w: ReviewWidgets, state: dict[str, Any], *filters: Any) -> dict[Any, Any]:
    """The table page, the filters' choices, statistics, undo list and dataset versions."""
    query = make_query(*filters)
    screen = review_screen(ctx.store, query)
    f, choices = w.filters, screen.choices
    newest_batch = screen.batches[0].id if screen.batches else None
    newest_dataset = screen.datasets[0].id if screen.datasets else None
    return {
        w.table.table: show.table_frame(screen.page, (state or {}).get("id")),
        f.label: show.page_label(screen.page),
        f.number: screen.page.page,
        f.intent: choice_update([(i, i) for i in choices.intents], query.intent, ANY_INTENT),
        f.source: choice_update(choices.sources, query.source, ANY_SOURCE),
        f.tag: choice_update([(t, t) for t in choices.tags], query.tag, ANY_TAG),
        w.bulk.batch: gr.Dropdown(choices=show.batch_choices(screen.batches), value=newest_batch),
        w.datasets.versions: gr.Dropdown(choices=show.dataset_choices(screen.datasets), value=newest_dataset),
        **stats_updates(w.stats, screen.stats),
    }


def show_page(ctx: AppContext, w: ReviewWidgets, state: dict[str, Any], *filters: Any) -> dict[Any, Any]:
    """Just the table page, for paging, filtering and searching (statistics stay as they are)."""
    page = query_examples(ctx.store, make_query(*filters))
    return {
        w.table.table: show.table_frame(page, (state or {}).get("id")),
        w.filters.label: show.page_label(page),
        w.filters.number: page.page,
    }


def live_stats(ctx: AppContext, stats: StatsWidgets, seen: dict[str, int] | None) -> dict[Any, Any]:
    """The live refresh of the statistics: redraw only when the counts changed."""
    numbers = review_stats(ctx.store)
    return {stats.seen: seen} if numbers.by_status == seen else stats_updates(stats, numbers)


def first_page() -> int:
    return 1


def turn_page(delta: int, number: float | None) -> int:
    return max(1, int(number or 1) + delta)


def open_once(ctx: AppContext, w: ReviewWidgets, timer: gr.Timer, *values: Any) -> dict[Any, Any]:
    """The screen when the page opens; the one-shot timer then switches itself off."""
    return {**show_screen(ctx, w, *values), timer: gr.Timer(active=False)}


def apply_bulk(ctx: AppContext, action: BulkAction, tag: str, reviewer: str, *filters: Any) -> str:
    report = bulk_update(
        ctx.store,
        make_query(*filters),
        action,
        tag=tag,
        editor=name_of(reviewer),
        counter=counter_of(ctx),  # type: ignore[arg-type]
    )
    # A warning sign when another reviewer got to some of them first, so nobody assumes all were changed.
    mark = "⚠ " if report.skipped else "✓ " if report.changed else ""
    return mark + report.message


def undo(ctx: AppContext, batch_id: str | None, reviewer: str) -> str:
    if not batch_id:
        raise gr.Error("Nothing to undo yet: bulk actions and imports appear in this list once made.")
    return "↶ " + undo_batch(ctx.store, batch_id, editor=name_of(reviewer)).message


def load_demo(ctx: AppContext, reviewer: str) -> str:
    report = load_demo_conversations(
        ctx.store, ctx.workspace, editor=name_of(reviewer), counter=counter_of(ctx)
    )
    if not report.imported:
        return "The demo conversations are already loaded. Build a dataset below, then go to Train."
    return f"✓ Loaded {report.imported} demo conversations as accepted examples. Build a dataset below, then go to Train."


def wire_screen(ctx: AppContext, w: ReviewWidgets) -> None:
    """Refresh, filters, paging, the first load and the live statistics."""
    f, inputs, outputs = w.filters, w.screen_inputs(), w.screen_outputs()
    w.refresh.click(partial(show_screen, ctx, w), inputs, outputs, api_name="review_screen")
    page = partial(show_page, ctx, w)
    changes = [f.search.submit, f.status.input, f.intent.input, f.source.input, f.tag.input]
    changes += [f.checks.input, f.sort.input]
    gr.on(changes, first_page, outputs=f.number, show_progress="hidden", queue=False).then(
        page, inputs, w.page_outputs(), api_name="review_page"
    )
    for button, delta in ((w.table.previous, -1), (w.table.following, 1)):
        button.click(partial(turn_page, delta), f.number, f.number, queue=False).then(
            page, inputs, w.page_outputs()
        )
    opening = gr.Timer(0.2)
    opening.tick(partial(open_once, ctx, w, opening), inputs, [*outputs, opening], show_progress="hidden")
    live = gr.Timer(LIVE_SECONDS)
    stats = w.stats
    live.tick(
        partial(live_stats, ctx, stats), stats.seen, stats.outputs(), show_progress="hidden", queue=False
    )


def redraw(ctx: AppContext, w: ReviewWidgets, event: Any) -> None:
    """After `event` changed many examples, redraw the whole screen."""
    event.then(partial(show_screen, ctx, w), w.screen_inputs(), w.screen_outputs())


def wire_bulk(ctx: AppContext, w: ReviewWidgets) -> None:
    b, reviewer = w.bulk, w.editor.reviewer
    inputs = [b.action, b.tag, reviewer, *w.filters.inputs()]
    redraw(ctx, w, b.apply.click(partial(apply_bulk, ctx), inputs, b.message, api_name="review_bulk"))
    redraw(ctx, w, b.undo.click(partial(undo, ctx), [b.batch, reviewer], b.message, api_name="review_undo"))
    redraw(ctx, w, w.demo.click(partial(load_demo, ctx), reviewer, w.notice, api_name="review_load_demo"))


# -- the editor ---------------------------------------------------------------------------------------


def on_step(ctx: AppContext, w: ReviewWidgets, action: str, *values: Any) -> dict[Any, Any]:
    """Every step reads ReviewWidgets.step_inputs(); "open" opens the id typed in the id box."""
    got = values_of(w.step_inputs(), values)
    query = make_query(*(got[widget] for widget in w.filters.inputs()))
    if action == "open":
        typed_id = str(got[w.editor.goto] or "").strip()
        if not typed_id:
            raise gr.Error("Type an example id such as ex_1a2b3c4d5e, or click a row of the table.")
        action = typed_id
    return steps.step(ctx, w, action, query, got)


def picked_id(evt: gr.SelectData) -> str:
    """The id of the clicked table row (its last column)."""
    return str(evt.row_value[-1]) if evt.row_value else ""


def wire_editor(ctx: AppContext, w: ReviewWidgets) -> None:
    e, inputs, outputs = w.editor, w.step_inputs(), w.step_outputs()
    buttons = {"save": e.save, "accept": e.accept, "reject": e.reject, "next": e.next, "previous": e.previous}
    for action in STEPS:
        buttons[action].click(partial(on_step, ctx, w, action), inputs, outputs, api_name=f"review_{action}")
    e.save_mine.click(partial(on_step, ctx, w, "save"), inputs, outputs)
    opened = partial(on_step, ctx, w, "open")
    e.goto.submit(opened, inputs, outputs, api_name="review_open")
    w.table.table.select(picked_id, None, e.goto, queue=False).then(opened, inputs, outputs)
    for button in (e.discard, e.keep_theirs):  # forget the editor's changes, then reopen the example as saved
        button.click(steps.forget_changes, e.state, [e.state, e.goto], queue=False).then(
            opened, inputs, outputs
        )
    wire_turns(w)
    restored = e.restore.click(
        partial(steps.restore, ctx, e),
        [e.state, e.reviewer, e.restore_number],
        e.view_outputs(),
        api_name="review_restore",
    )
    restored.then(partial(show_page, ctx, w), w.screen_inputs(), w.page_outputs())
    wire_reviewer_name(w)


def wire_turns(w: ReviewWidgets) -> None:
    e = w.editor
    slots, turn_outputs = [e.state, *e.roles, *e.texts], [e.state, *e.rows, *e.roles, *e.texts]
    for index, button in enumerate(e.deletes):
        button.click(partial(steps.change_turns, e, index, None), slots, turn_outputs, queue=False)
    e.add_student.click(partial(steps.change_turns, e, None, "user"), slots, turn_outputs, queue=False)
    e.add_tutor.click(partial(steps.change_turns, e, None, "assistant"), slots, turn_outputs, queue=False)


def wire_reviewer_name(w: ReviewWidgets) -> None:
    """The reviewer's name is remembered by the browser, so it is there again after a reload."""
    e = w.editor
    e.reviewer.input(steps.same, e.reviewer, e.memory, queue=False, show_progress="hidden")
    recall = gr.Timer(0.3)
    recall.tick(
        partial(steps.recall_name, recall),
        e.memory,
        [e.reviewer, recall],
        queue=False,
        show_progress="hidden",
    )


# -- datasets: build, export, import ------------------------------------------------------------------


def wire_datasets(ctx: AppContext, w: ReviewWidgets) -> None:
    d, i = w.datasets, w.imports
    d.button.click(
        partial(versions.start_build, ctx),
        [d.name, d.seed, d.validation, d.test],
        [d.job, d.status, d.poll],
        api_name="review_build",
    )
    d.poll.tick(
        partial(versions.follow_build, ctx, w),
        d.job,
        [d.status, d.manifest, d.manifest_json, d.versions, d.poll],
        show_progress="hidden",
        api_name="review_build_status",
    )
    d.versions.change(
        partial(versions.show_manifest, ctx), d.versions, [d.manifest, d.manifest_json, d.download]
    )
    d.export.click(
        partial(versions.export_version, ctx), d.versions, [d.download, d.status], api_name="review_export"
    )
    imported = i.button.click(
        partial(versions.import_files, ctx),
        [i.files, i.skip, i.accept, w.editor.reviewer],
        [i.report, i.errors],
        api_name="review_import",
    )
    redraw(ctx, w, imported)
