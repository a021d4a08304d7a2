"""The split keeps each chunk in one split, is stratified by intent, and is reproducible from its seed."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from core.review.split import SplitFractions, SplitItem, split_examples

items_strategy = st.lists(
    st.tuples(st.integers(0, 40), st.sampled_from(["confused", "frustrated", "off_topic", None])),
    min_size=1,
    max_size=200,
).map(
    lambda pairs: [SplitItem(f"ex_{i}", f"chunk_{chunk}", intent) for i, (chunk, intent) in enumerate(pairs)]
)


@settings(max_examples=200, deadline=None)
@given(items_strategy, st.integers(0, 2**31), st.randoms(use_true_random=False))
def test_no_chunk_is_in_two_splits_and_the_same_seed_gives_the_same_split(
    items: list[SplitItem], seed: int, shuffler: random.Random
) -> None:
    plan = split_examples(items, seed)
    splits_of_chunk: dict[str, set[str]] = {}
    for item in items:
        splits_of_chunk.setdefault(item.group, set()).add(plan.assignments[item.example_id])
    assert all(len(splits) == 1 for splits in splits_of_chunk.values())
    shuffled = list(items)
    shuffler.shuffle(shuffled)
    assert split_examples(shuffled, seed).assignments == plan.assignments
    if len(splits_of_chunk) >= 3:
        assert plan.group_counts["test"] >= 1
    assert plan.group_counts["train"] >= 1


def test_every_intent_reaches_every_split_in_proportion() -> None:
    items = [
        SplitItem(f"ex_{i}", f"chunk_{i}", intent)
        for i, intent in enumerate(["confused", "frustrated"] * 100)
    ]
    plan = split_examples(items, seed=7)
    assert plan.group_counts == {"train": 160, "validation": 20, "test": 20}
    for split in ("validation", "test"):
        intents = Counter(next(i.intent for i in items if i.example_id == e) for e in plan.ids(split))
        assert intents == {"confused": 10, "frustrated": 10}


def test_a_different_seed_gives_a_different_split() -> None:
    items = [SplitItem(f"ex_{i}", f"chunk_{i}", "confused") for i in range(50)]
    assert split_examples(items, seed=1).assignments != split_examples(items, seed=2).assignments


def test_small_datasets_keep_a_test_example_and_say_so() -> None:
    three = [SplitItem(f"ex_{i}", f"chunk_{i}", None) for i in range(3)]
    plan = split_examples(three, seed=0)
    assert plan.group_counts == {"train": 2, "validation": 0, "test": 1}
    assert any("test split got 1 chunk" in note for note in plan.notes)
    assert any("validation split is empty" in note for note in plan.notes)
    two = split_examples(three[:2], seed=0)
    assert two.group_counts["train"] == 2 and "everything is in train" in two.notes[0]


def test_fractions_must_leave_room_for_training() -> None:
    import pytest

    with pytest.raises(ValueError, match="leave room for training"):
        SplitFractions(validation=0.5, test=0.5)
    plan = split_examples([SplitItem(f"e{i}", f"c{i}", None) for i in range(10)], 1, SplitFractions(0.0, 0.3))
    assert plan.group_counts == {"train": 7, "validation": 0, "test": 3}
