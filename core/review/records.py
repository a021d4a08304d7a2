"""Typed access to `examples`, `example_revisions`, `datasets` and `dataset_items`.

Every change to an example is a new revision row; `examples` holds the current one. Other stages
(Generate writes examples, Train reads datasets) go through these functions.

    with store.transaction() as conn:
        ids = insert_examples(conn, [NewExample(messages=[...], intent="confused", chunk_id=...)])
    example = get_example(store, ids[0])          # example.revision == 1
    dataset = latest_dataset(store)               # dataset.split_path("train") -> .../train.jsonl

Verdicts (from Generate's filters) are `{name: bool | "pass"/"fail" | {"passed": bool, ...}}`; the
store derives `verdict_state` (none/passed/failed) from them with the rule of `failed_verdicts`.
Edits, status changes, bulk actions and undo are in core/review/editing.py and bulk.py.
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
Role = Literal["system", "user", "assistant"]
ROLES: tuple[Role, ...] = ("system", "user", "assistant")
# What a teacher reads for each role, everywhere in the studio.
ROLE_LABELS: dict[str, str] = {"user": "Student", "assistant": "Tutor", "system": "System"}
FAILING_WORDS = frozenset({"fail", "failed", "reject", "rejected"})


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
    source_name: str | None = None  # the source's name when it is not a document of this workspace
    source_chunk: str | None = None  # a chunk reference from elsewhere (imports); groups the split


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
    first_user: str = ""
    tutor_turns: int = 0
    verdict_state: str = "none"
    source_name: str | None = None
    source_chunk: str | None = None
    search_rowid: int | None = None

    @property
    def group_key(self) -> str:
        """What the split keeps together: the source chunk, else the example on its own."""
        return self.chunk_id or (f"src:{self.source_chunk}" if self.source_chunk else f"ex:{self.id}")

    @property
    def system_prompt(self) -> str | None:
        """The content of a leading system message, None when there is none."""
        if self.messages and self.messages[0].get("role") == "system":
            return self.messages[0].get("content")
        return None


@dataclass(frozen=True)
class Revision:
    """One saved state of an example; restoring it writes a new revision with this content."""

    example_id: str
    revision: int
    messages: list[Message]
    status: ExampleStatus
    tags: list[str]
    intent: str | None
    reference_answer: str | None
    editor: str | None
    note: str | None
    batch_id: str | None
    created_at: float


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
    values: dict[str, Any] = {key: row[key] for key in row.keys()}  # noqa: SIM118 (a Row iterates values)
    values["messages"] = from_json(values["messages"], [])
    values["verdicts"] = from_json(values["verdicts"], {})
    values["tags"] = from_json(values["tags"], [])
    return Example(**values)


def insert_examples(
    conn: sqlite3.Connection,
    examples: list[NewExample],
    editor: str | None = None,
    *,
    batch_id: str | None = None,
) -> list[str]:
    """Insert examples (revision 1 each) inside the caller's transaction; returns their ids.

    `batch_id` ties them to an import or other batch that Undo can take back (core.review.bulk)."""
    ids = []
    started = now()
    for index, example in enumerate(examples):
        # A microsecond apart, so "oldest first" keeps the order in which a batch was written.
        stamp = started + index * 1e-6
        example_id = new_id("ex")
        conn.execute(
            "INSERT INTO examples (id, status, revision, messages, intent, document_id, chunk_id, question, "
            "reference_answer, teacher, verdicts, tags, origin, job_id, content_hash, token_count, reviewer, "
            "source_name, source_chunk, created_at, updated_at) "
            "VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                editor,
                example.source_name,
                example.source_chunk,
                stamp,
                stamp,
            ),
        )
        conn.execute(
            "INSERT INTO example_revisions (example_id, revision, messages, status, tags, intent, reference_answer, "
            "editor, note, batch_id, content_hash, created_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                example_id,
                to_json(example.messages),
                example.status,
                to_json(example.tags),
                example.intent,
                example.reference_answer,
                editor,
                f"created ({example.origin})",
                batch_id,
                messages_hash(example.messages),
                stamp,
            ),
        )
        ids.append(example_id)
    return ids


def revision_from_row(row: sqlite3.Row) -> Revision:
    return Revision(
        example_id=row["example_id"],
        revision=row["revision"],
        messages=from_json(row["messages"], []),
        status=row["status"],
        tags=from_json(row["tags"], []),
        intent=row["intent"],
        reference_answer=row["reference_answer"],
        editor=row["editor"],
        note=row["note"],
        batch_id=row["batch_id"],
        created_at=row["created_at"],
    )


def list_revisions(store: Store, example_id: str) -> list[Revision]:
    """Every saved state of an example, newest first."""
    rows = store.query(
        "SELECT * FROM example_revisions WHERE example_id = ? ORDER BY revision DESC", (example_id,)
    )
    return [revision_from_row(row) for row in rows]


def get_revision(store: Store, example_id: str, revision: int) -> Revision | None:
    row = store.query_one(
        "SELECT * FROM example_revisions WHERE example_id = ? AND revision = ?", (example_id, revision)
    )
    return None if row is None else revision_from_row(row)


def failed_verdicts(verdicts: dict[str, Any]) -> list[str]:
    """The names of the filter verdicts that failed (the rule the store's verdict_state uses)."""
    return [name for name, value in sorted(verdicts.items()) if _is_failing(value)]


def _is_failing(value: Any) -> bool:
    if isinstance(value, dict):
        return value.get("passed") is False or value.get("pass") is False
    return value is False or (isinstance(value, str) and value.lower() in FAILING_WORDS)


def known_hashes(conn: sqlite3.Connection, hashes: list[str]) -> set[str]:
    """Which of these conversation hashes the workspace has held, now or in any earlier revision."""
    found: set[str] = set()
    for start in range(0, len(hashes), 500):  # SQLite caps the number of ? in one statement
        part = hashes[start : start + 500]
        marks = ",".join("?" * len(part))
        rows = conn.execute(
            f"SELECT content_hash FROM examples WHERE content_hash IN ({marks}) "
            f"UNION SELECT content_hash FROM example_revisions WHERE content_hash IN ({marks})",
            [*part, *part],
        )
        found.update(row[0] for row in rows)
    return found


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
    values: dict[str, Any] = {key: row[key] for key in row.keys()}  # noqa: SIM118 (a Row iterates values)
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


def dataset_items(store: Store, dataset_id: str) -> list[tuple[str, int, Split]]:
    """(example id, frozen revision, split) of every example in a dataset version, by split then id."""
    rows = store.query(
        "SELECT example_id, revision, split FROM dataset_items WHERE dataset_id = ? ORDER BY split, example_id",
        (dataset_id,),
    )
    return [(row["example_id"], row["revision"], row["split"]) for row in rows]
