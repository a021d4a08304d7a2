"""The test split as replay items, and readable errors for a broken or empty split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.evaluate.testset import TestSetError, load_test_set
from core.review.records import Dataset
from core.store import Store


def dataset_at(folder: Path) -> Dataset:
    return Dataset("tutor@v9", "tutor", 9, "sft", 1, None, {"counts": {"test": 1}}, "h", str(folder), 0.0)


def write_split(
    folder: Path, conversations: list[list[dict[str, str]]], meta: list[dict[str, object]] | None
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test.jsonl").write_text("".join(json.dumps({"messages": c}) + "\n" for c in conversations))
    if meta is not None:
        (folder / "test.meta.jsonl").write_text("".join(json.dumps(m) + "\n" for m in meta))


CONVERSATION = [
    {"role": "user", "content": "What is 1/4 + 2/3?"},
    {"role": "assistant", "content": "What number could both 4 and 3 divide into?"},
    {"role": "user", "content": "12, so 3/12 + 8/12 = 11/12?"},
    {"role": "assistant", "content": "Yes, 11/12. Well done!"},
]


def test_every_tutor_turn_becomes_a_replay_item_with_its_history(store: Store, tmp_path: Path) -> None:
    write_split(
        tmp_path,
        [CONVERSATION],
        [
            {
                "intent": "wrong_answer",
                "reference_answer": "1/4 + 2/3 = 11/12",
                "question": "What is 1/4 + 2/3?",
            }
        ],
    )

    test = load_test_set(store, dataset_at(tmp_path))

    assert [t.turn for t in test.turns] == [1, 3]
    first, second = test.turns
    assert first.history == tuple(CONVERSATION[:1]) and first.reference == CONVERSATION[1]["content"]
    assert first.intent == "wrong_answer" and first.context.key is not None
    assert not first.context.student_reached and second.context.student_reached
    assert test.intents == {"wrong_answer": 1}


def test_without_a_sidecar_turns_have_no_intent_and_no_answer(store: Store, tmp_path: Path) -> None:
    write_split(tmp_path, [CONVERSATION], None)

    test = load_test_set(store, dataset_at(tmp_path))

    assert {t.intent for t in test.turns} == {"(none)"} and all(t.context.key is None for t in test.turns)


def test_max_conversations_caps_the_replay(store: Store, tmp_path: Path) -> None:
    write_split(tmp_path, [CONVERSATION] * 3, [{"intent": "confused"}] * 3)

    assert len(load_test_set(store, dataset_at(tmp_path), max_conversations=2).conversations) == 2


def test_an_empty_split_says_how_to_get_one(store: Store, tmp_path: Path) -> None:
    write_split(tmp_path, [], [])

    with pytest.raises(TestSetError, match="test share above 0"):
        load_test_set(store, dataset_at(tmp_path))


def test_a_broken_line_is_named(store: Store, tmp_path: Path) -> None:
    write_split(tmp_path, [CONVERSATION], [{}])
    with open(tmp_path / "test.jsonl", "a") as handle:
        handle.write("{not json\n")

    with pytest.raises(TestSetError, match=r"test.jsonl, line 2"):
        load_test_set(store, dataset_at(tmp_path))


def test_a_sidecar_out_of_step_is_refused(store: Store, tmp_path: Path) -> None:
    write_split(tmp_path, [CONVERSATION, CONVERSATION], [{}])

    with pytest.raises(TestSetError, match="must match line for line"):
        load_test_set(store, dataset_at(tmp_path))
