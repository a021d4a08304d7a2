"""The Review tab's table side: filters and search, the paged table, statistics plots, bulk actions.

Layout first (`build_filters`, `build_table`, `build_stats`, `build_bulk`), then `wire_screen` and
`wire_bulk`. The "screen" (table page, filter choices, plots, undo list, dataset list) is one core
call, `review_screen`, refreshed after anything that changes many examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import gradio as gr

from core.review.bulk import bulk_update, undo_batch
from core.review.importing import load_demo_conversations
from core.review.query import ExampleQuery, query_examples
from core.review.review import review_screen
from core.review.stats import ReviewStats, review_stats
from studio.context import AppContext
from studio.tabs.review import display as show
from studio.tabs.review.steps import counter_of, name_of

PAGE_SIZE = 25
ANY = "any"
ANY_INTENT, ANY_SOURCE, ANY_TAG = "Any intent", "Any document", "Any tag"
LIVE_SECONDS = 5.0
SORTS = [
    ("Oldest first", "created:asc"),
    ("Newest first", "created:desc"),
    ("Recently edited", "updated:desc"),
    ("Longest first", "tokens:desc"),
    ("Shortest first", "tokens:asc"),
    ("Most tutor turns", "turns:desc"),
    ("Intent A–Z", "intent:asc"),
    ("Source A–Z", "source:asc"),
    ("Status", "status:asc"),
]
STATUSES = [
    ("Any status", ANY),
    ("To review (pending)", "pending"),
    ("Accepted", "accepted"),
    ("Rejected", "rejected"),
]
CHECKS = [
    ("Any", ANY),
    ("Some check failed", "failed"),
    ("All checks passed", "passed"),
    ("Not checked", "none"),
]
BULK_ACTIONS = [
    ("Accept them", "accept"),
    ("Reject them", "reject"),
    ("Move back to pending", "reset"),
    ("Add a tag", "add_tag"),
    ("Remove a tag", "remove_tag"),
]
STATUS_COLORS = {"pending": "#9ca3af", "accepted": "#16a34a", "rejected": "#dc2626"}
# (screen handler, its inputs, its outputs, page handler, its outputs): what redraws the tab, or the table
Screen = tuple[Any, list[Any], list[Any], Any, list[Any]]


@dataclass
class Filters:
    search: gr.Textbox
    status: gr.Dropdown
    intent: gr.Dropdown
    source: gr.Dropdown
    tag: gr.Dropdown
    checks: gr.Dropdown
    sort: gr.Dropdown
    number: gr.Number  # the page shown (hidden; the pager buttons turn it)
    label: gr.Markdown  # "Showing 1–25 of ..."

    def inputs(self) -> list[Any]:
        return [
            self.search,
            self.status,
            self.intent,
            self.source,
            self.tag,
            self.checks,
            self.sort,
            self.number,
        ]


@dataclass
class Stats:
    summary: gr.Markdown
    status: gr.BarPlot
    intent: gr.BarPlot
    tokens: gr.BarPlot
    source: gr.BarPlot
    seen: gr.State  # the counts last drawn: the live refresh redraws only when they change

    def outputs(self) -> list[Any]:
        return [self.summary, self.status, self.intent, self.tokens, self.source, self.seen]


def make_query(
    search: str, status: str, intent: str, source: str, tag: str, checks: str, sort: str, page: float | None
) -> ExampleQuery:
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


def build_filters() -> Filters:
    with gr.Row(equal_height=True, elem_id="review-filters"):
        search = gr.Textbox(
            label="Search",
            placeholder="words from the conversation",
            info="Finds examples with all the words.",
            scale=3,
            elem_id="review-search",
        )
        status = gr.Dropdown(
            STATUSES, value=ANY, label="Status", info="Pending = not reviewed.", elem_id="review-status"
        )
        intent = _any_dropdown("Student intent", ANY_INTENT, "What the student does.", "review-intent-filter")
        source = _any_dropdown("Source document", ANY_SOURCE, "Where it came from.", "review-source")
        tag = _any_dropdown("Tag", ANY_TAG, "Your own labels.", "review-tag")
        checks = gr.Dropdown(
            CHECKS, value=ANY, label="Checks", info="Generation's filters.", elem_id="review-checks"
        )
        sort = gr.Dropdown(
            SORTS, value="created:asc", label="Order", info="Table order.", elem_id="review-sort"
        )
    number = gr.Number(value=1, visible=False, precision=0)
    label = gr.Markdown(elem_id="review-page-label", render=False)
    return Filters(search, status, intent, source, tag, checks, sort, number, label)


def _any_dropdown(label: str, any_label: str, info: str, elem_id: str) -> gr.Dropdown:
    return gr.Dropdown([(any_label, ANY)], value=ANY, label=label, info=info, elem_id=elem_id)


def build_table(filters: Filters) -> tuple[gr.Dataframe, tuple[gr.Button, gr.Button]]:
    table = gr.Dataframe(
        headers=show.TABLE_HEADERS,
        interactive=False,
        wrap=True,
        max_height=430,
        elem_id="review-table",
        column_widths=["3%", "10%", "11%", "12%", "26%", "6%", "6%", "7%", "8%", "11%"],
    )
    with gr.Row(equal_height=True, elem_id="review-pager"):
        previous = gr.Button(
            "◀ Previous page", size="sm", scale=0, min_width=140, elem_id="review-page-previous"
        )
        filters.label.render()
        following = gr.Button("Next page ▶", size="sm", scale=0, min_width=140, elem_id="review-page-next")
    return table, (previous, following)


def build_stats(summary: gr.Markdown) -> Stats:
    with gr.Accordion("Statistics", open=False, elem_id="review-stats"):
        with gr.Row():
            status = _plot("status", "Examples by status", "review-plot-status", color="status")
            intent = _plot(
                "intent",
                "Examples by student intent",
                "review-plot-intent",
                color="status",
                x_label_angle=-30,
            )
        with gr.Row():
            tokens = _plot("tokens", "Conversation length (tokens)", "review-plot-tokens", x_label_angle=-40)
            source = _plot(
                "source", "Examples per document", "review-plot-source", color="status", x_label_angle=-20
            )
    return Stats(summary, status, intent, tokens, source, gr.State(None))


def _plot(x: str, title: str, elem_id: str, **options: Any) -> gr.BarPlot:
    colors = {"color_map": STATUS_COLORS} if options.get("color") else {}
    return gr.BarPlot(x=x, y="examples", title=title, height=260, elem_id=elem_id, **colors, **options)


def build_bulk() -> dict[str, Any]:
    with gr.Accordion(
        "Bulk actions on every example that matches the filters", open=False, elem_id="review-bulk"
    ):
        with gr.Row(equal_height=True):
            action = gr.Dropdown(
                BULK_ACTIONS,
                value="accept",
                label="Action",
                info="Applies to all pages of the current filters and search, not only the page shown.",
                elem_id="review-bulk-action",
            )
            tag = gr.Textbox(
                label="Tag", max_lines=1, info="For adding or removing a tag.", elem_id="review-bulk-tag"
            )
            apply = gr.Button("Apply", variant="primary", scale=0, min_width=120, elem_id="review-bulk-apply")
        with gr.Row(equal_height=True):
            batch = gr.Dropdown(
                [],
                label="Recent bulk actions and imports",
                info="Undo gives each example back its version from before that action.",
                elem_id="review-undo-choice",
            )
            undo = gr.Button("Undo", scale=0, min_width=120, elem_id="review-undo")
        message = gr.Markdown(elem_id="review-bulk-message")
    return {"action": action, "tag": tag, "apply": apply, "batch": batch, "undo": undo, "message": message}


def choice_update(options: list[tuple[str, str]], current: str, any_label: str) -> Any:
    values = [value for _, value in options]
    return gr.Dropdown(choices=[(any_label, ANY), *options], value=current if current in values else ANY)


def stats_updates(stats: Stats, numbers: ReviewStats) -> dict[Any, Any]:
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


def show_screen(
    ctx: AppContext,
    f: Filters,
    table: Any,
    stats: Stats,
    bulk: dict[str, Any],
    versions: Any,
    state: dict[str, Any],
    *values: Any,
) -> dict[Any, Any]:
    """The table page, the filters' choices, statistics, undo list and dataset versions."""
    screen = review_screen(ctx.store, make_query(*values))
    choices = screen.choices
    newest_batch = screen.batches[0].id if screen.batches else None
    newest_dataset = screen.datasets[0].id if screen.datasets else None
    return {
        table: show.table_frame(screen.page, (state or {}).get("id")),
        f.label: show.page_label(screen.page),
        f.number: screen.page.page,
        f.intent: choice_update([(i, i) for i in choices.intents], values[2], ANY_INTENT),
        f.source: choice_update(choices.sources, values[3], ANY_SOURCE),
        f.tag: choice_update([(t, t) for t in choices.tags], values[4], ANY_TAG),
        bulk["batch"]: gr.Dropdown(choices=show.batch_choices(screen.batches), value=newest_batch),
        versions: gr.Dropdown(choices=show.dataset_choices(screen.datasets), value=newest_dataset),
        **stats_updates(stats, screen.stats),
    }


def show_page(ctx: AppContext, f: Filters, table: Any, state: dict[str, Any], *values: Any) -> dict[Any, Any]:
    """Just the table page, for paging, filtering and searching (statistics stay as they are)."""
    page = query_examples(ctx.store, make_query(*values))
    return {
        table: show.table_frame(page, (state or {}).get("id")),
        f.label: show.page_label(page),
        f.number: page.page,
    }


def live_stats(ctx: AppContext, stats: Stats, seen: dict[str, int] | None) -> dict[Any, Any]:
    """The live refresh of the statistics: redraw only when the counts changed."""
    numbers = review_stats(ctx.store)
    return {stats.seen: seen} if numbers.by_status == seen else stats_updates(stats, numbers)


def first_page() -> int:
    return 1


def turn_page(delta: int, number: float | None) -> int:
    return max(1, int(number or 1) + delta)


def open_once(screen: Any, timer: gr.Timer, *values: Any) -> dict[Any, Any]:
    """The screen when the page opens; the one-shot timer then switches itself off."""
    return {**screen(*values), timer: gr.Timer(active=False)}


def wire_screen(
    ctx: AppContext,
    f: Filters,
    table: Any,
    stats: Stats,
    bulk: dict[str, Any],
    versions: Any,
    refresh: gr.Button,
    pager: tuple[gr.Button, gr.Button],
    state: gr.State,
) -> Screen:
    """Refresh, filters, paging, the first load and the live statistics."""
    outputs = [table, f.label, f.number, f.intent, f.source, f.tag, bulk["batch"], versions, *stats.outputs()]
    screen = partial(show_screen, ctx, f, table, stats, bulk, versions)
    inputs = [state, *f.inputs()]
    refresh.click(screen, inputs, outputs, api_name="review_screen")
    page, page_outputs = partial(show_page, ctx, f, table), [table, f.label, f.number]
    changes = [
        f.search.submit,
        f.status.input,
        f.intent.input,
        f.source.input,
        f.tag.input,
        f.checks.input,
        f.sort.input,
    ]
    gr.on(changes, first_page, outputs=f.number, show_progress="hidden", queue=False).then(
        page, inputs, page_outputs, api_name="review_page"
    )
    for button, delta in zip(pager, (-1, 1), strict=True):
        button.click(partial(turn_page, delta), f.number, f.number, queue=False).then(
            page, inputs, page_outputs
        )
    opening = gr.Timer(0.2)
    opening.tick(partial(open_once, screen, opening), inputs, [*outputs, opening], show_progress="hidden")
    live = gr.Timer(LIVE_SECONDS)
    live.tick(
        partial(live_stats, ctx, stats), stats.seen, stats.outputs(), show_progress="hidden", queue=False
    )
    return screen, inputs, outputs, page, page_outputs


def apply_bulk(ctx: AppContext, action: str, tag: str, reviewer: str, *values: Any) -> str:
    report = bulk_update(
        ctx.store,
        make_query(*values),
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


def wire_bulk(
    ctx: AppContext,
    bulk: dict[str, Any],
    f: Filters,
    reviewer: gr.Textbox,
    demo: gr.Button,
    notice: gr.Markdown,
    screen: Screen,
) -> None:
    redraw, inputs, outputs = screen[:3]
    bulk["apply"].click(
        partial(apply_bulk, ctx),
        [bulk["action"], bulk["tag"], reviewer, *f.inputs()],
        bulk["message"],
        api_name="review_bulk",
    ).then(redraw, inputs, outputs)
    bulk["undo"].click(
        partial(undo, ctx), [bulk["batch"], reviewer], bulk["message"], api_name="review_undo"
    ).then(redraw, inputs, outputs)
    demo.click(partial(load_demo, ctx), reviewer, notice, api_name="review_load_demo").then(
        redraw, inputs, outputs
    )
