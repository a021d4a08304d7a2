"""The leaderboard: win rates per pair of variants and Bradley-Terry ratings from the stored votes.

    board = leaderboard(store)
    for rating in board.ratings:          # best first
        show(rating.label, rating.rating, rating.low, rating.high, rating.votes)

A vote ranks some of a comparison's variants, best first. Each ranked variant beats every variant
ranked below it and every variant it was shown with that the voter left unranked; two unranked
variants say nothing about each other.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from core.compare.ratings import Outcome, bootstrap_intervals, bradley_terry, standard_errors
from core.compare.records import Comparison, Vote, votes_with_comparisons
from core.store import Store

DEFAULT_BOOTSTRAP_ROUNDS = 200
DEFAULT_PRIOR = 1.0
Z_95 = 1.96


@dataclass(frozen=True)
class Rating:
    key: str
    label: str
    rating: float
    low: float  # 95% range (bootstrap, widened to the model's standard error when votes are few)
    high: float
    votes: int  # votes on comparisons this variant took part in
    wins: int  # pairwise wins and losses those votes imply
    losses: int


@dataclass(frozen=True)
class PairRecord:
    first: str  # variant keys, first sorted before second
    second: str
    first_label: str
    second_label: str
    first_wins: int
    second_wins: int

    @property
    def games(self) -> int:
        return self.first_wins + self.second_wins

    @property
    def first_win_rate(self) -> float:
        return self.first_wins / self.games if self.games else 0.0


@dataclass(frozen=True)
class Leaderboard:
    ratings: list[Rating]  # best first
    pairs: list[PairRecord]
    votes: int
    comparisons: int

    @property
    def is_empty(self) -> bool:
        return not self.ratings


def vote_outcomes(index: int, vote: Vote, comparison: Comparison) -> list[Outcome]:
    """The pairwise wins one vote implies."""
    ranked = [key for key in vote.ranking if key in comparison.keys]
    unranked = [key for key in comparison.keys if key not in ranked]
    outcomes = []
    for place, winner in enumerate(ranked):
        for loser in ranked[place + 1 :] + unranked:
            outcomes.append(Outcome(index, winner, loser))
    return outcomes


def leaderboard(
    store: Store,
    *,
    bootstrap_rounds: int = DEFAULT_BOOTSTRAP_ROUNDS,
    seed: int = 0,
    prior: float = DEFAULT_PRIOR,
) -> Leaderboard:
    """Ratings with intervals and pairwise records over every vote in the workspace."""
    voted = votes_with_comparisons(store)
    outcomes = [o for i, (vote, comparison) in enumerate(voted) for o in vote_outcomes(i, vote, comparison)]
    labels = {v.key: v.label for _, comparison in voted for v in comparison.variants}
    fitted = bradley_terry(outcomes, prior)
    intervals = rating_intervals(outcomes, fitted, bootstrap_rounds, seed, prior)
    votes_per_key = Counter(key for _, comparison in voted for key in comparison.keys)
    wins = Counter(o.winner for o in outcomes)
    losses = Counter(o.loser for o in outcomes)
    ratings = [
        Rating(
            key,
            labels[key],
            value,
            *intervals.get(key, (value, value)),
            votes_per_key[key],
            wins[key],
            losses[key],
        )
        for key, value in fitted.items()
    ]
    ratings.sort(key=lambda r: (-r.rating, r.label))
    return Leaderboard(ratings, pair_records(outcomes, labels), len(voted), len({c.id for _, c in voted}))


def rating_intervals(
    outcomes: list[Outcome], fitted: dict[str, float], rounds: int, seed: int, prior: float
) -> dict[str, tuple[float, float]]:
    """The bootstrap's 95% range, never narrower than the model's own +-1.96 standard errors: with a
    handful of votes the bootstrap keeps drawing the same votes and would claim a certainty it lacks."""
    bootstrap = bootstrap_intervals(outcomes, rounds, seed, prior)
    errors = standard_errors(outcomes, prior)
    intervals = {}
    for key, rating in fitted.items():
        low, high = bootstrap.get(key, (rating, rating))
        margin = Z_95 * errors.get(key, 0.0)
        intervals[key] = (min(low, rating - margin), max(high, rating + margin))
    return intervals


def pair_records(outcomes: list[Outcome], labels: dict[str, str]) -> list[PairRecord]:
    tally: Counter[tuple[str, str]] = Counter((o.winner, o.loser) for o in outcomes)
    pairs = sorted({tuple(sorted((w, lo))) for w, lo in tally})
    return [
        PairRecord(a, b, labels[a], labels[b], tally[(a, b)], tally[(b, a)])
        for a, b in pairs  # type: ignore[misc]
    ]
