"""Typed access to the `documents` and `chunks` tables (the contract other stages read chunks through).

    doc = get_document(store, "doc_1a2b3c4d5e")
    chunks = list_chunks(store, document_ids=[doc.id], include_excluded=False)   # what Generate uses
    original_path(workspace, doc), markdown_file(workspace, doc)                 # the files on disk

Chunks are never deleted: a merge or split retires the old ones (retired_at) and inserts new ones whose
`derived_from` names them, so an example that points at an old chunk id keeps a working link.
Paths are stored relative to the workspace root, so a workspace folder can be moved.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core.paths import Workspace
from core.store import Store, from_json, new_id, now, to_json

DocumentStatus = Literal["queued", "converting", "ready", "error"]
# Columns a conversion or an edit may change; everything else is fixed when the row is inserted.
UPDATABLE_COLUMNS = frozenset(
    {
        "markdown_path",
        "pages",
        "pipeline",
        "status",
        "warning",
        "error",
        "job_id",
        "chunk_tokens",
        "tokenizer",
    }
)


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
    chunk_tokens: int | None = None  # the target chunk size it was chunked with
    tokenizer: str | None = None  # whose tokenizer counted its tokens ("tiny" or a base model name)

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
    return Document(**{key: row[key] for key in row.keys()})  # noqa: SIM118 (a Row iterates values)


def chunk_from_row(row: sqlite3.Row) -> Chunk:
    values: dict[str, Any] = {key: row[key] for key in row.keys()}  # noqa: SIM118
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
    include_deleted_documents: bool = False,
) -> list[Chunk]:
    """Chunks in reading order. Retired chunks (replaced by a merge or split) are hidden by default;
    chunks of soft-deleted documents are left out unless asked for (the Documents tab shows them)."""
    clauses = [] if include_deleted_documents else ["d.deleted_at IS NULL"]
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
        f"WHERE {' AND '.join(clauses) or '1'} ORDER BY d.created_at, c.document_id, c.position",
        params,
    )
    return [chunk_from_row(row) for row in rows]


def update_document(conn: sqlite3.Connection, document_id: str, **fields: Any) -> None:
    """Change a document's conversion fields inside the caller's transaction (updated_at follows)."""
    unknown = set(fields) - UPDATABLE_COLUMNS
    if unknown:
        raise ValueError(f"Not an updatable document column: {sorted(unknown)}")
    assignments = ", ".join(f"{column} = ?" for column in fields)
    conn.execute(
        f"UPDATE documents SET {assignments}, updated_at = ? WHERE id = ?",
        (*fields.values(), now(), document_id),
    )


def set_document_deleted(store: Store, document_id: str, deleted: bool) -> Document:
    """Soft-delete (deleted_at set) or restore (cleared) a document; its chunks and files stay."""
    with store.transaction() as conn:
        changed = conn.execute(
            "UPDATE documents SET deleted_at = ?, updated_at = ? WHERE id = ?",
            (now() if deleted else None, now(), document_id),
        ).rowcount
    document = get_document(store, document_id)
    if not changed or document is None:
        raise KeyError(f"No document with id {document_id!r}.")
    return document


def retire_chunks(conn: sqlite3.Connection, chunk_ids: list[str]) -> None:
    """Mark chunks as replaced (by a merge, split or re-chunk) inside the caller's transaction."""
    stamp = now()
    conn.executemany(
        "UPDATE chunks SET retired_at = ? WHERE id = ? AND retired_at IS NULL",
        [(stamp, i) for i in chunk_ids],
    )


def chunk_counts(store: Store) -> dict[str, tuple[int, int]]:
    """{document id: (active chunks, of which excluded)} for every document that has chunks."""
    rows = store.query(
        "SELECT document_id, COUNT(*) AS total, SUM(excluded) AS excluded FROM chunks "
        "WHERE retired_at IS NULL GROUP BY document_id"
    )
    return {row["document_id"]: (int(row["total"]), int(row["excluded"] or 0)) for row in rows}


def resolve_workspace_path(workspace: Workspace, stored: str) -> Path:
    """A stored path (relative to the workspace root, or absolute) as an absolute path."""
    path = Path(stored)
    return path if path.is_absolute() else workspace.root / path


def original_path(workspace: Workspace, document: Document) -> Path:
    """The stored copy of the file the user uploaded."""
    return resolve_workspace_path(workspace, document.source_path)


def markdown_file(workspace: Workspace, document: Document) -> Path | None:
    """The converted markdown, None until the conversion has finished."""
    return resolve_workspace_path(workspace, document.markdown_path) if document.markdown_path else None
