"""What the Review tab asks for, one call per user action: the screen, an example, a review step.

    screen = review_screen(store, ExampleQuery(status="pending"))      # table page, stats, filters, batches
    view = view_example(store, "ex_1a2b", counter)                      # the example, its history, its problems
    outcome = review_step(store, "ex_1a2b", edit, base_revision=3, query=query, move="next", counter=counter)

`review_step` is the fast review loop: it saves the editor's changes (only when they differ from the
revision the reviewer opened, so merely moving on never conflicts), then opens the next, previous, or
a given example and turns the table to the page that shows it. EditConflict, NotReady and
ConversationError come through unchanged for the caller to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.review.bulk import Batch, list_batches
from core.review.editing import ExampleEdit, SaveReport, clean_edit, restore_revision, save_example
from core.review.query import ExamplePage, ExampleQuery, adjacent_example, page_of, query_examples
from core.review.records import (
    Dataset,
    Example,
    Revision,
    get_example,
    get_revision,
    list_datasets,
    list_revisions,
)
from core.review.stats import FilterChoices, ReviewStats, filter_choices, review_stats
from core.review.tokens import TokenCounter
from core.review.validation import ValidationIssue, ValidationRules, check_example
from core.store import Store

Move = Literal["stay", "next", "previous"]


@dataclass(frozen=True)
class ReviewScreen:
    page: ExamplePage
    stats: ReviewStats
    choices: FilterChoices
    batches: list[Batch]
    datasets: list[Dataset]


@dataclass(frozen=True)
class ExampleView:
    example: Example
    revisions: list[Revision]
    issues: list[ValidationIssue]


@dataclass(frozen=True)
class ReviewOutcome:
    saved: SaveReport | None
    view: ExampleView | None  # None: no example with the id asked for
    page: ExamplePage
    message: str


def review_screen(store: Store, query: ExampleQuery) -> ReviewScreen:
    """Everything the tab shows around the editor, for opening it and after bulk changes."""
    return ReviewScreen(
        page=query_examples(store, query),
        stats=review_stats(store),
        choices=filter_choices(store),
        batches=list_batches(store),
        datasets=list_datasets(store),
    )


def view_example(store: Store, example_id: str, counter: TokenCounter | None = None) -> ExampleView | None:
    example = get_example(store, example_id.strip())
    if example is None:
        return None
    issues = check_example(example.id, example.messages, ValidationRules(counter=counter))
    return ExampleView(example, list_revisions(store, example.id), issues)


def has_changes(store: Store, example_id: str, base_revision: int, edit: ExampleEdit) -> bool:
    """Whether the edit changes the revision the reviewer opened (not whatever is current now)."""
    base = get_revision(store, example_id, base_revision)
    if base is None:
        return True
    edit = clean_edit(edit)
    return any(
        [
            edit.messages is not None and edit.messages != base.messages,
            edit.status is not None and edit.status != base.status,
            edit.tags is not None and edit.tags != sorted(set(base.tags)),
            edit.intent is not None and (edit.intent.strip() or None) != base.intent,
            edit.reference_answer is not None
            and (edit.reference_answer.strip() or None) != base.reference_answer,
        ]
    )


def review_step(
    store: Store,
    example_id: str,
    edit: ExampleEdit | None,
    *,
    base_revision: int,
    query: ExampleQuery,
    move: Move | str = "stay",
    editor: str | None = None,
    counter: TokenCounter | None = None,
) -> ReviewOutcome:
    """Save the editor's changes if there are any, then show `move` (stay, next, previous, or an id)."""
    saved = None
    if edit is not None and has_changes(store, example_id, base_revision, edit):
        saved = save_example(
            store, example_id, edit, base_revision=base_revision, editor=editor, counter=counter
        )
    target: str | None = move if move not in ("stay", "next", "previous") else example_id
    at_end = False
    if move in ("next", "previous"):
        target = adjacent_example(store, query, example_id, forward=move == "next")
        at_end, target = target is None, target or example_id  # at the end of the list: stay here
    view = view_example(store, target, counter) if target else None
    page = query_examples(store, page_of(store, query, view.example.id) if view else query)
    return ReviewOutcome(saved, view, page, step_message(saved, move if at_end else None))


def step_message(saved: SaveReport | None, end: str | None) -> str:
    parts = [f"{saved.message[:-1]} of {saved.example.id}." if saved and saved.changed else ""]
    if end:
        parts.append(f"No {end} example with these filters: you reached the end of the list.")
    return " ".join(p for p in parts if p)


def restore_step(
    store: Store,
    example_id: str,
    revision: int,
    *,
    base_revision: int,
    editor: str | None = None,
    counter: TokenCounter | None = None,
) -> tuple[SaveReport, ExampleView]:
    """Restore an earlier revision (as a new one) and return the example as it now is."""
    report = restore_revision(
        store, example_id, revision, base_revision=base_revision, editor=editor, counter=counter
    )
    view = view_example(store, example_id, counter)
    assert view is not None
    return report, view
