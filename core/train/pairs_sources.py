"""Where preference pairs come from: votes in Compare, leaks caught in Generate, edits made in Review.

    found = collect_pairs(store, sources=("votes", "leaks", "edits"))
    found.items                   # [PreferencePair, ...], deduplicated, in a stable order
    found.counts, found.skipped   # per source: pairs made / candidates left out

- votes: every (better, worse) reply pair a blind vote implies (core.compare.vote_pairs, the Compare stage's rule).
- leaks: each conversation the leak filter rejected keeps its text (generation_items.payload); its leaking
  tutor turn is the rejected reply, and a Socratic rewrite of that turn the chosen one (socratic.py).
- edits: an accepted example whose tutor turn a reviewer rewrote: the edited turn (current revision) is
  chosen over the original (revision 1), after the conversation as the reviewer left it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from core.compare.vote_pairs import preference_pairs
from core.evaluate.behaviour.leaks import answer_key, find_leak
from core.evaluate.behaviour.normalise import collapse
from core.store import Store, from_json
from core.train.pairs import SOURCES, Message, PreferencePair, dedupe, without_system
from core.train.pairs_socratic import socratic_reply

LEAK_TURN = re.compile(r"tutor turn (\d+) states the answer")


@dataclass(frozen=True)
class FoundPairs:
    items: list[PreferencePair]
    counts: dict[str, int] = field(default_factory=dict)  # pairs kept, per source
    skipped: dict[str, int] = field(default_factory=dict)  # candidates that made no usable pair, per source
    duplicates: int = 0


def collect_pairs(store: Store, sources: Iterable[str] = SOURCES) -> FoundPairs:
    """Every usable pair of the chosen sources, each pair once."""
    chosen = [s for s in SOURCES if s in set(sources)]
    unknown = set(sources) - set(SOURCES)
    if unknown:
        raise ValueError(
            f"Unknown preference source(s) {', '.join(sorted(unknown))}: use {', '.join(SOURCES)}."
        )
    readers = {"votes": vote_pairs, "leaks": leak_pairs, "edits": edit_pairs}
    items: list[PreferencePair] = []
    skipped: dict[str, int] = {}
    for source in chosen:
        found, missed = readers[source](store)
        items += found
        skipped[source] = missed
    kept, duplicates = dedupe(items)
    counts: dict[str, int] = {s: sum(1 for item in kept if item.source == s) for s in chosen}
    return FoundPairs(kept, counts, skipped, duplicates)


def vote_pairs(store: Store) -> tuple[list[PreferencePair], int]:
    pairs, _votes, skipped = preference_pairs(store)
    items = [
        replace(
            pair,
            prompt=without_system(pair.prompt),
            meta={"comparison_id": pair.meta["comparison_id"], "vote_id": pair.meta["vote_id"]},
        )
        for pair in pairs
    ]
    return items, skipped


def leak_pairs(store: Store) -> tuple[list[PreferencePair], int]:
    rows = store.query(
        "SELECT run_id, chunk_id, slot, payload FROM generation_items "
        "WHERE state = 'filtered' AND reason = 'answer_leak' AND payload IS NOT NULL "
        "ORDER BY run_id, position"
    )
    items, skipped = [], 0
    for row in rows:
        origin = f"{row['run_id']}:{row['chunk_id']}:{row['slot']}"
        item = leak_item(from_json(row["payload"], {}), origin, row["chunk_id"])
        if item is None:
            skipped += 1
        else:
            items.append(item)
    return items, skipped


def leak_item(payload: dict[str, object], origin: str, chunk_id: str) -> PreferencePair | None:
    """The pair of one rejected conversation, or None when its leaking turn cannot be found or rewritten."""
    messages = payload.get("messages")
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        return None
    key = answer_key(str(payload.get("reference_answer") or ""), str(payload.get("question") or ""))
    index = leak_index(messages, payload.get("verdicts"), key)
    if index is None:
        return None
    rejected = str(messages[index].get("content", ""))
    chosen = socratic_reply(rejected, key, seed=origin)
    if chosen is None:
        return None
    meta = {"chunk_id": chunk_id, "intent": payload.get("intent"), "turn": index}
    return PreferencePair(without_system(messages[:index]), chosen, rejected, "leaks", origin, meta)


def leak_index(messages: list[Message], verdicts: object, key: object) -> int | None:
    """The leaking tutor turn: as the filter recorded it, else found again with the same rule."""
    detail = ""
    if isinstance(verdicts, dict) and isinstance(verdicts.get("answer_leak"), dict):
        detail = str(verdicts["answer_leak"].get("detail") or "")
    match = LEAK_TURN.search(detail)
    if match:
        index = int(match.group(1)) - 1
        if 0 < index < len(messages) and messages[index].get("role") == "assistant":
            return index
    leak = find_leak(messages, key)  # type: ignore[arg-type]
    return leak.turn if leak is not None and leak.turn > 0 else None


def edit_pairs(store: Store) -> tuple[list[PreferencePair], int]:
    rows = store.query(
        "SELECT e.id, e.revision, e.messages, e.chunk_id, e.intent, r.messages AS original "
        "FROM examples e JOIN example_revisions r ON r.example_id = e.id AND r.revision = 1 "
        "WHERE e.status = 'accepted' AND e.revision > 1 AND r.content_hash IS NOT e.content_hash "
        "ORDER BY e.created_at, e.id"
    )
    items, skipped = [], 0
    for row in rows:
        found = edited_turns(from_json(row["original"], []), from_json(row["messages"], []))
        meta = {"example_id": row["id"], "revision": row["revision"], "chunk_id": row["chunk_id"]}
        for index, (prompt, chosen, rejected) in enumerate(found):
            origin = f"{row['id']}:r1>r{row['revision']}:{index}"
            item_meta = meta | {"intent": row["intent"]}
            items.append(PreferencePair(prompt, chosen, rejected, "edits", origin, item_meta))
        skipped += 0 if found else 1
    return items, skipped


def edited_turns(original: list[Message], current: list[Message]) -> list[tuple[list[Message], str, str]]:
    """(prompt, edited turn, original turn) for each tutor turn the reviewer rewrote, while the student turns
    before it are unchanged (a changed student turn makes the rest a different conversation)."""
    first, last = without_system(original), without_system(current)
    found = []
    for index, (old, new) in enumerate(zip(first, last, strict=False)):
        if old["role"] != new["role"]:
            break
        if old["role"] == "user" and collapse(old["content"]) != collapse(new["content"]):
            break
        if old["role"] == "assistant" and index > 0 and collapse(old["content"]) != collapse(new["content"]):
            found.append((last[:index], new["content"], old["content"]))
    return found


def describe_sources(counts: dict[str, int]) -> str:
    """ "12 from votes, 3 from leaks" in words."""
    parts = [f"{n} from {source}" for source, n in counts.items() if n]
    return ", ".join(parts) or "none"
