"""Bradley-Terry ratings from pairwise outcomes, with bootstrap confidence intervals. Pure math.

    outcomes = [Outcome(vote=0, winner="adapter:a1", loser="base"), ...]
    fit = bradley_terry(outcomes)                       # {"adapter:a1": 1060.2, "base": 939.8}
    low_high = bootstrap_intervals(outcomes, rounds=200, seed=0)

The model: P(i beats j) = p_i / (p_i + p_j). Strengths are fitted by maximum likelihood (Newton's method) and
reported on the Elo scale (1000 + 400 log10 p, geometric mean 1000), so a 3:1 record between two
variants puts them 400 log10(3) = 191 points apart. `prior` adds that many virtual wins and as many
virtual losses against an average opponent to each variant, which keeps an unbeaten variant's
rating finite while votes are few (prior=0 gives the plain maximum-likelihood fit). Intervals
resample whole votes, since one ranking vote yields several correlated pairwise outcomes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SCALE = 400.0
CENTER = 1000.0
MAX_ITERATIONS = 100
TOLERANCE = 1e-10
MAX_LOG_STRENGTH = 30.0  # an unbeaten variant without a prior stops here instead of running off


@dataclass(frozen=True)
class Outcome:
    vote: int  # which vote it came from (resampled together)
    winner: str
    loser: str


def players_of(outcomes: Sequence[Outcome]) -> list[str]:
    return sorted({o.winner for o in outcomes} | {o.loser for o in outcomes})


def win_matrix(
    outcomes: Sequence[Outcome], players: Sequence[str], weights: np.ndarray | None = None
) -> np.ndarray:
    """wins[i, j] = number of times player i beat player j (each outcome counted weights[vote] times)."""
    index = {p: i for i, p in enumerate(players)}
    winners = np.array([index[o.winner] for o in outcomes], dtype=int)
    losers = np.array([index[o.loser] for o in outcomes], dtype=int)
    counts = np.ones(len(outcomes)) if weights is None else weights[[o.vote for o in outcomes]]
    return _accumulate(len(players), winners, losers, counts)


def _accumulate(n: int, winners: np.ndarray, losers: np.ndarray, counts: np.ndarray) -> np.ndarray:
    wins = np.zeros((n, n))
    np.add.at(wins, (winners, losers), counts)
    return wins


def fit_strengths(wins: np.ndarray, prior: float = 1.0) -> np.ndarray:
    """Bradley-Terry strengths, scaled to a geometric mean of 1."""
    return _centred(np.exp(_fit_log_strengths(wins, prior)))


def _fit_log_strengths(wins: np.ndarray, prior: float) -> np.ndarray:
    """Maximum-likelihood log strengths by Newton's method, which converges in a handful of steps
    where the classic MM iteration needs thousands. The virtual opponent of the prior sits at 0."""
    theta = np.zeros(wins.shape[0])
    current = _log_likelihood(theta, wins, prior)
    for _ in range(MAX_ITERATIONS):
        gradient, hessian = _derivatives(theta, wins, prior)
        # lstsq: without a prior the likelihood is flat along "everyone +c", so the Hessian is singular.
        step = np.linalg.lstsq(-hessian, gradient, rcond=None)[0]
        size = 1.0
        while size > 1e-6:  # halve the step until the likelihood improves (never overshoot)
            candidate = np.clip(theta + size * step, -MAX_LOG_STRENGTH, MAX_LOG_STRENGTH)
            value = _log_likelihood(candidate, wins, prior)
            if value >= current - 1e-12:
                break
            size /= 2
        theta, current = candidate, value
        if float(np.max(np.abs(size * step))) < TOLERANCE:
            break
    return theta


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _log_likelihood(theta: np.ndarray, wins: np.ndarray, prior: float) -> float:
    diff = theta[:, None] - theta[None, :]
    pairwise = float(np.sum(wins * -np.logaddexp(0.0, -diff)))
    virtual = prior * float(np.sum(-np.logaddexp(0.0, -theta) - np.logaddexp(0.0, theta)))
    return pairwise + virtual


def _derivatives(theta: np.ndarray, wins: np.ndarray, prior: float) -> tuple[np.ndarray, np.ndarray]:
    games = wins + wins.T
    p = _sigmoid(theta[:, None] - theta[None, :])  # p[i, j] = P(i beats j)
    q = _sigmoid(theta)  # P(i beats the virtual average opponent)
    gradient = wins.sum(axis=1) - (games * p).sum(axis=1) + prior * (1 - 2 * q)
    curvature = games * p * (1 - p)
    hessian = curvature - np.diag(curvature.sum(axis=1) + 2 * prior * q * (1 - q))
    return gradient, hessian


def _centred(strengths: np.ndarray) -> np.ndarray:
    return strengths / math.exp(float(np.mean(np.log(strengths))))


def to_rating(strengths: np.ndarray) -> np.ndarray:
    return CENTER + SCALE * np.log10(strengths)


def bradley_terry(outcomes: Sequence[Outcome], prior: float = 1.0) -> dict[str, float]:
    """Each player's rating on the Elo scale; an empty dict without outcomes."""
    players = players_of(outcomes)
    if not players:
        return {}
    ratings = to_rating(fit_strengths(win_matrix(outcomes, players), prior))
    return {p: float(r) for p, r in zip(players, ratings, strict=True)}


def bootstrap_intervals(
    outcomes: Sequence[Outcome], rounds: int = 200, seed: int = 0, prior: float = 1.0, level: float = 0.95
) -> dict[str, tuple[float, float]]:
    """Percentile intervals of each rating, refitting on votes drawn with replacement."""
    players = players_of(outcomes)
    votes = sorted({o.vote for o in outcomes})
    if not players or rounds < 1:
        return {}
    position = {vote: i for i, vote in enumerate(votes)}
    index = {p: i for i, p in enumerate(players)}
    winners = np.array([index[o.winner] for o in outcomes], dtype=int)
    losers = np.array([index[o.loser] for o in outcomes], dtype=int)
    outcome_votes = np.array([position[o.vote] for o in outcomes], dtype=int)
    rng = np.random.default_rng(seed)
    samples = np.empty((rounds, len(players)))
    for r in range(rounds):
        weights = np.bincount(rng.integers(0, len(votes), len(votes)), minlength=len(votes)).astype(float)
        wins = _accumulate(len(players), winners, losers, weights[outcome_votes])
        samples[r] = to_rating(fit_strengths(wins, prior))
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail], axis=0)
    return {p: (float(lo), float(hi)) for p, lo, hi in zip(players, low, high, strict=True)}


def standard_errors(outcomes: Sequence[Outcome], prior: float = 1.0) -> dict[str, float]:
    """Each rating's standard error (Elo points) from the curvature of the log-likelihood at the fit.

    The bootstrap cannot see the uncertainty of very few votes (one vote, resampled, is always that
    vote); this model-based error can, and it agrees with the bootstrap once votes are many.
    """
    players = players_of(outcomes)
    if not players:
        return {}
    wins = win_matrix(outcomes, players)
    _, hessian = _derivatives(_fit_log_strengths(wins, prior), wins, prior)
    # Ratings are reported centred (mean 1000), so take the covariance of the centred log strengths.
    centring = np.eye(len(players)) - 1.0 / len(players)
    variance = np.diag(centring @ np.linalg.pinv(-hessian) @ centring.T)
    points = SCALE / math.log(10)
    return {p: float(points * math.sqrt(max(v, 0.0))) for p, v in zip(players, variance, strict=True)}


def expected_win_rate(rating_a: float, rating_b: float) -> float:
    """The model's probability that a variant rated `rating_a` beats one rated `rating_b`."""
    return 1.0 / (1.0 + 10 ** ((rating_b - rating_a) / SCALE))
