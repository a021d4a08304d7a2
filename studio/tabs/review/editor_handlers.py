"""The Review tab's editor handlers: save, accept, reject, move, open, restore, add and delete turns.

Each handler reads the editor's widgets (by widget, from studio/tabs/review/layout.py's ReviewWidgets),
calls one core function (`review_step`, `restore_step`) and returns updates formatted with
studio/tabs/review/display.py. A save that someone else's save overtook comes
back as the conflict panel, with both versions, never as a silent overwrite.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import gradio as gr

from core.review.editing import EditConflict, ExampleEdit, NotReady
from core.review.query import ExamplePage, ExampleQuery
from core.review.review import ExampleView, restore_step, review_step
from core.review.tokens import TokenCounter, token_counter
from core.review.validation import ConversationError
from studio.context import AppContext
from studio.tabs.review import display as show
from studio.tabs.review.editor import EMPTY_EDITOR, MAX_TURNS, MOVES, NO_STATE, EditorWidgets
from studio.tabs.review.layout import ReviewWidgets, Values, values_of


def counter_of(ctx: AppContext) -> TokenCounter:
    return token_counter(ctx.workspace, ctx.base, ctx.store)


def warm_up(ctx: AppContext) -> None:
    """Load the token counter and its chat template once (a second or two), off the request path."""
    try:
        counter_of(ctx).count([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello?"}])
    except Exception:  # a failure here shows up, explained, on the first save instead
        logging.getLogger(__name__).info("token counter warm-up failed", exc_info=True)


def name_of(reviewer: str | None) -> str | None:
    return (reviewer or "").strip() or None


def view_updates(w: EditorWidgets, view: ExampleView | None, message: str = "") -> dict[Any, Any]:
    """Every editor widget set from `view`, or the empty editor when there is none."""
    if view is None:
        return {
            w.state: dict(NO_STATE),
            w.header: EMPTY_EDITOR,
            w.body: gr.Column(visible=False),
            w.message: message,
        }
    example = view.example
    roles, texts = show.slot_values(example.messages, MAX_TURNS)
    turns = min(len(example.messages), MAX_TURNS)
    # Longer than the editor: its text stays as saved (status, tags and labels can still change).
    locked = len(example.messages) > MAX_TURNS
    state = {
        "id": example.id,
        "revision": example.revision,
        "turns": turns,
        "conflict": None,
        "locked": locked,
    }
    updates: dict[Any, Any] = {
        w.state: state,
        w.header: show.example_header(view),
        w.body: gr.Column(visible=True),
        w.issues: show.issues_markdown(view.issues)
        + (show.too_long_note(len(example.messages), MAX_TURNS) if locked else ""),
        **label_updates(w, view),
        w.message: message,
    }
    updates.update(turn_rows(w, roles, turns))
    return updates | dict(zip(w.roles, roles, strict=True)) | dict(zip(w.texts, texts, strict=True))


def label_updates(w: EditorWidgets, view: ExampleView) -> dict[Any, Any]:
    """The example's intent, tags, reference answer and history; the conflict panel closed."""
    example = view.example
    return {
        w.intent: gr.Dropdown(value=example.intent or "", choices=[example.intent] if example.intent else []),
        w.tags: gr.Dropdown(value=example.tags, choices=example.tags),
        w.reference: example.reference_answer or "",
        w.history: show.revisions_frame(view.revisions),
        w.conflict: gr.Group(visible=False),
    }


def turn_rows(w: EditorWidgets, roles: list[str], turns: int) -> dict[Any, Any]:
    """Show the slots in use, each tinted by who speaks (ts-turn-user / -assistant / -system)."""
    return {
        row: gr.Row(visible=i < turns, elem_classes=["ts-turn", f"ts-turn-{role}"])
        for i, (row, role) in enumerate(zip(w.rows, roles, strict=True))
    }


def read_edit(w: EditorWidgets, got: Values, turns: int, status: str | None = None) -> ExampleEdit:
    """The editor's fields as an edit, read by widget from an event's values."""
    roles, texts = [got[r] for r in w.roles], [got[t] for t in w.texts]
    return ExampleEdit(
        messages=show.messages_from_slots(roles, texts, turns),
        status=status,  # type: ignore[arg-type]
        tags=list(got[w.tags] or []),
        intent=got[w.intent] or "",
        reference_answer=got[w.reference] or "",
    )


def step(ctx: AppContext, w: ReviewWidgets, action: str, query: ExampleQuery, got: Values) -> dict[Any, Any]:
    """Save / Accept / Reject / Next / Previous, or open an id: one review_step, then show where it leads."""
    e = w.editor
    state, reviewer = got[e.state], got[e.reviewer]
    if not state.get("id") and action in MOVES:
        raise gr.Error("Open an example first: click a row of the table.")
    edit = _edit_of(e, got, action)
    move = MOVES.get(action, action)
    try:
        outcome = review_step(
            ctx.store,
            state.get("id") or move,
            edit,
            base_revision=state.get("conflict") or state.get("revision") or 0,
            query=query,
            move=move,
            editor=name_of(reviewer),
            counter=counter_of(ctx),
        )
    except EditConflict as conflict:
        return conflict_updates(e, state, conflict)
    except (NotReady, ConversationError) as error:
        raise gr.Error(str(error)) from error
    if outcome.view is None:
        raise gr.Error(f"No example {move!r} in this workspace. Check the id, or click a row of the table.")
    note = f"✓ {outcome.message}" if outcome.saved and outcome.saved.changed else outcome.message
    current = outcome.view.example.id
    return view_updates(e, outcome.view, note) | table_updates(w, outcome.page, current)


def _edit_of(e: EditorWidgets, got: Values, action: str) -> ExampleEdit | None:
    """The edit an action saves: none before an example is open; no turns for a conversation too long to edit."""
    state = got[e.state]
    if not state.get("id"):
        return None
    edit = read_edit(e, got, state["turns"], {"accept": "accepted", "reject": "rejected"}.get(action))
    return replace(edit, messages=None) if state.get("locked") else edit


def table_updates(w: ReviewWidgets, page: ExamplePage, current: str | None) -> dict[Any, Any]:
    f = w.filters
    return {
        w.table.table: show.table_frame(page, current),
        f.label: show.page_label(page),
        f.number: page.page,
    }


def conflict_updates(w: EditorWidgets, state: dict[str, Any], conflict: EditConflict) -> dict[Any, Any]:
    current, attempted = conflict.current, conflict.attempted
    yours = attempted.messages if attempted.messages is not None else current.messages
    theirs_title = f"Their version (revision {current.revision})"
    return {
        w.state: {**state, "conflict": current.revision},
        w.conflict: gr.Group(visible=True),
        w.theirs: show.version_markdown(theirs_title, current.messages, current.status, current.tags),
        w.yours: show.version_markdown(
            "Your version (not saved)", yours, attempted.status or current.status, attempted.tags or []
        ),
        w.message: f"⚠ **Not saved.** {conflict}",
    }


def change_turns(
    w: EditorWidgets, delete: int | None, add_role: str | None, state: dict[str, Any], *slots: Any
) -> dict[Any, Any]:
    """Delete turn `delete`, or add a turn for `add_role` (kept in the editor until Save)."""
    got = values_of([*w.roles, *w.texts], slots)
    roles, texts, turns = [got[r] for r in w.roles], [got[t] for t in w.texts], state["turns"]
    _check_turns_editable(state)
    if delete is not None:
        roles, texts, turns = show.delete_slot(roles, texts, turns, delete)
    elif turns >= MAX_TURNS:
        raise gr.Error(
            f"The editor holds up to {MAX_TURNS} turns. Split the conversation into two examples instead."
        )
    else:
        roles[turns], texts[turns], turns = add_role or "user", "", turns + 1
    updates = {w.state: {**state, "turns": turns}, **turn_rows(w, roles, turns)}
    return updates | dict(zip(w.roles, roles, strict=True)) | dict(zip(w.texts, texts, strict=True))


def _check_turns_editable(state: dict[str, Any]) -> None:
    if not state.get("id"):
        raise gr.Error("Open an example first: click a row of the table.")
    if state.get("locked"):
        raise gr.Error(
            f"This conversation is longer than the editor's {MAX_TURNS} turns, so its turns cannot be edited."
        )


def restore(
    ctx: AppContext, w: EditorWidgets, state: dict[str, Any], reviewer: str, revision: float | None
) -> dict[Any, Any]:
    if not state.get("id") or not revision:
        raise gr.Error("Open an example and type the number of the revision to restore (see its History).")
    try:
        report, view = restore_step(
            ctx.store,
            state["id"],
            int(revision),
            base_revision=state["revision"],
            editor=name_of(reviewer),
            counter=counter_of(ctx),
        )
    except EditConflict as conflict:
        return conflict_updates(w, state, conflict)
    except LookupError as error:
        raise gr.Error(str(error)) from error
    return view_updates(
        w, view, f"✓ Restored revision {int(revision)} as revision {report.example.revision}."
    )


def forget_changes(state: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Discard the editor's changes: clear the state (so nothing is saved) and name the example to reopen."""
    return dict(NO_STATE), state.get("id") or ""


def same(value: str) -> str:
    return value


def recall_name(timer: gr.Timer, remembered: str | None) -> tuple[str, gr.Timer]:
    return remembered or "", gr.Timer(active=False)
