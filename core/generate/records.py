"""Generation runs and their items in the store: what resume reads to skip finished items.

    with store.transaction() as conn:
        run_id = create_run(conn, config.to_params(), policy, teacher_label, plan)   # plan: [(chunk, slot, intent)]
    items_to_do(store, run_id)             # pending and failed items, in order
    record_results(conn, run_id, job_id, results)   # each item ends kept / filtered (reason) / failed
    item_counts(store, run_id)             # {"pending": 3, "kept": 10, "filtered": 2, "failed": 1}

One run is one planned set of (chunk, slot) items; its first job and every resume job work through
the items that are not finished. The policy text is frozen in the run so a resume writes like the start.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from core.store import Store, from_json, new_id, now, to_json

ItemState = Literal["pending", "kept", "filtered", "failed"]
ITEM_STATES: tuple[ItemState, ...] = ("pending", "kept", "filtered", "failed")


@dataclass(frozen=True)
class GenerationRun:
    id: str
    config: dict[str, Any]
    policy: str
    teacher: str
    total: int
    job_id: str | None  # the latest job that worked on it
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class GenerationItem:
    run_id: str
    position: int
    chunk_id: str
    slot: int
    intent: str
    state: ItemState
    reason: str | None
    detail: str | None
    example_id: str | None
    job_id: str | None
    attempts: int
    seconds: float | None
    payload: dict[str, Any] | None  # a filtered item's conversation, so a teacher can see why
    updated_at: float

    @property
    def messages(self) -> list[dict[str, str]]:
        """The conversation a filtered item wrote (empty when it wrote none)."""
        return list((self.payload or {}).get("messages") or [])


@dataclass(frozen=True)
class ItemRecord:
    """How one item ended, as the job writes it."""

    chunk_id: str
    slot: int
    state: ItemState
    reason: str | None = None
    detail: str | None = None
    example_id: str | None = None
    seconds: float | None = None
    payload: dict[str, Any] | None = None


def create_run(
    conn: sqlite3.Connection,
    config: dict[str, Any],
    policy: str,
    teacher: str,
    plan: Sequence[tuple[str, int, str]],
) -> str:
    run_id = new_id("gen")
    stamp = now()
    conn.execute(
        "INSERT INTO generation_runs (id, config, policy, teacher, total, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (run_id, to_json(config), policy, teacher, len(plan), stamp, stamp),
    )
    conn.executemany(
        "INSERT INTO generation_items (run_id, position, chunk_id, slot, intent, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (run_id, position, chunk_id, slot, intent, stamp)
            for position, (chunk_id, slot, intent) in enumerate(plan)
        ],
    )
    return run_id


def run_from_row(row: sqlite3.Row) -> GenerationRun:
    return GenerationRun(
        id=row["id"],
        config=from_json(row["config"], {}),
        policy=row["policy"],
        teacher=row["teacher"],
        total=row["total"],
        job_id=row["job_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def item_from_row(row: sqlite3.Row) -> GenerationItem:
    values: dict[str, Any] = {key: row[key] for key in row.keys()}  # noqa: SIM118 (a Row iterates values)
    values["payload"] = from_json(values["payload"])
    return GenerationItem(**values)


def get_run(store: Store, run_id: str) -> GenerationRun | None:
    row = store.query_one("SELECT * FROM generation_runs WHERE id = ?", (run_id,))
    return None if row is None else run_from_row(row)


def list_runs(store: Store, limit: int = 20) -> list[GenerationRun]:
    rows = store.query("SELECT * FROM generation_runs ORDER BY created_at DESC LIMIT ?", (limit,))
    return [run_from_row(row) for row in rows]


def set_run_job(conn: sqlite3.Connection, run_id: str, job_id: str) -> None:
    conn.execute(
        "UPDATE generation_runs SET job_id = ?, updated_at = ? WHERE id = ?", (job_id, now(), run_id)
    )


def record_resume_change(
    conn: sqlite3.Connection,
    run: GenerationRun,
    config: dict[str, Any],
    teacher: str,
    changed: dict[str, Any],
) -> None:
    """Give the run the settings a resume asked for, keeping the change in `config["resumes"]`."""
    history = [*run.config.get("resumes", []), {"at": now(), "changed": changed}]
    conn.execute(
        "UPDATE generation_runs SET config = ?, teacher = ?, updated_at = ? WHERE id = ?",
        (to_json({**config, "resumes": history}), teacher, now(), run.id),
    )


def items_to_do(store: Store, run_id: str) -> list[GenerationItem]:
    """The items a job still has to do: pending ones and failed ones (failures are retryable)."""
    rows = store.query(
        "SELECT * FROM generation_items WHERE run_id = ? AND state IN ('pending', 'failed') ORDER BY position",
        (run_id,),
    )
    return [item_from_row(row) for row in rows]


def record_results(conn: sqlite3.Connection, run_id: str, job_id: str, records: list[ItemRecord]) -> None:
    stamp = now()
    conn.executemany(
        "UPDATE generation_items SET state = ?, reason = ?, detail = ?, example_id = ?, job_id = ?, "
        "attempts = attempts + 1, seconds = ?, payload = ?, updated_at = ? WHERE run_id = ? AND chunk_id = ? AND slot = ?",
        [
            (
                r.state,
                r.reason,
                r.detail,
                r.example_id,
                job_id,
                r.seconds,
                None if r.payload is None else to_json(r.payload),
                stamp,
                run_id,
                r.chunk_id,
                r.slot,
            )
            for r in records
        ],
    )
    conn.execute("UPDATE generation_runs SET updated_at = ? WHERE id = ?", (stamp, run_id))


def item_counts(store: Store, run_id: str, job_id: str | None = None) -> dict[str, int]:
    """Items per state, for the whole run (or only those a given job finished)."""
    where, params = ("AND job_id = ?", (run_id, job_id)) if job_id else ("", (run_id,))
    rows = store.query(
        f"SELECT state, COUNT(*) AS n FROM generation_items WHERE run_id = ? {where} GROUP BY state", params
    )
    counts: dict[str, int] = dict.fromkeys(ITEM_STATES, 0)
    counts.update({row["state"]: int(row["n"]) for row in rows})
    return counts


def reason_counts(store: Store, run_id: str) -> dict[str, int]:
    """Filtered and failed items per reason, most common first."""
    rows = store.query(
        "SELECT reason, COUNT(*) AS n FROM generation_items WHERE run_id = ? AND state IN ('filtered', 'failed') "
        "GROUP BY reason ORDER BY n DESC, reason",
        (run_id,),
    )
    return {row["reason"] or "unknown": int(row["n"]) for row in rows}


def recent_items(
    store: Store, run_id: str, states: tuple[ItemState, ...], limit: int = 3
) -> list[GenerationItem]:
    marks = ",".join("?" * len(states))
    rows = store.query(
        f"SELECT * FROM generation_items WHERE run_id = ? AND state IN ({marks}) ORDER BY updated_at DESC, position DESC LIMIT ?",
        (run_id, *states, limit),
    )
    return [item_from_row(row) for row in rows]


def finished_since(store: Store, run_id: str, job_id: str) -> tuple[int, float | None, float | None]:
    """How many items a job finished, and when its first and last finished (for the rate)."""
    row = store.query_one(
        "SELECT COUNT(*) AS n, MIN(updated_at) AS first, MAX(updated_at) AS last FROM generation_items "
        "WHERE run_id = ? AND job_id = ? AND state != 'pending'",
        (run_id, job_id),
    )
    if row is None:
        return 0, None, None
    return int(row["n"]), row["first"], row["last"]


def slot_intents(store: Store, run_id: str) -> dict[str, tuple[str, ...]]:
    """Each chunk's planned intents in slot order (every item of the run, finished or not)."""
    found: dict[str, list[str]] = {}
    for row in store.query(
        "SELECT chunk_id, intent FROM generation_items WHERE run_id = ? ORDER BY chunk_id, slot", (run_id,)
    ):
        found.setdefault(row["chunk_id"], []).append(row["intent"])
    return {chunk_id: tuple(intents) for chunk_id, intents in found.items()}
