"""The Review tab: find examples, read and edit them turn by turn, accept or reject, build a dataset.

The sections live beside this module: studio/tabs/review/table.py (filters, table, statistics, bulk
actions), studio/tabs/review/editor.py with review_steps.py (the example editor and its handlers), and
studio/tabs/review/datasets.py (build, export, import). This module lays them out, wires the editor, and
binds the keyboard shortcuts: A accept, R reject, J next, K previous (when not typing), Ctrl+S save.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

import gradio as gr

from studio.context import AppContext
from studio.tabs.review import datasets, editor, steps
from studio.tabs.review import table as table_section
from studio.tabs.review.table import Filters, make_query

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
STEPS = ("save", "accept", "reject", "next", "previous")


def build(ctx: AppContext) -> None:
    # Load the base model's tokenizer now, so the first save does not wait for it.
    threading.Thread(target=steps.warm_up, args=(ctx,), daemon=True, name="review-warm-up").start()
    summary = gr.Markdown(elem_id="review-summary")
    with gr.Row(equal_height=True):
        demo = gr.Button("Load demo conversations", size="sm", scale=0, min_width=220, elem_id="review-demo")
        refresh = gr.Button("Refresh", size="sm", scale=0, min_width=100, elem_id="review-refresh")
        notice = gr.Markdown(elem_id="review-notice")
    filters = table_section.build_filters()
    table, pager = table_section.build_table(filters)
    gr.HTML(SHORTCUTS_HTML, js_on_load=SHORTCUTS_JS, padding=False, elem_id="review-shortcuts-box")
    w = editor.build_editor()
    bulk = table_section.build_bulk()
    stats = table_section.build_stats(summary)
    builds = datasets.build_datasets()
    imports = datasets.build_import()
    screen = table_section.wire_screen(
        ctx, filters, table, stats, bulk, builds["datasets"], refresh, pager, w.state
    )
    wire_editor(ctx, w, filters, table, screen)
    table_section.wire_bulk(ctx, bulk, filters, w.reviewer, demo, notice, screen)
    datasets.wire(ctx, builds, imports, w.reviewer, screen)


def on_step(
    ctx: AppContext, w: editor.EditorWidgets, table: Any, f: Filters, action: str, *values: Any
) -> dict[Any, Any]:
    """Inputs: the filters, the editor state, the reviewer's name, the editor's fields, and the id box."""
    n = len(f.inputs())
    query, state, reviewer = make_query(*values[:n]), values[n], values[n + 1]
    fields, typed_id = list(values[n + 2 : -1]), str(values[-1] or "").strip()
    if action == "open":
        if not typed_id:
            raise gr.Error("Type an example id such as ex_1a2b3c4d5e, or click a row of the table.")
        action = typed_id
    return steps.step(ctx, w, table, f, action, query, state, reviewer, fields)


def picked_id(evt: gr.SelectData) -> str:
    """The id of the clicked table row (its last column)."""
    return str(evt.row_value[-1]) if evt.row_value else ""


def wire_editor(
    ctx: AppContext, w: editor.EditorWidgets, f: Filters, table: Any, screen: table_section.Screen
) -> None:
    outputs = [*w.view_outputs(), table, f.label, f.number]
    inputs = [*f.inputs(), w.state, w.reviewer, *w.edit_inputs(), w.goto]
    buttons = {"save": w.save, "accept": w.accept, "reject": w.reject, "next": w.next, "previous": w.previous}
    for action in STEPS:
        buttons[action].click(
            partial(on_step, ctx, w, table, f, action), inputs, outputs, api_name=f"review_{action}"
        )
    w.save_mine.click(partial(on_step, ctx, w, table, f, "save"), inputs, outputs)
    opened = partial(on_step, ctx, w, table, f, "open")
    w.goto.submit(opened, inputs, outputs, api_name="review_open")
    table.select(picked_id, None, w.goto, queue=False).then(opened, inputs, outputs)
    for button in (w.discard, w.keep_theirs):  # forget the editor's changes, then reopen the example as saved
        button.click(steps.forget_changes, w.state, [w.state, w.goto], queue=False).then(
            opened, inputs, outputs
        )
    slots, turn_outputs = [w.state, *w.roles, *w.texts], [w.state, *w.rows, *w.roles, *w.texts]
    for index, button in enumerate(w.deletes):
        button.click(partial(steps.change_turns, w, index, None), slots, turn_outputs, queue=False)
    w.add_student.click(partial(steps.change_turns, w, None, "user"), slots, turn_outputs, queue=False)
    w.add_tutor.click(partial(steps.change_turns, w, None, "assistant"), slots, turn_outputs, queue=False)
    _, screen_inputs, _, page, page_outputs = screen
    w.restore.click(
        partial(steps.restore, ctx, w),
        [w.state, w.reviewer, w.restore_number],
        w.view_outputs(),
        api_name="review_restore",
    ).then(page, screen_inputs, page_outputs)
    # The reviewer's name is remembered by the browser, so it is there again after a reload.
    w.reviewer.input(steps.same, w.reviewer, w.memory, queue=False, show_progress="hidden")
    recall = gr.Timer(0.3)
    recall.tick(
        partial(steps.recall_name, recall),
        w.memory,
        [w.reviewer, recall],
        queue=False,
        show_progress="hidden",
    )
