"""Typed access to the `documents` and `chunks` tables (the contract other stages read chunks through)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Literal

from core.store import Store, from_json, new_id, now, to_json

DocumentStatus = Literal["queued", "converting", "ready", "error"]


@dataclass(frozen=True)
class Document:
    id: str
    name: str
    file_type: str
    sha256: str
    size_bytes: int
    source_path: str
    markdown_path: str | None
    pages: int | None
    pipeline: str | None
    status: DocumentStatus
    warning: str | None
    error: str | None
    job_id: str | None
    created_at: float
    updated_at: float
    deleted_at: float | None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


@dataclass(frozen=True)
class Chunk:
    id: str
    document_id: str
    position: float
    heading_path: list[str]
    text: str
    token_count: int
    excluded: bool
    derived_from: list[str]
    retired_at: float | None
    created_at: float

    @property
    def heading(self) -> str:
        return " > ".join(self.heading_path)


def document_from_row(row: sqlite3.Row) -> Document:
    return Document(**{key: row[key] for key in row.keys()})


def chunk_from_row(row: sqlite3.Row) -> Chunk:
    values: dict[str, Any] = {key: row[key] for key in row.keys()}
    values["heading_path"] = from_json(values["heading_path"], [])
    values["derived_from"] = from_json(values["derived_from"], [])
    values["excluded"] = bool(values["excluded"])
    return Chunk(**values)


def insert_document(
    conn: sqlite3.Connection,
    *,
    name: str,
    file_type: str,
    sha256: str,
    size_bytes: int,
    source_path: str,
    status: DocumentStatus = "queued",
    document_id: str | None = None,
) -> str:
    """Insert a document row inside the caller's transaction; returns its id."""
    doc_id = document_id or new_id("doc")
    stamp = now()
    conn.execute(
        "INSERT INTO documents (id, name, file_type, sha256, size_bytes, source_path, status, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (doc_id, name, file_type, sha256, size_bytes, source_path, status, stamp, stamp),
    )
    return doc_id


def get_document(store: Store, document_id: str) -> Document | None:
    row = store.query_one("SELECT * FROM documents WHERE id = ?", (document_id,))
    return None if row is None else document_from_row(row)


def find_document_by_hash(store: Store, sha256: str) -> Document | None:
    row = store.query_one("SELECT * FROM documents WHERE sha256 = ?", (sha256,))
    return None if row is None else document_from_row(row)


def list_documents(store: Store, *, include_deleted: bool = False) -> list[Document]:
    where = "" if include_deleted else "WHERE deleted_at IS NULL"
    return [document_from_row(r) for r in store.query(f"SELECT * FROM documents {where} ORDER BY created_at")]


def insert_chunks(
    conn: sqlite3.Connection,
    document_id: str,
    chunks: list[tuple[list[str], str, int]],
    *,
    start_position: float = 0.0,
    derived_from: list[str] | None = None,
) -> list[str]:
    """Insert (heading_path, text, token_count) chunks in order, inside the caller's transaction."""
    ids = []
    stamp = now()
    for offset, (heading_path, text, token_count) in enumerate(chunks):
        chunk_id = new_id("chk")
        conn.execute(
            "INSERT INTO chunks (id, document_id, position, heading_path, text, token_count, derived_from, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                chunk_id,
                document_id,
                start_position + offset,
                to_json(heading_path),
                text,
                token_count,
                to_json(derived_from or []),
                stamp,
            ),
        )
        ids.append(chunk_id)
    return ids


def get_chunk(store: Store, chunk_id: str) -> Chunk | None:
    row = store.query_one("SELECT * FROM chunks WHERE id = ?", (chunk_id,))
    return None if row is None else chunk_from_row(row)


def list_chunks(
    store: Store,
    *,
    document_ids: list[str] | None = None,
    include_excluded: bool = True,
    include_retired: bool = False,
) -> list[Chunk]:
    """Chunks in reading order. Retired chunks (replaced by a merge or split) are hidden by default;
    chunks of soft-deleted documents are left out."""
    clauses = ["d.deleted_at IS NULL"]
    params: list[Any] = []
    if document_ids is not None:
        clauses.append(f"c.document_id IN ({','.join('?' * len(document_ids))})")
        params.extend(document_ids)
    if not include_excluded:
        clauses.append("c.excluded = 0")
    if not include_retired:
        clauses.append("c.retired_at IS NULL")
    rows = store.query(
        "SELECT c.* FROM chunks c JOIN documents d ON d.id = c.document_id "
        f"WHERE {' AND '.join(clauses)} ORDER BY d.created_at, c.document_id, c.position",
        params,
    )
    return [chunk_from_row(row) for row in rows]
