"""Typed access to `runs` and `adapters`: what Compare, Evaluate and Serve look adapters up through."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from core.store import Store, from_json, now, to_json


@dataclass(frozen=True)
class Adapter:
    id: str
    run_id: str | None
    base_model: str
    base_revision: str | None
    dataset_id: str | None
    method: str
    version: int
    path: str
    size_bytes: int
    metrics: dict[str, Any]
    card_path: str | None
    created_at: float
    deleted_at: float | None


def adapter_from_row(row: sqlite3.Row) -> Adapter:
    values: dict[str, Any] = {key: row[key] for key in row.keys()}
    values["metrics"] = from_json(values["metrics"], {})
    return Adapter(**values)


def insert_adapter(
    conn: sqlite3.Connection,
    *,
    adapter_id: str,
    base_model: str,
    path: str,
    version: int,
    run_id: str | None = None,
    base_revision: str | None = None,
    dataset_id: str | None = None,
    method: str = "sft",
    size_bytes: int = 0,
    metrics: dict[str, Any] | None = None,
    card_path: str | None = None,
) -> str:
    conn.execute(
        "INSERT INTO adapters (id, run_id, base_model, base_revision, dataset_id, method, version, path, "
        "size_bytes, metrics, card_path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            adapter_id,
            run_id,
            base_model,
            base_revision,
            dataset_id,
            method,
            version,
            path,
            size_bytes,
            to_json(metrics or {}),
            card_path,
            now(),
        ),
    )
    return adapter_id


def get_adapter(store: Store, adapter_id: str) -> Adapter | None:
    row = store.query_one("SELECT * FROM adapters WHERE id = ?", (adapter_id,))
    return None if row is None else adapter_from_row(row)


def list_adapters(store: Store) -> list[Adapter]:
    """Newest first, deleted ones left out."""
    rows = store.query("SELECT * FROM adapters WHERE deleted_at IS NULL ORDER BY created_at DESC")
    return [adapter_from_row(row) for row in rows]


def latest_adapter(store: Store) -> Adapter | None:
    found = list_adapters(store)
    return found[0] if found else None
