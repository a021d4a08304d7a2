"""The review loop as the tab drives it: save only real changes, then move on, and stop at the end."""

from __future__ import annotations

from core.review.editing import ExampleEdit, save_example
from core.review.query import ExampleQuery
from core.review.records import get_example
from core.review.review import review_screen, review_step
from core.review.tokens import TokenCounter
from core.store import Store
from tests.core.review.conftest import add_examples


def unchanged_edit(store: Store, example_id: str, **changes: object) -> ExampleEdit:
    example = get_example(store, example_id)
    assert example is not None
    fields = {"messages": example.messages, "tags": example.tags, "intent": example.intent or ""}
    return ExampleEdit(**{**fields, "reference_answer": example.reference_answer or "", **changes})  # type: ignore[arg-type]


def test_accept_saves_and_moves_to_the_next_pending_example(store: Store, counter: TokenCounter) -> None:
    ids = add_examples(store, 3)
    pending = ExampleQuery(status="pending")
    outcome = review_step(
        store,
        ids[0],
        unchanged_edit(store, ids[0], status="accepted"),
        base_revision=1,
        query=pending,
        move="next",
        counter=counter,
    )
    assert outcome.saved is not None and outcome.saved.example.status == "accepted"
    assert outcome.view is not None and outcome.view.example.id == ids[1]
    assert [row.id for row in outcome.page.rows] == ids[1:]  # the accepted one left the pending view
    assert "Saved revision 2" in outcome.message


def test_moving_on_without_changes_never_conflicts_with_a_colleague(
    store: Store, counter: TokenCounter
) -> None:
    ids = add_examples(store, 2)
    opened = unchanged_edit(store, ids[0])
    save_example(store, ids[0], ExampleEdit(tags=["colleague"]), base_revision=1)  # someone saves meanwhile
    outcome = review_step(
        store, ids[0], opened, base_revision=1, query=ExampleQuery(), move="next", counter=counter
    )
    assert outcome.saved is None and outcome.view is not None and outcome.view.example.id == ids[1]
    assert get_example(store, ids[0]).tags == ["colleague"]  # type: ignore[union-attr]


def test_at_the_end_of_the_list_the_saved_example_stays_open(store: Store, counter: TokenCounter) -> None:
    (only,) = add_examples(store, 1)
    outcome = review_step(
        store,
        only,
        unchanged_edit(store, only, status="rejected"),
        base_revision=1,
        query=ExampleQuery(),
        move="next",
    )
    assert outcome.view is not None and outcome.view.example.revision == 2  # the editor continues from it
    assert "end of the list" in outcome.message


def test_the_screen_has_the_page_statistics_and_choices(store: Store) -> None:
    add_examples(store, 30, intent="confused")
    screen = review_screen(store, ExampleQuery(page_size=25, page=2))
    assert len(screen.page.rows) == 5 and screen.stats.total == 30 and screen.choices.intents == ["confused"]
