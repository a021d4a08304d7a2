"""The Review tab's table side, its layout: filters and search, the paged table, statistics plots, bulk actions.

Layout only (`build_filters`, `build_table`, `build_stats`, `build_bulk`); studio/tabs/review/handlers.py
wires them. The "screen" (table page, filter choices, plots, undo list, dataset list) is one core call,
`review_screen`, refreshed after anything that changes many examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from studio.tabs.review import display as show

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
class TableWidgets:
    table: gr.Dataframe
    previous: gr.Button  # the pager
    following: gr.Button


@dataclass
class BulkWidgets:
    action: gr.Dropdown
    tag: gr.Textbox
    apply: gr.Button
    batch: gr.Dropdown  # recent bulk actions and imports, to undo
    undo: gr.Button
    message: gr.Markdown


@dataclass
class StatsWidgets:
    summary: gr.Markdown
    status: gr.BarPlot
    intent: gr.BarPlot
    tokens: gr.BarPlot
    source: gr.BarPlot
    seen: gr.State  # the counts last drawn: the live refresh redraws only when they change

    def outputs(self) -> list[Any]:
        return [self.summary, self.status, self.intent, self.tokens, self.source, self.seen]


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


def build_table(filters: Filters) -> TableWidgets:
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
    return TableWidgets(table, previous, following)


def build_stats(summary: gr.Markdown) -> StatsWidgets:
    with gr.Accordion("Statistics", open=False, elem_id="review-stats"):
        with gr.Row():
            status = _plot("status", "Examples by status", "review-plot-status", by_status=True)
            intent = _plot("intent", "Examples by student intent", "review-plot-intent", True, angle=-30)
        with gr.Row():
            tokens = _plot("tokens", "Conversation length (tokens)", "review-plot-tokens", angle=-40)
            source = _plot("source", "Examples per document", "review-plot-source", True, angle=-20)
    return StatsWidgets(summary, status, intent, tokens, source, gr.State(None))


def _plot(x: str, title: str, elem_id: str, by_status: bool = False, angle: float = 0) -> gr.BarPlot:
    """A bar plot of examples by `x`; `by_status` colours each bar's parts by review status."""
    return gr.BarPlot(
        x=x,
        y="examples",
        title=title,
        height=260,
        elem_id=elem_id,
        color="status" if by_status else None,
        color_map=STATUS_COLORS if by_status else None,
        x_label_angle=angle,
    )


def build_bulk() -> BulkWidgets:
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
    return BulkWidgets(action, tag, apply, batch, undo, message)
