"""Typed access to `evals`: one row per evaluation run, pointing at its JSON report.

    with store.transaction() as conn:
        insert_eval(conn, eval_id, job_id=job.id, adapter_ids=[...], dataset_id="tutor@v2", base_model="tiny",
                    config=config.to_params())
    finish_eval(store, eval_id, report_path, verdict="hold", summary={...})
    list_evals(store)       # newest first; reports are kept, so two can be compared

A row whose report_path is empty belongs to an evaluation that is still running or ended without a
report (its job says why).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core.store import Store, from_json, now, to_json


@dataclass(frozen=True)
class EvalRecord:
    id: str
    job_id: str | None
    adapter_ids: list[str]
    dataset_id: str | None
    base_model: str | None
    config: dict[str, Any]
    report_path: str | None
    verdict: Literal["ship", "hold"] | None
    summary: dict[str, Any]
    created_at: float
    finished_at: float | None

    @property
    def has_report(self) -> bool:
        return bool(self.report_path) and Path(self.report_path or "").is_file()


def eval_from_row(row: sqlite3.Row) -> EvalRecord:
    return EvalRecord(
        id=row["id"],
        job_id=row["job_id"],
        adapter_ids=from_json(row["adapter_ids"], []),
        dataset_id=row["dataset_id"],
        base_model=row["base_model"],
        config=from_json(row["config"], {}),
        report_path=row["report_path"],
        verdict=row["verdict"],
        summary=from_json(row["summary"], {}),
        created_at=row["created_at"],
        finished_at=row["finished_at"],
    )


def insert_eval(
    conn: sqlite3.Connection,
    eval_id: str,
    *,
    adapter_ids: list[str],
    dataset_id: str | None,
    base_model: str | None,
    config: dict[str, Any],
    job_id: str | None = None,
) -> str:
    conn.execute(
        "INSERT INTO evals (id, job_id, adapter_ids, dataset_id, base_model, config, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (eval_id, job_id, to_json(adapter_ids), dataset_id, base_model, to_json(config), now()),
    )
    return eval_id


def set_eval_job(store: Store, eval_id: str, job_id: str) -> None:
    store.execute("UPDATE evals SET job_id = ? WHERE id = ?", (job_id, eval_id))


def finish_eval(
    store: Store, eval_id: str, report_path: Path, verdict: str | None, summary: dict[str, Any]
) -> None:
    store.execute(
        "UPDATE evals SET report_path = ?, verdict = ?, summary = ?, finished_at = ? WHERE id = ?",
        (str(report_path), verdict, to_json(summary), now(), eval_id),
    )


def get_eval(store: Store, eval_id: str) -> EvalRecord | None:
    row = store.query_one("SELECT * FROM evals WHERE id = ?", (eval_id,))
    return None if row is None else eval_from_row(row)


def list_evals(store: Store, *, with_report: bool = False, limit: int = 100) -> list[EvalRecord]:
    """Newest first; `with_report` keeps only finished evaluations."""
    where = "WHERE report_path IS NOT NULL" if with_report else ""
    rows = store.query(f"SELECT * FROM evals {where} ORDER BY created_at DESC LIMIT ?", (limit,))
    return [eval_from_row(row) for row in rows]
