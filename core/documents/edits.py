"""Chunk edits (exclude or include, merge with the next, split) .
Each edit is saved at once, in one transaction.

    report = edit_chunk(store, workspace, chunk_id, "merge")        # what the Documents tab calls
    report.message, report.detail.chunks, report.chunk_id
    split_points(chunk.text)                                        # where a chunk may be split

A merge or split never changes or deletes a chunk: it retires the old ones (retired_at) and inserts
new ones whose `derived_from` lists them, so examples generated from the old chunks keep their link.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Literal

from core.documents.overview import DocumentDetail, document_detail
from core.documents.records import (
    Chunk,
    chunk_from_row,
    get_chunk,
    get_document,
    insert_chunks,
    retire_chunks,
)
from core.documents.tokens import TextTokenCounter, text_token_counter
from core.paths import Workspace
from core.store import Store

ChunkAction = Literal["exclude", "include", "merge", "split"]
SENTENCE_START = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(“])")
PREVIEW_WORDS = 8


class ChunkEditError(ValueError):
    """An edit that cannot be made; the message says why and what to do instead."""


@dataclass(frozen=True)
class SplitPoint:
    """A place a chunk can be split: the character offset where the second part starts."""

    offset: int
    label: str


@dataclass(frozen=True)
class ChunkEditReport:
    detail: DocumentDetail
    message: str
    chunk_id: str | None  # the chunk to keep selected (the merged one, or the first half of a split)


@dataclass(frozen=True)
class ChunkView:
    """A chunk as the editor shows it, with the places it can be split."""

    chunk: Chunk
    split_points: list[SplitPoint]


def describe_chunk(store: Store, chunk_id: str) -> ChunkView:
    chunk = get_chunk(store, chunk_id)
    if chunk is None:
        raise ChunkEditError(f"No chunk with id {chunk_id!r}. Pick a chunk from the list.")
    return ChunkView(chunk, split_points(chunk.text))


def edit_chunk(
    store: Store, workspace: Workspace, chunk_id: str, action: ChunkAction, split_at: int | None = None
) -> ChunkEditReport:
    """Apply one edit and return the document as it is now, with a sentence saying what changed."""
    if action in ("exclude", "include"):
        chunk = set_chunk_excluded(store, chunk_id, action == "exclude")
        message = (
            "Excluded: this chunk will not be used to generate conversations."
            if chunk.excluded
            else "Included: this chunk will be used to generate conversations."
        )
        selected = chunk.id
    elif action == "merge":
        chunk = merge_with_next(store, workspace, chunk_id)
        message, selected = f"Merged into one chunk of {chunk.token_count} tokens.", chunk.id
    else:
        if split_at is None:
            raise ChunkEditError("Choose where to split the chunk first (the 'Split before' list).")
        chunk, second = split_chunk(store, workspace, chunk_id, split_at)
        message = f"Split into two chunks of {chunk.token_count} and {second.token_count} tokens."
        selected = chunk.id
    return ChunkEditReport(document_detail(store, workspace, chunk.document_id), message, selected)


def set_chunk_excluded(store: Store, chunk_id: str, excluded: bool) -> Chunk:
    """Leave a chunk out of generation (or bring it back)."""
    with store.transaction() as conn:
        chunk = _active_chunk(conn, chunk_id)
        conn.execute("UPDATE chunks SET excluded = ? WHERE id = ?", (int(excluded), chunk.id))
        return _chunk(conn, chunk.id)


def merge_with_next(store: Store, workspace: Workspace, chunk_id: str) -> Chunk:
    """Replace a chunk and the one after it with one chunk holding both texts."""
    counter = _counter(store, workspace, chunk_id)
    with store.transaction() as conn:
        first = _active_chunk(conn, chunk_id)
        second = _neighbour(conn, first)
        if second is None:
            raise ChunkEditError(
                "This is the last chunk of the document: there is no next chunk to merge it with."
            )
        heading, text = _merged_text(first, second)
        retire_chunks(conn, [first.id, second.id])
        (new_id,) = insert_chunks(
            conn,
            first.document_id,
            [(heading, text, counter.count(text))],
            start_position=first.position,
            derived_from=[first.id, second.id],
        )
        conn.execute(
            "UPDATE chunks SET excluded = ? WHERE id = ?", (int(first.excluded and second.excluded), new_id)
        )
        return _chunk(conn, new_id)


def split_chunk(store: Store, workspace: Workspace, chunk_id: str, at: int) -> tuple[Chunk, Chunk]:
    """Replace a chunk with two: its text before character `at`, and from `at` on."""
    counter = _counter(store, workspace, chunk_id)
    with store.transaction() as conn:
        chunk = _active_chunk(conn, chunk_id)
        before, after = chunk.text[:at].strip(), chunk.text[at:].strip()
        if not before or not after or not 0 < at < len(chunk.text):
            raise ChunkEditError("Pick a split point inside the chunk, so that both parts keep some text.")
        after = _with_table_header(chunk.text, at, after)
        following = _neighbour(conn, chunk)
        gap = (following.position - chunk.position) if following else 1.0
        retire_chunks(conn, [chunk.id])
        ids = [
            insert_chunks(
                conn,
                chunk.document_id,
                [(chunk.heading_path, part, counter.count(part))],
                start_position=chunk.position + offset * gap / 2,
                derived_from=[chunk.id],
            )[0]
            for offset, part in enumerate((before, after))
        ]
        conn.executemany(
            "UPDATE chunks SET excluded = ? WHERE id = ?", [(int(chunk.excluded), i) for i in ids]
        )
        return _chunk(conn, ids[0]), _chunk(conn, ids[1])


def split_points(text: str) -> list[SplitPoint]:
    """Where a chunk may be split: before each paragraph, list item or table row, and each sentence."""
    offsets: dict[int, str] = {}
    for match in re.finditer(r"\n+", text):
        offsets.setdefault(match.end(), "paragraph")
    for match in SENTENCE_START.finditer(text):
        offsets.setdefault(match.end(), "sentence")
    points = []
    for offset in sorted(o for o in offsets if 0 < o < len(text) and text[o:].strip()):
        words = " ".join(text[offset:].split("\n", 1)[0].split()[:PREVIEW_WORDS])
        points.append(SplitPoint(offset, f"Before {offsets[offset]}: “{words} …”"))
    return points


def _active_chunk(conn: sqlite3.Connection, chunk_id: str) -> Chunk:
    row = conn.execute(
        "SELECT c.*, d.deleted_at AS doc_deleted FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?",
        (chunk_id,),
    ).fetchone()
    if row is None:
        raise ChunkEditError(f"No chunk with id {chunk_id!r}. Pick a chunk from the list.")
    if row["doc_deleted"] is not None:
        raise ChunkEditError("This document is deleted. Restore it first, then edit its chunks.")
    if row["retired_at"] is not None:
        raise ChunkEditError("This chunk was already merged or split; pick one from the refreshed list.")
    return _chunk(conn, chunk_id)


def _chunk(conn: sqlite3.Connection, chunk_id: str) -> Chunk:
    return chunk_from_row(conn.execute("SELECT * FROM chunks WHERE id = ?", (chunk_id,)).fetchone())


def _neighbour(conn: sqlite3.Connection, chunk: Chunk) -> Chunk | None:
    row = conn.execute(
        "SELECT * FROM chunks WHERE document_id = ? AND retired_at IS NULL AND position > ? ORDER BY position LIMIT 1",
        (chunk.document_id, chunk.position),
    ).fetchone()
    return None if row is None else chunk_from_row(row)


def _merged_text(first: Chunk, second: Chunk) -> tuple[list[str], str]:
    """The common heading path; headings the two do not share go into the text so no context is lost."""
    common: list[str] = []
    for a, b in zip(first.heading_path, second.heading_path, strict=False):
        if a != b:
            break
        common.append(a)

    def body(chunk: Chunk) -> str:
        extra = chunk.heading_path[len(common) :]
        return "\n".join([*extra, chunk.text])

    return common, f"{body(first)}\n\n{body(second)}"


def _with_table_header(text: str, at: int, after: str) -> str:
    """Splitting a Markdown table between rows repeats its header, so the second part is a table too."""
    lines = text.splitlines()
    header = lines[:2]
    is_table = len(lines) >= 3 and all(line.lstrip().startswith("|") for line in lines)
    if is_table and at > len("\n".join(header)) and not after.startswith(header[0]):
        return "\n".join([*header, after])
    return after


def _counter(store: Store, workspace: Workspace, chunk_id: str) -> TextTokenCounter:
    """The tokenizer the chunk's document was chunked with, so edited chunks count the same way.
    Loaded before the edit's transaction: building the tiny tokenizer must not hold the write lock."""
    chunk = get_chunk(store, chunk_id)
    if chunk is None:
        raise ChunkEditError(f"No chunk with id {chunk_id!r}. Pick a chunk from the list.")
    document = get_document(store, chunk.document_id)
    return text_token_counter(store, workspace, prefer=document.tokenizer if document else None)
