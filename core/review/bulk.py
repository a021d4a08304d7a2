"""Bulk actions on a filtered selection, recorded as a batch that Undo can take back.

    report = bulk_update(store, ExampleQuery(status="pending", intent="confused"), "accept", editor="Ana")
    report.batch_id, report.changed, report.skipped
    undo_batch(store, report.batch_id)        # every example the batch changed gets its previous content back

Each changed example gets a new revision tagged with the batch id, so history stays whole and Undo
is itself a set of new revisions. Undo leaves alone an example edited after the batch (it says how many).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from typing import Literal

from core.review.editing import normalize_tags, write_revision
from core.review.query import ExampleQuery, matching_ids, still_matching
from core.review.records import Example, example_from_row, messages_hash
from core.review.tokens import TokenCounter
from core.review.validation import ValidationRules, check_example
from core.store import Store, from_json, new_id, now

BulkAction = Literal["accept", "reject", "reset", "add_tag", "remove_tag"]
ACTION_STATUS = {"accept": "accepted", "reject": "rejected", "reset": "pending"}
ACTION_WORDS = {
    "accept": "Accepted",
    "reject": "Rejected",
    "reset": "Moved back to pending",
    "import": "Imported",
}
# Writes go in transactions of this many examples, so other editors never wait long for the lock.
CHUNK = 500


@dataclass(frozen=True)
class BulkReport:
    batch_id: str | None
    changed: int
    unchanged: int
    not_ready: int
    message: str
    skipped: int = 0  # picked, but changed by someone else before the write: left as they are


@dataclass(frozen=True)
class Batch:
    id: str
    action: str
    description: str
    example_count: int
    editor: str | None
    created_at: float
    undone_at: float | None


@dataclass(frozen=True)
class UndoReport:
    restored: int
    kept: int
    message: str
    batch_id: str | None = None  # the undo's own batch (itself undoable); None when nothing was restored


def bulk_update(
    store: Store,
    query: ExampleQuery,
    action: BulkAction,
    *,
    tag: str | None = None,
    editor: str | None = None,
    counter: TokenCounter | None = None,
) -> BulkReport:
    """Apply `action` to every example the query matches (all pages). Accept skips examples with problems."""
    if action in ("add_tag", "remove_tag") and not (tag and tag.strip()):
        raise ValueError("Type the tag to add or remove first.")
    # The ids are only candidates: each chunk is re-read inside its write transaction and only the
    # examples that still match (still pending, for accept) change. Another reviewer may have got there
    # first between the two, and their decision must not be overwritten.
    ids = matching_ids(store, query)
    batch_id = new_id("batch")
    description = describe_action(action, tag)
    counts = {"changed": 0, "unchanged": 0, "not_ready": 0, "skipped": 0}
    rules = ValidationRules(counter=counter)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with store.transaction() as conn:
            if start == 0:
                conn.execute(
                    "INSERT INTO example_batches (id, action, description, editor, created_at) VALUES (?, ?, ?, ?, ?)",
                    (batch_id, action, description, editor, now()),
                )
            rows = still_matching(conn, query, chunk)
            counts["skipped"] += len(chunk) - len(rows)
            for row in rows:
                current = example_from_row(row)
                updated = apply_action(current, action, tag)
                if updated == current:
                    counts["unchanged"] += 1
                elif action == "accept" and check_example(current.id, current.messages, rules):
                    counts["not_ready"] += 1
                else:
                    write_revision(
                        conn, current, updated, editor=editor, note=f"bulk: {description}", batch_id=batch_id
                    )
                    counts["changed"] += 1
            conn.execute(
                "UPDATE example_batches SET example_count = ? WHERE id = ?", (counts["changed"], batch_id)
            )
    return BulkReport(
        batch_id if counts["changed"] else None,
        counts["changed"],
        counts["unchanged"],
        counts["not_ready"],
        bulk_message(description, **counts),
        counts["skipped"],
    )


def describe_action(action: str, tag: str | None) -> str:
    if action == "add_tag":
        return f"added the tag {tag!r}"
    if action == "remove_tag":
        return f"removed the tag {tag!r}"
    return ACTION_WORDS.get(action, action).lower()


def apply_action(current: Example, action: BulkAction, tag: str | None) -> Example:
    if action in ACTION_STATUS:
        return replace(current, status=ACTION_STATUS[action])  # type: ignore[arg-type]
    clean = (tag or "").strip()
    tags = [*current.tags, clean] if action == "add_tag" else [t for t in current.tags if t != clean]
    return replace(current, tags=normalize_tags(tags))


def bulk_message(description: str, changed: int, unchanged: int, not_ready: int, skipped: int = 0) -> str:
    text = f"{description.capitalize()}: {changed} example{'s' if changed != 1 else ''}."
    if unchanged:
        text += f" {unchanged} already matched."
    if not_ready:
        text += f" {not_ready} with problems were left as they are (open them to see what to fix)."
    if skipped:
        text += (
            f" {skipped} changed by someone else while this ran no longer matched the filters and were left"
            " as they are (refresh the table to see them)."
        )
    return text


def list_batches(store: Store, *, limit: int = 10, include_undone: bool = False) -> list[Batch]:
    """Recent batches that changed something, newest first."""
    where = "WHERE example_count > 0" + ("" if include_undone else " AND undone_at IS NULL")
    rows = store.query(
        "SELECT id, action, description, example_count, editor, created_at, undone_at FROM example_batches "
        f"{where} ORDER BY created_at DESC LIMIT ?",
        (limit,),
    )
    return [Batch(**{key: row[key] for key in row.keys()}) for row in rows]  # noqa: SIM118


def undo_batch(store: Store, batch_id: str, *, editor: str | None = None) -> UndoReport:
    """Give every example the batch changed its content from before the batch, as a new revision.

    Everything is decided inside the write transaction: a second Undo of the same batch (another tab,
    the CLI) finds it already undone, and an example edited since the batch is kept as it is."""
    undo_id = new_id("batch")
    restored = kept = 0
    with store.transaction() as conn:
        batch = conn.execute("SELECT * FROM example_batches WHERE id = ?", (batch_id,)).fetchone()
        if batch is None:
            raise LookupError(f"No bulk action {batch_id} to undo; pick one from the list.")
        if batch["undone_at"] is not None:
            return UndoReport(0, 0, f"That action ({batch['description']}) was already undone.")
        conn.execute(
            "INSERT INTO example_batches (id, action, description, editor, created_at) VALUES (?, 'undo', ?, ?, ?)",
            (undo_id, f"undid: {batch['description']}", editor, now()),
        )
        entries = conn.execute(
            "SELECT example_id, revision FROM example_revisions WHERE batch_id = ? ORDER BY example_id",
            (batch_id,),
        ).fetchall()
        for entry in entries:
            current = example_from_row(
                conn.execute("SELECT * FROM examples WHERE id = ?", (entry[0],)).fetchone()
            )
            if current.revision != entry[1]:
                kept += 1
                continue
            write_revision(
                conn,
                current,
                previous_content(conn, current),
                editor=editor,
                note=f"undo: {batch['description']}",
                batch_id=undo_id,
            )
            restored += 1
        conn.execute("UPDATE example_batches SET example_count = ? WHERE id = ?", (restored, undo_id))
        conn.execute(
            "UPDATE example_batches SET undone_at = ?, undone_by = ? WHERE id = ?", (now(), undo_id, batch_id)
        )
    message = f"Undid “{batch['description']}” on {restored} example{'s' if restored != 1 else ''}."
    if kept:
        message += f" {kept} edited since then were left as they are."
    return UndoReport(restored, kept, message, undo_id if restored else None)


def previous_content(conn: sqlite3.Connection, current: Example) -> Example:
    """The example as it was before its current revision; an example the batch created becomes rejected."""
    row = conn.execute(
        "SELECT * FROM example_revisions WHERE example_id = ? AND revision = ?",
        (current.id, current.revision - 1),
    ).fetchone()
    if row is None:
        return replace(current, status="rejected")
    messages = from_json(row["messages"], [])
    return replace(
        current,
        messages=messages,
        content_hash=messages_hash(messages),
        status=row["status"],
        tags=from_json(row["tags"], []),
        intent=row["intent"],
        reference_answer=row["reference_answer"],
    )
