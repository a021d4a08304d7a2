"""The Review table's filters, search, sort and paging; bulk actions and their undo."""

from __future__ import annotations

from core.review.bulk import bulk_update, list_batches, undo_batch
from core.review.editing import ExampleEdit, save_example
from core.review.query import (
    NO_INTENT,
    SOURCE_PREFIX,
    ExampleQuery,
    adjacent_example,
    page_of,
    query_examples,
)
from core.review.records import NewExample, get_example, insert_examples
from core.review.stats import filter_choices, review_stats
from core.review.tokens import TokenCounter
from core.store import Store
from tests.core.review.conftest import add_examples, chat


def test_filters_search_and_paging_show_the_matching_examples(store: Store) -> None:
    confused = add_examples(store, 7, intent="confused", source_name="fractions.md", tags=["hard"])
    add_examples(store, 5, intent="frustrated", verdicts={"gives_answer": False})
    add_examples(store, 2)
    page = query_examples(store, ExampleQuery(intent="confused", page_size=3, page=3))
    assert (page.total, page.pages, page.page) == (7, 3, 3)
    assert [row.id for row in page.rows] == confused[6:]
    assert query_examples(store, ExampleQuery(intent=NO_INTENT)).total == 2
    assert query_examples(store, ExampleQuery(source=SOURCE_PREFIX + "fractions.md")).total == 7
    assert query_examples(store, ExampleQuery(tag="hard")).total == 7
    assert query_examples(store, ExampleQuery(verdict="failed")).total == 5
    assert query_examples(store, ExampleQuery(search="question 3")).total == 2  # i=3 of the two big groups
    assert query_examples(store, ExampleQuery(search="quest 1")).total == 3  # words match as prefixes
    assert (
        query_examples(store, ExampleQuery(search='count "on" 4*')).total == 2
    )  # quotes and stars are plain


def test_sorting_by_tokens_descending_puts_the_longest_first(store: Store) -> None:
    with store.transaction() as conn:
        ids = insert_examples(
            conn,
            [NewExample(messages=chat(f"q{i}?", "a?"), token_count=n) for i, n in enumerate([5, 50, 20])],
        )
    page = query_examples(store, ExampleQuery(sort="tokens", descending=True))
    assert [row.id for row in page.rows] == [ids[1], ids[2], ids[0]]


def test_next_finds_the_following_example_even_after_the_current_one_left_the_filter(store: Store) -> None:
    ids = add_examples(store, 5)
    pending = ExampleQuery(status="pending", page_size=2)
    save_example(store, ids[1], ExampleEdit(status="rejected"), base_revision=1)
    assert adjacent_example(store, pending, ids[1]) == ids[2]
    assert adjacent_example(store, pending, ids[2], forward=False) == ids[0]
    assert adjacent_example(store, pending, ids[4]) is None
    assert page_of(store, pending, ids[4]).page == 2  # ids 0, 2 | 3, 4


def test_bulk_accept_applies_to_every_page_of_the_filter_and_undo_restores(
    store: Store, counter: TokenCounter
) -> None:
    targets = add_examples(store, 12, intent="confused")
    others = add_examples(store, 3, intent="frustrated")
    report = bulk_update(
        store, ExampleQuery(intent="confused", page_size=5), "accept", editor="Ana", counter=counter
    )
    assert (report.changed, report.not_ready) == (12, 0) and report.batch_id
    assert all(get_example(store, i).status == "accepted" for i in targets)  # type: ignore[union-attr]
    assert all(get_example(store, i).status == "pending" for i in others)  # type: ignore[union-attr]
    assert [b.id for b in list_batches(store)] == [report.batch_id]
    undo = undo_batch(store, report.batch_id, editor="Ana")
    assert undo.restored == 12 and undo.kept == 0
    restored = get_example(store, targets[0])
    assert restored is not None and restored.status == "pending" and restored.revision == 3
    assert [b.description for b in list_batches(store)] == ["undid: accepted"]  # which can be undone: redo


def test_undo_leaves_alone_examples_edited_after_the_bulk_action(store: Store) -> None:
    ids = add_examples(store, 3)
    report = bulk_update(store, ExampleQuery(), "add_tag", tag="checked")
    save_example(store, ids[0], ExampleEdit(status="accepted"), base_revision=2)
    undo = undo_batch(store, report.batch_id)  # type: ignore[arg-type]
    assert (undo.restored, undo.kept) == (2, 1) and "left as they are" in undo.message
    assert get_example(store, ids[0]).tags == ["checked"]  # type: ignore[union-attr]
    assert get_example(store, ids[1]).tags == []  # type: ignore[union-attr]


def test_bulk_accept_skips_examples_that_are_not_trainable(store: Store, counter: TokenCounter) -> None:
    add_examples(store, 2)
    with store.transaction() as conn:
        insert_examples(conn, [NewExample(messages=chat("No tutor turn here?"))])
    report = bulk_update(store, ExampleQuery(), "accept", counter=counter)
    assert (report.changed, report.not_ready) == (2, 1) and "problems" in report.message


def test_statistics_and_filter_choices_describe_the_store(store: Store) -> None:
    add_examples(store, 4, intent="confused", source_name="fractions.md", token_count=40)
    ids = add_examples(store, 2, intent="frustrated", tags=["demo"], token_count=300)
    save_example(store, ids[0], ExampleEdit(status="accepted"), base_revision=1)
    stats = review_stats(store)
    assert stats.total == 6 and stats.by_status == {"pending": 5, "accepted": 1}
    assert ("confused", "pending", 4) in stats.by_intent
    assert ("fractions.md", "pending", 4) in stats.per_source
    assert sum(n for _, _, n in stats.token_bins) == 6 and stats.accepted_tokens == 300
    choices = filter_choices(store)
    assert choices.intents == ["confused", "frustrated"] and choices.tags == ["demo"]
    assert ("fractions.md", SOURCE_PREFIX + "fractions.md") in choices.sources
