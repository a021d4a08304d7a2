"""Bradley-Terry ratings: hand-computed cases, the prior, bootstrap intervals, and the stored leaderboard."""

from __future__ import annotations

import math

import pytest

from core.compare.blind import cast_vote
from core.compare.leaderboard import leaderboard
from core.compare.ratings import (
    Outcome,
    bootstrap_intervals,
    bradley_terry,
    expected_win_rate,
    standard_errors,
)
from core.store import Store
from tests.core.compare.comparisons import add_comparison


def games(winner: str, loser: str, count: int, start: int = 0) -> list[Outcome]:
    return [Outcome(start + i, winner, loser) for i in range(count)]


def test_three_wins_to_one_puts_two_variants_191_points_apart() -> None:
    # Maximum likelihood: p_A / p_B = 3 / 1, so the gap is 400 * log10(3) = 190.85 Elo points.
    ratings = bradley_terry(games("A", "B", 3) + games("B", "A", 1, start=3), prior=0)
    assert ratings["A"] - ratings["B"] == pytest.approx(400 * math.log10(3), abs=1e-6)
    assert (ratings["A"] + ratings["B"]) / 2 == pytest.approx(1000, abs=1e-6)
    assert expected_win_rate(ratings["A"], ratings["B"]) == pytest.approx(0.75, abs=1e-9)


def test_a_chain_of_two_to_one_records_gives_equal_steps() -> None:
    # A beat B 2-1 and B beat C 2-1, A and C never met: each step is 400 * log10(2) = 120.41 points.
    outcomes = games("A", "B", 2) + games("B", "A", 1, 2) + games("B", "C", 2, 3) + games("C", "B", 1, 5)
    ratings = bradley_terry(outcomes, prior=0)
    step = 400 * math.log10(2)
    assert ratings["A"] - ratings["B"] == pytest.approx(step, abs=1e-6)
    assert ratings["B"] - ratings["C"] == pytest.approx(step, abs=1e-6)
    assert ratings["B"] == pytest.approx(1000, abs=1e-6)


def test_the_fit_satisfies_the_likelihood_equations() -> None:
    outcomes = games("A", "B", 5) + games("B", "A", 2, 5) + games("A", "C", 1, 7) + games("C", "A", 3, 8)
    outcomes += games("B", "C", 4, 11) + games("C", "B", 4, 15)
    ratings = bradley_terry(outcomes, prior=0)
    for player in "ABC":
        wins = sum(1 for o in outcomes if o.winner == player)
        expected = sum(
            expected_win_rate(ratings[player], ratings[o.loser if o.winner == player else o.winner])
            for o in outcomes
            if player in (o.winner, o.loser)
        )
        assert expected == pytest.approx(wins, abs=1e-6)


def test_the_prior_keeps_an_unbeaten_variant_finite_and_shrinks_small_samples() -> None:
    outcomes = games("A", "B", 3)
    with_prior = bradley_terry(outcomes, prior=1.0)
    assert 100 < with_prior["A"] - with_prior["B"] < 600
    more = bradley_terry(games("A", "B", 30), prior=1.0)
    assert more["A"] - more["B"] > with_prior["A"] - with_prior["B"]


def test_bootstrap_ranges_contain_the_rating_and_narrow_with_more_votes() -> None:
    def spread(scale: int) -> tuple[float, dict[str, tuple[float, float]], dict[str, float]]:
        outcomes = games("A", "B", 6 * scale) + games("B", "A", 4 * scale, 6 * scale)
        ranges = bootstrap_intervals(outcomes, rounds=300, seed=3)
        return ranges["A"][1] - ranges["A"][0], ranges, bradley_terry(outcomes)

    few, ranges, ratings = spread(1)
    many, _, _ = spread(10)
    assert ranges["A"][0] <= ratings["A"] <= ranges["A"][1]
    assert many < few / 2
    assert bootstrap_intervals(games("A", "B", 3), rounds=50, seed=1) == bootstrap_intervals(
        games("A", "B", 3), rounds=50, seed=1
    )


def test_no_votes_give_an_empty_leaderboard(store: Store) -> None:
    add_comparison(store)
    board = leaderboard(store)
    assert board.is_empty and board.votes == 0 and board.pairs == []


def test_leaderboard_counts_rankings_and_win_rates_per_pair(store: Store) -> None:
    for i in range(4):
        comparison = add_comparison(store)  # A = base, B = prompted, C = adapter
        ranking = ["C", "B"] if i < 3 else ["B"]
        cast_vote(store, comparison.id, f"browser:{i}", ranking)
    board = leaderboard(store, bootstrap_rounds=50)
    assert [r.key for r in board.ratings] == ["adapter:a1", "prompted", "base"]
    assert board.votes == 4 and board.comparisons == 4
    adapter = board.ratings[0]
    assert (adapter.votes, adapter.wins, adapter.losses) == (4, 6, 1)
    assert adapter.low <= adapter.rating <= adapter.high
    pairs = {(p.first, p.second): p for p in board.pairs}
    vs_prompted = pairs[("adapter:a1", "prompted")]
    assert (vs_prompted.first_wins, vs_prompted.second_wins) == (3, 1)
    assert vs_prompted.first_win_rate == pytest.approx(0.75)
    base_pair = pairs[("adapter:a1", "base")]
    assert (base_pair.first_wins, base_pair.second_wins) == (
        3,
        0,
    )  # an unranked base still lost to the winner


def test_standard_errors_shrink_with_votes_and_match_the_bootstrap_when_votes_are_many() -> None:
    few = games("A", "B", 3) + games("B", "A", 2, 3)
    many = games("A", "B", 300) + games("B", "A", 200, 300)
    assert standard_errors(many)["A"] < standard_errors(few)["A"] / 5
    low, high = bootstrap_intervals(many, rounds=300, seed=0)["A"]
    assert (high - low) / 2 == pytest.approx(1.96 * standard_errors(many)["A"], rel=0.25)


def test_a_single_vote_gets_a_wide_range_not_a_false_certainty(store: Store) -> None:
    comparison = add_comparison(store)
    cast_vote(store, comparison.id, "browser:b1", ["C", "B"])
    board = leaderboard(store, bootstrap_rounds=50)
    assert all(r.high - r.low > 200 for r in board.ratings)  # the bootstrap alone would give 0 width
    assert all(r.low <= r.rating <= r.high for r in board.ratings)
