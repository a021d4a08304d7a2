"""Every save is a revision; a save based on an old revision is refused with both versions; restore works."""

from __future__ import annotations

import pytest

from core.review.editing import EditConflict, ExampleEdit, NotReady, restore_revision, save_example
from core.review.records import get_example, list_revisions
from core.review.tokens import TokenCounter
from core.review.validation import ConversationError
from core.store import Store
from tests.core.review.conftest import add_examples, chat


def test_a_save_is_a_new_revision_and_keeps_the_old_one(store: Store, counter: TokenCounter) -> None:
    (example_id,) = add_examples(store, 1)
    edited = chat("What is 2 + 2?", "What happens if you count on two from two?")
    report = save_example(
        store,
        example_id,
        ExampleEdit(messages=edited, tags=["maths", " maths "]),
        base_revision=1,
        editor="Ana",
        counter=counter,
    )
    assert report.changed and report.example.revision == 2 and "Saved revision 2" in report.message
    stored = get_example(store, example_id)
    assert stored is not None and stored.messages == edited and stored.tags == ["maths"]
    assert stored.token_count == counter.count(edited) and stored.reviewer == "Ana"
    assert stored.first_user == "What is 2 + 2?"  # derived by the store's trigger
    history = list_revisions(store, example_id)
    assert [r.revision for r in history] == [2, 1]
    assert (
        history[1].messages != edited
        and history[0].editor == "Ana"
        and "edited the conversation" in history[0].note
    )


def test_a_save_based_on_an_old_revision_is_refused_with_both_versions(store: Store) -> None:
    (example_id,) = add_examples(store, 1)
    save_example(store, example_id, ExampleEdit(tags=["first"]), base_revision=1, editor="Ana")
    theirs = ExampleEdit(messages=chat("Bob's question?", "Bob's reply?"))
    with pytest.raises(EditConflict) as refused:
        save_example(store, example_id, theirs, base_revision=1, editor="Bob")
    conflict = refused.value
    assert conflict.current.revision == 2 and conflict.current.tags == ["first"]
    assert conflict.attempted.messages == theirs.messages
    assert "Ana" in str(conflict) and "not saved" in str(conflict)
    assert get_example(store, example_id).revision == 2  # type: ignore[union-attr]


def test_saving_without_changes_writes_no_revision(store: Store) -> None:
    (example_id,) = add_examples(store, 1)
    report = save_example(store, example_id, ExampleEdit(tags=[]), base_revision=1)
    assert not report.changed and report.example.revision == 1


def test_an_empty_turn_is_refused_with_the_turn_named(store: Store) -> None:
    (example_id,) = add_examples(store, 1)
    with pytest.raises(ConversationError, match=r"Turn 2 \(Tutor\) is empty"):
        save_example(store, example_id, ExampleEdit(messages=chat("Hi?", "   ")), base_revision=1)
    assert get_example(store, example_id).revision == 1  # type: ignore[union-attr]


def test_an_example_without_a_tutor_turn_cannot_be_accepted(store: Store, counter: TokenCounter) -> None:
    (example_id,) = add_examples(store, 1)
    with pytest.raises(NotReady, match="no tutor"):
        save_example(
            store,
            example_id,
            ExampleEdit(messages=chat("Only a question?"), status="accepted"),
            base_revision=1,
            counter=counter,
        )
    assert get_example(store, example_id).status == "pending"  # type: ignore[union-attr]


def test_restoring_an_old_revision_writes_its_content_as_the_newest(store: Store) -> None:
    (example_id,) = add_examples(store, 1, intent="confused")
    original = get_example(store, example_id)
    assert original is not None
    save_example(
        store,
        example_id,
        ExampleEdit(messages=chat("Changed?", "Changed!"), intent="frustrated"),
        base_revision=1,
    )
    save_example(store, example_id, ExampleEdit(status="rejected"), base_revision=2)
    report = restore_revision(store, example_id, 1, base_revision=3, editor="Ana")
    restored = report.example
    assert restored.revision == 4 and restored.messages == original.messages
    assert restored.status == "pending" and restored.intent == "confused"
    assert list_revisions(store, example_id)[0].note == "restored revision 1"


def test_search_index_follows_edits(store: Store) -> None:
    (example_id,) = add_examples(store, 1)
    save_example(
        store,
        example_id,
        ExampleEdit(messages=chat("Tell me about chlorophyll?", "What colour is it?")),
        base_revision=1,
    )
    found = store.query("SELECT example_id FROM examples_fts WHERE examples_fts MATCH 'chlorophyll'")
    stale = store.query("SELECT example_id FROM examples_fts WHERE examples_fts MATCH 'Question'")
    assert [r[0] for r in found] == [example_id] and stale == []
