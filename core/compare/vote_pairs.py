"""What votes become: preference pairs for DPO, and pending review examples from the winning replies.

    report = export_preference_pairs(store, workspace)   # exports/preference_pairs_<time>.jsonl
    made = make_review_examples(store)                   # winning replies -> pending examples (origin "compare")

Pairs use TRL's conversational preference format, which `DPOTrainer` reads as is:
    {"prompt": [{"role": "user", "content": ...}], "chosen": [{"role": "assistant", ...}], "rejected": [...]}
The prompt carries no system prompt: the adapter is trained and served without the long policy.
Which comparison, vote and variants each pair came from goes in a sidecar `.meta.jsonl`, line for line.
A pair is core.train.pairs.PreferencePair, the one type every source of preference pairs makes.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.compare.leaderboard import vote_outcomes
from core.compare.records import Comparison, Vote, set_vote_example, votes_with_comparisons
from core.paths import Workspace, write_atomic
from core.review.records import NewExample, insert_examples
from core.store import Store
from core.train.pairs import PreferencePair

ORIGIN = "compare"


@dataclass(frozen=True)
class PairsExport:
    path: Path | None  # None when there was nothing to export
    meta_path: Path | None
    pairs: int
    votes: int
    skipped: int  # pairs left out because both replies were the same or one was empty

    @property
    def message(self) -> str:
        if self.path is None:
            return "No preference pairs yet: vote on blind comparisons first (turn on Blind mode and send a message)."
        skipped = f" ({self.skipped} left out: identical or empty replies)" if self.skipped else ""
        votes = f"{self.votes} vote{'s' if self.votes != 1 else ''}"
        return f"Exported {self.pairs} preference pairs from {votes}{skipped} to {self.path}."


def preference_pairs(store: Store) -> tuple[list[PreferencePair], int, int]:
    """Every (better, worse) pair the votes imply; also the vote count and how many pairs were skipped."""
    pairs, skipped = [], 0
    voted = votes_with_comparisons(store)
    for index, (vote, comparison) in enumerate(voted):
        for outcome in vote_outcomes(index, vote, comparison):
            chosen, rejected = comparison.reply_of(outcome.winner), comparison.reply_of(outcome.loser)
            if not chosen.strip() or not rejected.strip() or chosen.strip() == rejected.strip():
                skipped += 1
                continue
            meta = {
                "comparison_id": comparison.id,
                "vote_id": vote.id,
                "chosen_variant": outcome.winner,
                "rejected_variant": outcome.loser,
                "base_model": comparison.base_model,
            }
            origin = f"{vote.id}:{outcome.winner}>{outcome.loser}"
            pairs.append(PreferencePair(comparison.prompt, chosen, rejected, "votes", origin, meta))
    return pairs, len(voted), skipped


def export_preference_pairs(store: Store, workspace: Workspace, name: str | None = None) -> PairsExport:
    """Write the pairs (and their sidecar) into the workspace's export folder."""
    pairs, votes, skipped = preference_pairs(store)
    if not pairs:
        return PairsExport(None, None, 0, votes, skipped)
    stem = name or time.strftime("preference_pairs_%Y%m%d_%H%M%S")
    path = workspace.exports_dir / f"{stem}.jsonl"
    meta_path = workspace.exports_dir / f"{stem}.meta.jsonl"
    write_atomic(path, _jsonl(p.record() for p in pairs))
    write_atomic(meta_path, _jsonl(p.meta for p in pairs))
    return PairsExport(path, meta_path, len(pairs), votes, skipped)


def _jsonl(records: Any) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


@dataclass(frozen=True)
class ReviewExamplesReport:
    created: list[str] = field(default_factory=list)  # new example ids
    already: int = 0  # votes whose winning reply was already turned into an example

    @property
    def message(self) -> str:
        if not self.created and not self.already:
            return (
                "No votes yet: vote on blind comparisons first, then make review examples from the winners."
            )
        if not self.created:
            return f"Nothing new: the winning replies of all {self.already} votes are already in Review."
        return (
            f"Added {len(self.created)} conversation{'s' if len(self.created) != 1 else ''} to Review as pending "
            "examples (the winning replies). "
            "Check and accept them there before the next training run."
        )


def make_review_examples(store: Store, editor: str | None = None) -> ReviewExamplesReport:
    """One pending example per comparison and winning variant; votes remember it, so a rerun adds nothing."""
    groups: dict[tuple[str, str], list[Vote]] = {}
    comparisons: dict[str, Comparison] = {}
    already = 0
    for vote, comparison in votes_with_comparisons(store):
        if vote.example_id is not None:
            already += 1
        elif vote.ranking and comparison.reply_of(vote.ranking[0]).strip():
            groups.setdefault((comparison.id, vote.ranking[0]), []).append(vote)
            comparisons[comparison.id] = comparison
    created: list[str] = []
    with store.transaction() as conn:
        for (comparison_id, winner), votes in groups.items():
            example = _winner_example(comparisons[comparison_id], winner)
            example_id = insert_examples(conn, [example], editor=editor)[0]
            for vote in votes:
                set_vote_example(conn, vote.id, example_id)
            created.append(example_id)
    return ReviewExamplesReport(created, already)


def _winner_example(comparison: Comparison, winner: str) -> NewExample:
    reply = comparison.reply_of(winner)
    return NewExample(
        messages=[*comparison.prompt, {"role": "assistant", "content": reply}],
        origin=ORIGIN,
        status="pending",
        teacher=comparison.label_of(winner),
        tags=["compare", "blind-vote-winner"],
        question=comparison.message,
    )
