"""The SQLite store: one file per workspace, WAL mode, synchronous=FULL, versioned migrations.

Every write runs in `with store.transaction() as conn:` (BEGIN IMMEDIATE ... COMMIT): when the
block returns, the write is durable, and only then may a caller report it as saved.

    store = Store.open(workspace)      # creates and migrates the database
    with store.transaction() as conn:
        conn.execute("UPDATE settings SET value = ? WHERE key = ?", (...))
    rows = store.query("SELECT * FROM jobs WHERE state = ?", ("running",))
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.paths import Workspace
from core.store.schema import MIGRATIONS, Migration

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000


class StoreError(RuntimeError):
    """The store could not be opened or migrated; the message says what to do."""


def new_id(prefix: str) -> str:
    """A short random id such as `job_5f1c2a9e0b`: unique enough for one workspace, easy to read out."""
    return f"{prefix}_{secrets.token_hex(5)}"


def now() -> float:
    """Timestamps are stored as Unix seconds (REAL): sortable, and elapsed time is a subtraction."""
    return time.time()


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def from_json(text: str | None, default: Any = None) -> Any:
    return default if text in (None, "") else json.loads(text)


class Store:
    """A handle on the workspace database. Safe to share across threads: each thread gets its connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    @classmethod
    def open(cls, workspace: Workspace) -> Store:
        """Open (creating if needed) and migrate the workspace's store."""
        workspace.ensure()
        store = cls(workspace.db_path)
        store.migrate()
        return store

    def connect(self) -> sqlite3.Connection:
        """This thread's connection (autocommit mode: transactions are explicit)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection (other threads keep theirs)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: taken with BEGIN IMMEDIATE so writers queue instead of failing mid-way."""
        conn = self.connect()
        if conn.in_transaction:
            raise StoreError("Nested store transactions are not supported; pass the connection down instead.")
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self.connect().execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        return self.connect().execute(sql, params).fetchone()

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one write statement in its own transaction; returns the number of rows changed."""
        with self.transaction() as conn:
            return conn.execute(sql, params).rowcount

    def schema_version(self) -> list[int]:
        """The ids of the migrations applied to this database, ascending."""
        rows = self.query("SELECT id FROM schema_migrations ORDER BY id")
        return [row["id"] for row in rows]

    def integrity_check(self) -> str:
        row = self.query_one("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"

    def migrate(self, migrations: Sequence[Migration] = MIGRATIONS) -> list[int]:
        """Apply every migration this database lacks, in id order, each in its own transaction."""
        conn = self.connect()
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
        )
        applied: list[int] = []
        for migration in sorted(migrations, key=lambda m: m.id):
            with self.transaction() as tx:
                if tx.execute("SELECT 1 FROM schema_migrations WHERE id = ?", (migration.id,)).fetchone():
                    continue
                for statement in split_statements(migration.sql):
                    tx.execute(statement)
                tx.execute(
                    "INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)",
                    (migration.id, migration.name, now()),
                )
                applied.append(migration.id)
        if applied:
            log.info("store %s: applied migrations %s", self.path, applied)
        return applied

    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.query_one("SELECT value FROM settings WHERE key = ?", (key,))
        return default if row is None else from_json(row["value"])

    def set_setting(self, key: str, value: Any) -> None:
        self.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, to_json(value)),
        )


def split_statements(script: str) -> list[str]:
    """Split a migration script into statements; trigger bodies (BEGIN ... END;) stay whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise StoreError(f"Incomplete SQL statement in migration: {buffer.strip()[:80]}")
    return statements
