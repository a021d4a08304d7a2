"""Typed access to `comparisons` and `votes`: what the Compare tab, the leaderboard and exports read.

A comparison is one student message answered by several variants, shown in a shuffled order (A, B,
C ...) whose seed and result are stored, so a vote cast on "B" can always be traced to its variant.
A vote is a ranking of variant keys, best first; a vote that only names the best reply is a ranking
of length one. One vote per voter and comparison: the table's UNIQUE constraint enforces it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from core.inference.backend import Usage
from core.store import Store, from_json, new_id, now, to_json

Message = dict[str, str]


@dataclass(frozen=True)
class ShownVariant:
    """A contestant of a comparison: its key ("base", "prompted", "adapter:ID") and its readable label."""

    key: str
    label: str


@dataclass(frozen=True)
class Comparison:
    id: str
    message: str
    prompt: list[Message]  # what every variant answered, without any variant's system prompt
    variants: list[ShownVariant]  # in the order the user picked them
    shown_order: list[int]  # shown_order[position] = index into `variants` shown as A, B, C ...
    seed: int
    replies: list[str]  # in `variants` order
    usage: list[dict[str, Any]]
    settings: dict[str, Any]
    base_model: str
    creator: str | None
    created_at: float

    @property
    def shown(self) -> list[ShownVariant]:
        """The variants in the order shown (A first)."""
        return [self.variants[i] for i in self.shown_order]

    def reply_of(self, key: str) -> str:
        return self.replies[self.keys.index(key)]

    @property
    def keys(self) -> list[str]:
        return [v.key for v in self.variants]

    def label_of(self, key: str) -> str:
        return self.variants[self.keys.index(key)].label

    def usage_shown_at(self, position: int) -> Usage | None:
        """The token counts and timings of the reply shown at `position` (A = 0); None if unrecorded."""
        data = self.usage[self.shown_order[position]] if self.usage else {}
        return Usage(**data) if data else None


@dataclass(frozen=True)
class Vote:
    id: str
    comparison_id: str
    voter: str
    ranking: list[str]  # variant keys, best first
    example_id: str | None
    created_at: float


@dataclass(frozen=True)
class NewComparison:
    message: str
    prompt: list[Message]
    variants: list[ShownVariant]
    shown_order: list[int]
    seed: int
    replies: list[str]
    base_model: str
    usage: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    creator: str | None = None


def comparison_from_row(row: sqlite3.Row) -> Comparison:
    return Comparison(
        id=row["id"],
        message=row["message"],
        prompt=from_json(row["prompt"], []),
        variants=[ShownVariant(**v) for v in from_json(row["variants"], [])],
        shown_order=from_json(row["shown_order"], []),
        seed=row["seed"],
        replies=from_json(row["replies"], []),
        usage=from_json(row["usage"], []),
        settings=from_json(row["settings"], {}),
        base_model=row["base_model"],
        creator=row["creator"],
        created_at=row["created_at"],
    )


def vote_from_row(row: sqlite3.Row) -> Vote:
    return Vote(
        id=row["id"],
        comparison_id=row["comparison_id"],
        voter=row["voter"],
        ranking=from_json(row["ranking"], []),
        example_id=row["example_id"],
        created_at=row["created_at"],
    )


def insert_comparison(conn: sqlite3.Connection, new: NewComparison) -> str:
    comparison_id = new_id("cmp")
    conn.execute(
        "INSERT INTO comparisons (id, message, prompt, variants, shown_order, seed, replies, usage, settings, "
        "base_model, creator, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            comparison_id,
            new.message,
            to_json(new.prompt),
            to_json([{"key": v.key, "label": v.label} for v in new.variants]),
            to_json(new.shown_order),
            new.seed,
            to_json(new.replies),
            to_json(new.usage),
            to_json(new.settings),
            new.base_model,
            new.creator,
            now(),
        ),
    )
    return comparison_id


def get_comparison(store: Store, comparison_id: str) -> Comparison | None:
    row = store.query_one("SELECT * FROM comparisons WHERE id = ?", (comparison_id,))
    return None if row is None else comparison_from_row(row)


def insert_vote_once(conn: sqlite3.Connection, comparison_id: str, voter: str, ranking: list[str]) -> bool:
    """Insert the vote unless this voter already voted on this comparison; True when it was new."""
    cursor = conn.execute(
        "INSERT INTO votes (id, comparison_id, voter, ranking, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (comparison_id, voter) DO NOTHING",
        (new_id("vote"), comparison_id, voter, to_json(ranking), now()),
    )
    return cursor.rowcount == 1


def find_vote(conn: sqlite3.Connection, comparison_id: str, voter: str) -> Vote | None:
    row = conn.execute(
        "SELECT * FROM votes WHERE comparison_id = ? AND voter = ?", (comparison_id, voter)
    ).fetchone()
    return None if row is None else vote_from_row(row)


def list_votes(store: Store) -> list[Vote]:
    """Oldest first."""
    return [vote_from_row(r) for r in store.query("SELECT * FROM votes ORDER BY created_at, id")]


def votes_with_comparisons(store: Store) -> list[tuple[Vote, Comparison]]:
    """Every vote with the comparison it was cast on, oldest first."""
    rows = store.query(
        "SELECT v.id AS vote_id, v.voter, v.ranking AS vote_ranking, v.example_id, v.created_at AS voted_at, "
        "c.* FROM votes v JOIN comparisons c ON c.id = v.comparison_id ORDER BY v.created_at, v.id"
    )
    pairs = []
    for row in rows:
        vote = Vote(
            row["vote_id"],
            row["id"],
            row["voter"],
            from_json(row["vote_ranking"], []),
            row["example_id"],
            row["voted_at"],
        )
        pairs.append((vote, comparison_from_row(row)))
    return pairs


def set_vote_example(conn: sqlite3.Connection, vote_id: str, example_id: str) -> None:
    conn.execute("UPDATE votes SET example_id = ? WHERE id = ?", (example_id, vote_id))
