"""Typed access to `examples`, `example_revisions`, `datasets` and `dataset_items`.

Every change to an example is a new revision row; `examples` holds the current one. Other stages
(Generate writes examples, Train reads datasets) go through these functions.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from core.store import Store, from_json, new_id, now, to_json

ExampleStatus = Literal["pending", "accepted", "rejected"]
Split = Literal["train", "validation", "test"]
SPLITS: tuple[Split, ...] = ("train", "validation", "test")
Message = dict[str, str]


@dataclass(frozen=True)
class NewExample:
    """An example about to be stored (from generation, import, or a Compare vote)."""

    messages: list[Message]
    origin: str = "generated"
    status: ExampleStatus = "pending"
    intent: str | None = None
    document_id: str | None = None
    chunk_id: str | None = None
    question: str | None = None
    reference_answer: str | None = None
    teacher: str | None = None
    verdicts: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    job_id: str | None = None
    token_count: int = 0


@dataclass(frozen=True)
class Example:
    id: str
    status: ExampleStatus
    revision: int
    messages: list[Message]
    intent: str | None
    document_id: str | None
    chunk_id: str | None
    question: str | None
    reference_answer: str | None
    teacher: str | None
    verdicts: dict[str, Any]
    tags: list[str]
    origin: str
    job_id: str | None
    content_hash: str
    token_count: int
    reviewer: str | None
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class Dataset:
    id: str
    name: str
    version: int
    kind: Literal["sft", "preference"]
    seed: int
    system_prompt: str | None
    manifest: dict[str, Any]
    manifest_hash: str
    path: str
    created_at: float

    def split_path(self, split: Split) -> Path:
        """The frozen chat JSONL of one split (`train.jsonl`, `validation.jsonl`, `test.jsonl`)."""
        return Path(self.path) / f"{split}.jsonl"


def messages_hash(messages: list[Message]) -> str:
    canonical = json.dumps(
        [{"role": m["role"], "content": m["content"]} for m in messages], ensure_ascii=False, sort_keys=True
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def example_from_row(row: sqlite3.Row) -> Example:
    values: dict[str, Any] = {key: row[key] for key in row.keys()}
    values["messages"] = from_json(values["messages"], [])
    values["verdicts"] = from_json(values["verdicts"], {})
    values["tags"] = from_json(values["tags"], [])
    return Example(**values)


def insert_examples(conn: sqlite3.Connection, examples: list[NewExample], editor: str | None = None) -> list[str]:
    """Insert examples (revision 1 each) inside the caller's transaction; returns their ids."""
    ids = []
    stamp = now()
    for example in examples:
        example_id = new_id("ex")
        conn.execute(
            "INSERT INTO examples (id, status, revision, messages, intent, document_id, chunk_id, question, "
            "reference_answer, teacher, verdicts, tags, origin, job_id, content_hash, token_count, created_at, "
            "updated_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                example_id,
                example.status,
                to_json(example.messages),
                example.intent,
                example.document_id,
                example.chunk_id,
                example.question,
                example.reference_answer,
                example.teacher,
                to_json(example.verdicts),
                to_json(example.tags),
                example.origin,
                example.job_id,
                messages_hash(example.messages),
                example.token_count,
                stamp,
                stamp,
            ),
        )
        conn.execute(
            "INSERT INTO example_revisions (example_id, revision, messages, status, tags, editor, note, created_at) "
            "VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
            (example_id, to_json(example.messages), example.status, to_json(example.tags), editor, example.origin, stamp),
        )
        ids.append(example_id)
    return ids


def get_example(store: Store, example_id: str) -> Example | None:
    row = store.query_one("SELECT * FROM examples WHERE id = ?", (example_id,))
    return None if row is None else example_from_row(row)


def count_examples(store: Store, status: ExampleStatus | None = None) -> int:
    if status is None:
        row = store.query_one("SELECT COUNT(*) FROM examples")
    else:
        row = store.query_one("SELECT COUNT(*) FROM examples WHERE status = ?", (status,))
    return int(row[0]) if row else 0


def dataset_from_row(row: sqlite3.Row) -> Dataset:
    values: dict[str, Any] = {key: row[key] for key in row.keys()}
    values["manifest"] = from_json(values["manifest"], {})
    return Dataset(**values)


def get_dataset(store: Store, dataset_id: str) -> Dataset | None:
    row = store.query_one("SELECT * FROM datasets WHERE id = ?", (dataset_id,))
    return None if row is None else dataset_from_row(row)


def list_datasets(store: Store, kind: str | None = None) -> list[Dataset]:
    """Newest first."""
    if kind is None:
        rows = store.query("SELECT * FROM datasets ORDER BY created_at DESC")
    else:
        rows = store.query("SELECT * FROM datasets WHERE kind = ? ORDER BY created_at DESC", (kind,))
    return [dataset_from_row(row) for row in rows]


def latest_dataset(store: Store, kind: str = "sft") -> Dataset | None:
    found = list_datasets(store, kind)
    return found[0] if found else None


def next_dataset_version(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute("SELECT MAX(version) FROM datasets WHERE name = ?", (name,)).fetchone()
    return int(row[0] or 0) + 1


def dataset_id_for(name: str, version: int) -> str:
    """Dataset ids read `name@vN` (e.g. `tutor@v3`); adapter ids embed them."""
    return f"{name}@v{version}"


def new_example_id() -> str:
    return new_id("ex")
