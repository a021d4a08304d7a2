"""The Review tab's layout: every widget in one ReviewWidgets, built top to bottom as the page reads.

The sections are laid out by their own modules (studio/tabs/review/table.py, editor.py, datasets.py);
this module puts them in order and names the groups of widgets that events read and write, so the
handlers in studio/tabs/review/handlers.py never count positions. Keyboard shortcuts: A accept,
R reject, J next, K previous (when not typing), Ctrl+S save.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from studio.tabs.review.datasets import DatasetWidgets, ImportWidgets, build_datasets, build_import
from studio.tabs.review.editor import EditorWidgets, build_editor
from studio.tabs.review.table import (
    BulkWidgets,
    Filters,
    StatsWidgets,
    TableWidgets,
    build_bulk,
    build_filters,
    build_stats,
    build_table,
)

SHORTCUTS_JS = """
if (!window.__tsReviewKeys) {
  window.__tsReviewKeys = true;
  document.addEventListener('keydown', (e) => {
    const tab = document.querySelector('#tab-review');
    if (!tab || tab.offsetParent === null) return;
    const press = (id) => {
      const b = document.getElementById(id);
      if (b && b.offsetParent !== null) { e.preventDefault(); b.click(); }
    };
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === 's') return press('review-save');
    const t = e.target;
    if (mod || e.altKey || t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)) return;
    const keys = {a: 'review-accept', r: 'review-reject', j: 'review-next', k: 'review-previous'};
    if (keys[e.key]) press(keys[e.key]);
  });
}
"""
# Turns are tinted by who speaks, so a transcript reads at a glance.
STYLE = (
    "<style>.ts-turn{border-left:4px solid transparent;border-radius:6px;padding-left:4px}"
    ".ts-turn-user{border-left-color:#93c5fd}.ts-turn-assistant{border-left-color:#86efac}"
    ".ts-turn-system{border-left-color:#fcd34d}#review-shortcuts kbd{border:1px solid #d1d5db;"
    "border-radius:4px;padding:0 4px;font-size:0.8em}</style>"
)
SHORTCUTS_HTML = STYLE + (
    '<div class="ts-muted" id="review-shortcuts">Review loop: open an example, then press <kbd>A</kbd> to accept '
    "or <kbd>R</kbd> to reject it and go on to the next; <kbd>J</kbd> / <kbd>K</kbd> move to the next / previous "
    "example and <kbd>Ctrl</kbd>+<kbd>S</kbd> saves. Letters work when you are not typing in a box.</div>"
)

Values = dict[Any, Any]  # an event's values, keyed by the widget each came from


def values_of(widgets: Sequence[Any], values: Sequence[Any]) -> Values:
    """Pair an event's values with the widgets they came from, so handlers read them by widget."""
    return dict(zip(widgets, values, strict=True))


@dataclass
class ReviewWidgets:
    summary: gr.Markdown
    demo: gr.Button
    refresh: gr.Button
    notice: gr.Markdown
    filters: Filters
    table: TableWidgets
    editor: EditorWidgets
    bulk: BulkWidgets
    stats: StatsWidgets
    datasets: DatasetWidgets
    imports: ImportWidgets

    def screen_inputs(self) -> list[Any]:
        """What redraws the screen reads: the open example (to mark its row) and the filters."""
        return [self.editor.state, *self.filters.inputs()]

    def page_outputs(self) -> list[Any]:
        return [self.table.table, self.filters.label, self.filters.number]

    def screen_outputs(self) -> list[Any]:
        f = self.filters
        choices = [f.intent, f.source, f.tag, self.bulk.batch, self.datasets.versions]
        return [*self.page_outputs(), *choices, *self.stats.outputs()]

    def step_inputs(self) -> list[Any]:
        """What an editor step reads: filters, editor state, reviewer, the edited fields, the id box."""
        e = self.editor
        return [*self.filters.inputs(), e.state, e.reviewer, *e.edit_inputs(), e.goto]

    def step_outputs(self) -> list[Any]:
        return [*self.editor.view_outputs(), *self.page_outputs()]


def build_layout() -> ReviewWidgets:
    summary = gr.Markdown(elem_id="review-summary")
    with gr.Row(equal_height=True):
        demo = gr.Button("Load demo conversations", size="sm", scale=0, min_width=220, elem_id="review-demo")
        refresh = gr.Button("Refresh", size="sm", scale=0, min_width=100, elem_id="review-refresh")
        notice = gr.Markdown(elem_id="review-notice")
    filters = build_filters()
    table = build_table(filters)
    gr.HTML(SHORTCUTS_HTML, js_on_load=SHORTCUTS_JS, padding=False, elem_id="review-shortcuts-box")
    editor = build_editor()
    bulk = build_bulk()
    stats = build_stats(summary)
    datasets, imports = build_datasets(), build_import()
    return ReviewWidgets(
        summary, demo, refresh, notice, filters, table, editor, bulk, stats, datasets, imports
    )
