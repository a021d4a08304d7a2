"""Typed access to `exports` and `parity_checks`: what the Deploy tab lists.

with store.transaction() as conn:
    export_id = insert_export(conn, adapter_id, "vllm", path, zip_path, job_id, summary)
list_exports(store)           # newest first
record_parity(store, check)   # a finished parity check's verdict and report path
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.store import Store, from_json, new_id, now, to_json


class ExportSummary(BaseModel):
    """The typed view of an export row's `summary` (sizes, commands, a hosted job's latest status)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    files: int = 0
    bytes: int = 0
    commands: dict[str, str] = Field(default_factory=dict)
    hosted_status: str | None = None
    fine_tuned_model: str | None = None


@dataclass(frozen=True)
class ExportRecord:
    id: str
    adapter_id: str
    target: str
    path: str
    zip_path: str | None
    job_id: str | None
    summary: dict[str, Any]
    created_at: float
    updated_at: float

    @property
    def details(self) -> ExportSummary:
        return ExportSummary.model_validate(self.summary)


@dataclass(frozen=True)
class ParityRecord:
    id: str
    adapter_id: str
    server_url: str
    served_model: str
    job_id: str | None
    verdict: str | None
    agreement: float | None
    report_path: str | None
    summary: dict[str, Any]
    created_at: float


def _values(row: sqlite3.Row) -> dict[str, Any]:
    values: dict[str, Any] = {key: row[key] for key in row.keys()}  # noqa: SIM118 (a Row iterates values)
    values["summary"] = from_json(values["summary"], {})
    return values


def insert_export(
    conn: sqlite3.Connection,
    adapter_id: str,
    target: str,
    path: str,
    zip_path: str | None,
    job_id: str | None,
    summary: dict[str, Any],
) -> str:
    export_id = new_id("exp")
    stamp = now()
    conn.execute(
        "INSERT INTO exports (id, adapter_id, target, path, zip_path, job_id, summary, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (export_id, adapter_id, target, path, zip_path, job_id, to_json(summary), stamp, stamp),
    )
    return export_id


def update_export_summary(store: Store, export_id: str, changes: dict[str, Any]) -> None:
    """Merge `changes` into an export's summary (a hosted job's status as it is followed)."""
    with store.transaction() as conn:
        row = conn.execute("SELECT summary FROM exports WHERE id = ?", (export_id,)).fetchone()
        if row is None:
            raise KeyError(f"No export {export_id!r}.")
        merged = {**from_json(row["summary"], {}), **changes}
        conn.execute(
            "UPDATE exports SET summary = ?, updated_at = ? WHERE id = ?", (to_json(merged), now(), export_id)
        )


def get_export(store: Store, export_id: str) -> ExportRecord | None:
    row = store.query_one("SELECT * FROM exports WHERE id = ?", (export_id,))
    return None if row is None else ExportRecord(**_values(row))


def export_for_job(store: Store, job_id: str) -> ExportRecord | None:
    row = store.query_one(
        "SELECT * FROM exports WHERE job_id = ? ORDER BY created_at DESC LIMIT 1", (job_id,)
    )
    return None if row is None else ExportRecord(**_values(row))


def list_exports(store: Store, limit: int = 50) -> list[ExportRecord]:
    rows = store.query("SELECT * FROM exports ORDER BY created_at DESC LIMIT ?", (limit,))
    return [ExportRecord(**_values(row)) for row in rows]


def insert_parity(
    store: Store,
    *,
    adapter_id: str,
    server_url: str,
    served_model: str,
    job_id: str | None,
    verdict: str,
    agreement: float | None,
    report_path: str | None,
    summary: dict[str, Any],
) -> str:
    check_id = new_id("par")
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO parity_checks (id, adapter_id, server_url, served_model, job_id, verdict, agreement, "
            "report_path, summary, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                check_id,
                adapter_id,
                server_url,
                served_model,
                job_id,
                verdict,
                agreement,
                report_path,
                to_json(summary),
                now(),
            ),
        )
    return check_id


def list_parity_checks(store: Store, limit: int = 20) -> list[ParityRecord]:
    rows = store.query("SELECT * FROM parity_checks ORDER BY created_at DESC LIMIT ?", (limit,))
    return [ParityRecord(**_values(row)) for row in rows]


def parity_for_job(store: Store, job_id: str) -> ParityRecord | None:
    row = store.query_one("SELECT * FROM parity_checks WHERE job_id = ? LIMIT 1", (job_id,))
    return None if row is None else ParityRecord(**_values(row))
