"""Typed access to `runs` and `adapters`: what Compare, Evaluate and Serve look adapters up through.

    adapter = get_adapter(store, "tiny@local+tutor@v2+lora@v1")
    run = get_run(store, adapter.run_id)          # run.config, run.summary (losses, tokens/s), run.folder

Adapter ids read `<base>@<revision>+<dataset>@<version>+lora@v<N>`, N counting up per base and dataset.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core.store import Store, from_json, new_id, now, to_json
from core.train.sft_config import TrainingError

RunStatus = Literal[
    "created", "queued", "running", "stopped", "succeeded", "failed", "cancelled", "interrupted"
]
ACTIVE_RUN_STATUSES: tuple[RunStatus, ...] = ("created", "queued", "running")


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
    values: dict[str, Any] = {key: row[key] for key in row.keys()}  # noqa: SIM118 (a Row iterates values)
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


def adapter_id_for(base_model: str, revision: str | None, dataset_id: str, version: int) -> str:
    """`<base>@<revision>+<dataset>@<version>+lora@v<N>`; base is the model name's last path part."""
    base = Path(base_model.rstrip("/\\")).name or base_model
    return f"{base}@{revision or 'local'}+{dataset_id}+lora@v{version}"


def next_adapter_version(
    conn: sqlite3.Connection, base_model: str, dataset_id: str | None, method: str = "sft"
) -> int:
    """1 + the highest version of an adapter of `method` from the same base and (SFT) dataset; deleted
    ones count. Each method counts on its own: lora@v2 and dpo@v1 can share a base and dataset."""
    row = conn.execute(
        "SELECT MAX(version) FROM adapters WHERE base_model = ? AND dataset_id IS ? AND method = ?",
        (base_model, dataset_id, method),
    ).fetchone()
    return int(row[0] or 0) + 1


@dataclass(frozen=True)
class Run:
    """One training run: its settings, folder (run.yaml, checkpoints, adapter, model card) and outcome."""

    id: str
    job_id: str | None
    method: str
    base_model: str
    dataset_id: str | None
    parent_adapter_id: str | None
    config: dict[str, Any]
    folder: str
    status: RunStatus
    created_at: float
    updated_at: float
    adapter_id: str | None = None
    summary: dict[str, Any] | None = None
    message: str = ""

    @property
    def path(self) -> Path:
        return Path(self.folder)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES


def run_from_row(row: sqlite3.Row) -> Run:
    values: dict[str, Any] = {key: row[key] for key in row.keys()}  # noqa: SIM118 (a Row iterates values)
    values["config"] = from_json(values["config"], {})
    values["summary"] = from_json(values.get("summary"), {})
    values["message"] = values.get("message") or ""
    return Run(**values)


def insert_run(
    conn: sqlite3.Connection,
    *,
    base_model: str,
    dataset_id: str | None,
    config: dict[str, Any],
    folder: str,
    run_id: str | None = None,
    method: str = "sft",
    parent_adapter_id: str | None = None,
) -> str:
    run_id = run_id or new_id("run")
    stamp = now()
    conn.execute(
        "INSERT INTO runs (id, method, base_model, dataset_id, parent_adapter_id, config, folder, status, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'created', ?, ?)",
        (run_id, method, base_model, dataset_id, parent_adapter_id, to_json(config), folder, stamp, stamp),
    )
    return run_id


def update_run(
    store: Store,
    run_id: str,
    *,
    status: RunStatus | None = None,
    job_id: str | None = None,
    message: str | None = None,
    summary: dict[str, Any] | None = None,
    adapter_id: str | None = None,
) -> None:
    """Change the given columns (None leaves a column as it is); `summary` is merged into the stored one."""
    with store.transaction() as conn:
        row = conn.execute("SELECT summary FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"No training run {run_id!r}.")
        merged = {**from_json(row["summary"], {}), **(summary or {})}
        conn.execute(
            "UPDATE runs SET status = COALESCE(?, status), job_id = COALESCE(?, job_id), "
            "message = COALESCE(?, message), adapter_id = COALESCE(?, adapter_id), summary = ?, updated_at = ? "
            "WHERE id = ?",
            (status, job_id, message, adapter_id, to_json(merged), now(), run_id),
        )


def get_run(store: Store, run_id: str) -> Run | None:
    row = store.query_one("SELECT * FROM runs WHERE id = ?", (run_id,))
    return None if row is None else run_from_row(row)


def require_run(store: Store, run_id: str) -> Run:
    """The run, or a TrainingError that says where runs are listed."""
    run = get_run(store, run_id)
    if run is None:
        raise TrainingError(
            f"No training run {run_id!r}; it may belong to another workspace. The Train tab lists this workspace's runs."
        )
    return run


def list_runs(store: Store, limit: int = 100) -> list[Run]:
    """Newest first."""
    rows = store.query("SELECT * FROM runs ORDER BY created_at DESC LIMIT ?", (limit,))
    return [run_from_row(row) for row in rows]


def run_job_ids(store: Store, run_id: str) -> list[str]:
    """The jobs that worked on a run (the first start, then each resume), oldest first."""
    rows = store.query(
        "SELECT id FROM jobs WHERE kind = 'train' AND json_extract(params, '$.run_id') = ? ORDER BY created_at",
        (run_id,),
    )
    return [row["id"] for row in rows]


def adapter_for_run(store: Store, run_id: str) -> Adapter | None:
    row = store.query_one(
        "SELECT * FROM adapters WHERE run_id = ? ORDER BY created_at DESC LIMIT 1", (run_id,)
    )
    return None if row is None else adapter_from_row(row)
