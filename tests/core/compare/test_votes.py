"""Blind votes: one per voter and comparison whatever the clicks, mapped through the order shown."""

from __future__ import annotations

import threading

import pytest

from core.compare.blind import VoteError, cast_vote, shuffled_order, voter_id
from core.compare.records import list_votes
from core.store import Store
from tests.core.compare.comparisons import add_comparison


def test_double_submit_counts_once_and_keeps_the_first_vote(store: Store) -> None:
    comparison = add_comparison(store)
    first = cast_vote(store, comparison.id, "browser:b1", ["A"])
    again = cast_vote(store, comparison.id, "browser:b1", ["C", "B"])
    assert first.counted and not again.counted
    assert again.vote == first.vote and again.vote.ranking == ["base"]
    assert [v.ranking for v in list_votes(store)] == [["base"]]


def test_simultaneous_clicks_from_one_voter_count_once(store: Store) -> None:
    comparison = add_comparison(store)
    outcomes, start = [], threading.Barrier(8)

    def click() -> None:
        start.wait()
        outcomes.append(cast_vote(store, comparison.id, "user:ana", ["B"]).counted)

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] * 7 + [True]
    assert len(list_votes(store)) == 1


def test_different_voters_each_count(store: Store) -> None:
    comparison = add_comparison(store)
    cast_vote(store, comparison.id, voter_id("ana", None), ["A"])
    cast_vote(store, comparison.id, voter_id(None, "browser-123"), ["B"])
    assert sorted(v.voter for v in list_votes(store)) == ["browser:browser-123", "user:ana"]


def test_vote_labels_follow_the_shuffled_order_and_reveal_after(store: Store) -> None:
    comparison = add_comparison(store, order=[2, 0, 1])  # A = adapter, B = base, C = prompted
    outcome = cast_vote(store, comparison.id, "browser:b1", ["A", "C"])
    assert outcome.vote.ranking == ["adapter:a1", "prompted"]
    assert outcome.reveal() == [
        ("A", "Adapter a1", 1),
        ("B", "Base model (no system prompt)", None),
        ("C", "Prompted (base + tutor policy)", 2),
    ]


@pytest.mark.parametrize(
    ("ranking", "fix"),
    [([], "Pick the best reply"), (["D"], "no reply 'D'"), (["A", "A"], "only one place")],
)
def test_bad_rankings_are_refused_with_the_fix(store: Store, ranking: list[str], fix: str) -> None:
    comparison = add_comparison(store)
    with pytest.raises(VoteError, match=fix):
        cast_vote(store, comparison.id, "browser:b1", ranking)
    assert list_votes(store) == []


def test_vote_on_an_unknown_comparison_is_refused(store: Store) -> None:
    with pytest.raises(VoteError, match="no comparison"):
        cast_vote(store, "cmp_missing", "browser:b1", ["A"])


def test_shuffled_order_is_a_reproducible_permutation() -> None:
    orders = {tuple(shuffled_order(3, seed)) for seed in range(40)}
    assert all(sorted(order) == [0, 1, 2] for order in orders)
    assert len(orders) == 6  # every arrangement turns up: A is not always the same variant
    assert shuffled_order(3, 7) == shuffled_order(3, 7)
