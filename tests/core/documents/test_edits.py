"""Chunk edits are saved at once and survive a restart; merges and splits keep old chunk ids working;
deleted documents can be restored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core.documents.edits import ChunkEditError, describe_chunk, edit_chunk, split_points
from core.documents.records import Chunk, Document, get_chunk, list_chunks, set_document_deleted
from core.paths import Workspace
from core.store import Store

LESSON = """# Forces

## Friction

Friction acts against motion. Rough surfaces give more friction than smooth ones.

Worked example: a 20 N push against 5 N of friction leaves a resultant force of 15 N.

## Gravity

Gravity pulls every mass towards every other mass.

## Air resistance

Air resistance grows with speed.
"""
TABLE = "| Surface | Friction |\n|-|-|\n| Ice | low |\n| Rubber | high |\n| Sand | medium |"


@pytest.fixture
def lesson(tmp_path: Path, add_document: Callable[..., Document]) -> Document:
    path = tmp_path / "forces.md"
    path.write_text(LESSON, encoding="utf-8")
    return add_document(path)


def _chunks(store: Store, document: Document) -> list[Chunk]:
    return list_chunks(store, document_ids=[document.id])


def test_converted_lesson_has_one_chunk_per_section(store: Store, lesson: Document) -> None:
    chunks = _chunks(store, lesson)
    assert [c.heading for c in chunks] == ["Forces > Friction", "Forces > Gravity", "Forces > Air resistance"]
    assert lesson.status == "ready" and lesson.chunk_tokens == 350 and lesson.tokenizer == "tiny"


def test_excluding_hides_a_chunk_from_generation_and_survives_a_restart(
    store: Store, tiny_workspace: Workspace, lesson: Document
) -> None:
    gravity = _chunks(store, lesson)[1]
    report = edit_chunk(store, tiny_workspace, gravity.id, "exclude")
    assert "will not be used" in report.message
    reopened = Store.open(tiny_workspace)
    used = list_chunks(reopened, document_ids=[lesson.id], include_excluded=False)
    assert gravity.id not in [c.id for c in used] and len(used) == 2
    edit_chunk(reopened, tiny_workspace, gravity.id, "include")
    assert len(list_chunks(Store.open(tiny_workspace), document_ids=[lesson.id], include_excluded=False)) == 3


def test_merge_joins_two_chunks_and_retires_them(
    store: Store, tiny_workspace: Workspace, lesson: Document
) -> None:
    friction, gravity, air = _chunks(store, lesson)
    report = edit_chunk(store, tiny_workspace, friction.id, "merge")
    merged = get_chunk(store, report.chunk_id or "")
    assert merged is not None
    assert merged.heading_path == ["Forces"]
    assert merged.text.startswith("Friction\nFriction acts against motion.")
    assert "Gravity\nGravity pulls every mass" in merged.text
    assert merged.derived_from == [friction.id, gravity.id]
    assert [c.id for c in report.detail.chunks] == [merged.id, air.id]
    old = get_chunk(store, friction.id)
    assert old is not None and old.retired_at is not None and old.text == friction.text


def test_examples_keep_their_link_to_a_merged_chunk(
    store: Store, tiny_workspace: Workspace, lesson: Document
) -> None:
    from core.review.records import NewExample, get_example, insert_examples

    friction = _chunks(store, lesson)[0]
    messages = [
        {"role": "user", "content": "Why is ice slippery?"},
        {"role": "assistant", "content": "What do you think?"},
    ]
    with store.transaction() as conn:
        (example_id,) = insert_examples(
            conn, [NewExample(messages=messages, document_id=lesson.id, chunk_id=friction.id)]
        )
    edit_chunk(store, tiny_workspace, friction.id, "merge")
    example = get_example(store, example_id)
    linked = get_chunk(store, example.chunk_id or "")
    assert linked is not None and linked.text == friction.text


def test_split_at_a_paragraph(store: Store, tiny_workspace: Workspace, lesson: Document) -> None:
    friction = _chunks(store, lesson)[0]
    point = next(p for p in split_points(friction.text) if "Worked example" in p.label)
    assert point.label.startswith("Before paragraph:")
    report = edit_chunk(store, tiny_workspace, friction.id, "split", point.offset)
    first, second = report.detail.chunks[:2]
    assert first.text == "Friction acts against motion. Rough surfaces give more friction than smooth ones."
    assert second.text.startswith("Worked example: a 20 N push")
    assert first.derived_from == second.derived_from == [friction.id]
    assert first.heading_path == second.heading_path == friction.heading_path
    assert [c.heading for c in report.detail.chunks[2:]] == ["Forces > Gravity", "Forces > Air resistance"]
    assert first.token_count + second.token_count >= friction.token_count - 2


def test_chunk_edits_survive_a_restart(store: Store, tiny_workspace: Workspace, lesson: Document) -> None:
    friction = _chunks(store, lesson)[0]
    at = split_points(friction.text)[0].offset
    edit_chunk(store, tiny_workspace, friction.id, "split", at)
    after = [(c.id, c.text, c.excluded) for c in _chunks(store, lesson)]
    store.close()
    reopened = Store.open(tiny_workspace)
    assert [(c.id, c.text, c.excluded) for c in list_chunks(reopened, document_ids=[lesson.id])] == after
    assert len(after) == 4


def test_splitting_a_table_repeats_its_header(
    store: Store, tiny_workspace: Workspace, tmp_path: Path, add_document: Callable[..., Document]
) -> None:
    path = tmp_path / "surfaces.md"
    path.write_text(f"# Surfaces\n\n{TABLE}\n", encoding="utf-8")
    table_chunk = _chunks(store, add_document(path))[0]
    point = next(p for p in split_points(table_chunk.text) if "Rubber" in p.label)
    report = edit_chunk(store, tiny_workspace, table_chunk.id, "split", point.offset)
    second = report.detail.chunks[1]
    assert second.text.startswith("| Surface | Friction |\n|") and "| Rubber | high |" in second.text


def test_impossible_edits_say_why(store: Store, tiny_workspace: Workspace, lesson: Document) -> None:
    friction, _gravity, air = _chunks(store, lesson)
    with pytest.raises(ChunkEditError, match="last chunk"):
        edit_chunk(store, tiny_workspace, air.id, "merge")
    with pytest.raises(ChunkEditError, match="Pick a split point inside the chunk"):
        edit_chunk(store, tiny_workspace, friction.id, "split", len(friction.text))
    with pytest.raises(ChunkEditError, match="Choose where to split"):
        edit_chunk(store, tiny_workspace, friction.id, "split", None)
    edit_chunk(store, tiny_workspace, friction.id, "merge")
    with pytest.raises(ChunkEditError, match="already merged or split"):
        edit_chunk(store, tiny_workspace, friction.id, "exclude")


def test_deleted_document_is_hidden_from_generation_and_can_be_restored(
    store: Store, tiny_workspace: Workspace, lesson: Document
) -> None:
    chunk = _chunks(store, lesson)[0]
    set_document_deleted(store, lesson.id, True)
    assert list_chunks(store) == []
    with pytest.raises(ChunkEditError, match="Restore it first"):
        edit_chunk(store, tiny_workspace, chunk.id, "exclude")
    assert describe_chunk(store, chunk.id).chunk.id == chunk.id  # still readable in the tab
    set_document_deleted(store, lesson.id, False)
    assert [c.id for c in list_chunks(store)] == [c.id for c in _chunks(store, lesson)]


def test_split_points_offer_paragraphs_and_sentences() -> None:
    points = split_points("First sentence. Second sentence.\n\nNew paragraph here.")
    labels = [p.label for p in points]
    assert labels == ["Before sentence: “Second sentence. …”", "Before paragraph: “New paragraph here. …”"]
