"""Blind comparisons: shuffle which variant is shown as A, B, C; count one vote per voter; reveal after.

    order = shuffled_order(3, seed)                    # [2, 0, 1]: A is variant 2, B is variant 0 ...
    comparison = record_comparison(store, NewComparison(..., shown_order=order, seed=seed))
    outcome = cast_vote(store, comparison.id, voter_id("ana", None), ["B", "A"])   # best first
    outcome.counted            # False when this voter had already voted: the first vote stands

Voters are "user:NAME" when the studio runs with logins, else "browser:ID" with an id the browser keeps.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from core.compare.records import (
    Comparison,
    NewComparison,
    Vote,
    find_vote,
    get_comparison,
    insert_comparison,
    insert_vote_once,
)
from core.store import Store

POSITION_LABELS = "ABCDEFGH"
BROWSER_SECRET_SETTING = "browser_state_secret"


class VoteError(ValueError):
    """A vote that cannot be counted; the message says how to fix it."""


def new_seed() -> int:
    return secrets.randbelow(2**31)


def shuffled_order(count: int, seed: int) -> list[int]:
    """order[position] = which variant is shown at that position; the same seed gives the same order."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    return order


def position_label(position: int) -> str:
    return POSITION_LABELS[position]


def record_comparison(store: Store, new: NewComparison) -> Comparison:
    """Save a finished blind round; returned only after the write is committed."""
    if len(new.variants) < 2 or len(new.variants) > len(POSITION_LABELS):
        raise VoteError(
            f"A blind comparison needs 2 to {len(POSITION_LABELS)} columns, got {len(new.variants)}."
        )
    if sorted(new.shown_order) != list(range(len(new.variants))) or len(new.replies) != len(new.variants):
        raise VoteError("The shown order and the replies must cover every variant exactly once.")
    with store.transaction() as conn:
        comparison_id = insert_comparison(conn, new)
    found = get_comparison(store, comparison_id)
    assert found is not None
    return found


@dataclass(frozen=True)
class VoteOutcome:
    comparison: Comparison
    vote: Vote  # the vote that counts (the first one this voter cast on this comparison)
    counted: bool  # False when the voter had already voted and this call changed nothing

    def reveal(self) -> list[tuple[str, str, int | None]]:
        """(position label, variant label, rank or None) for every column, in the order shown."""
        rows = []
        for position, variant in enumerate(self.comparison.shown):
            rank = self.vote.ranking.index(variant.key) + 1 if variant.key in self.vote.ranking else None
            rows.append((position_label(position), variant.label, rank))
        return rows


def cast_vote(store: Store, comparison_id: str, voter: str, ranking: Sequence[str]) -> VoteOutcome:
    """Count `voter`'s ranking (position labels, best first) once; later calls return the first vote."""
    if not voter.strip():
        raise VoteError("The vote has no voter; reload the page and vote again.")
    comparison = get_comparison(store, comparison_id)
    if comparison is None:
        raise VoteError(f"There is no comparison {comparison_id!r}; send a message in blind mode first.")
    keys = ranking_keys(comparison, ranking)
    with store.transaction() as conn:
        counted = insert_vote_once(conn, comparison_id, voter, keys)
        vote = find_vote(conn, comparison_id, voter)
    assert vote is not None
    return VoteOutcome(comparison, vote, counted)


def ranking_keys(comparison: Comparison, ranking: Sequence[str]) -> list[str]:
    """Position labels (best first) -> variant keys, checking each names a column once."""
    shown = comparison.shown
    labels = [position_label(i) for i in range(len(shown))]
    cleaned = [label.strip().upper() for label in ranking if label and label.strip()]
    if not cleaned:
        raise VoteError(f"Pick the best reply ({', '.join(labels)}) before voting.")
    unknown = [label for label in cleaned if label not in labels]
    if unknown:
        raise VoteError(
            f"There is no reply {unknown[0]!r} in this comparison; pick one of {', '.join(labels)}."
        )
    if len(set(cleaned)) != len(cleaned):
        raise VoteError("Each reply can have only one place in the ranking; pick different replies.")
    return [shown[labels.index(label)].key for label in cleaned]


def voter_id(username: str | None, browser_id: str | None) -> str:
    """Who votes: the logged-in user when the studio has logins, else this browser's id."""
    if username:
        return f"user:{username}"
    if browser_id:
        return f"browser:{browser_id}"
    raise VoteError("This browser has no voter id yet; reload the page and vote again.")


def new_browser_id() -> str:
    return uuid.uuid4().hex


def browser_state_secret(store: Store) -> str:
    """The key that encrypts what the studio keeps in browsers; kept in the store so restarts can read it."""
    secret = store.get_setting(BROWSER_SECRET_SETTING)
    if not isinstance(secret, str) or len(secret) < 16:
        secret = secrets.token_urlsafe(24)
        store.set_setting(BROWSER_SECRET_SETTING, secret)
    return secret
