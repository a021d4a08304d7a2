"""The store: migrations from empty, durability across reopen and SIGKILL, WAL/synchronous settings."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time

import pytest

from core.paths import Workspace
from core.store import Store, StoreError, split_statements
from core.store.schema import MIGRATIONS, Migration


def test_migrations_apply_from_empty_in_order(workspace: Workspace) -> None:
    store = Store.open(workspace)
    assert store.schema_version() == sorted(m.id for m in MIGRATIONS)
    tables = {row[0] for row in store.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"settings", "jobs", "documents", "chunks", "examples", "datasets", "runs", "adapters"} <= tables


def test_migrate_is_idempotent_and_applies_only_missing(workspace: Workspace) -> None:
    store = Store.open(workspace)
    assert store.migrate() == []
    extra = Migration(9999, "extra", "CREATE TABLE extra (x INTEGER);")
    assert store.migrate((*MIGRATIONS, extra)) == [9999]
    assert store.migrate((*MIGRATIONS, extra)) == []


def test_failed_migration_rolls_back_whole(workspace: Workspace) -> None:
    store = Store.open(workspace)
    broken = Migration(9998, "broken", "CREATE TABLE half (x INTEGER);\nINSERT INTO nowhere VALUES (1);")
    with pytest.raises(sqlite3.OperationalError):
        store.migrate((*MIGRATIONS, broken))
    assert 9998 not in store.schema_version()
    assert store.query_one("SELECT name FROM sqlite_master WHERE name = 'half'") is None


def test_store_runs_in_wal_with_full_sync(store: Store) -> None:
    assert store.query_one("PRAGMA journal_mode")[0] == "wal"
    assert store.query_one("PRAGMA synchronous")[0] == 2  # FULL


def test_write_is_visible_after_reopen(workspace: Workspace) -> None:
    store = Store.open(workspace)
    store.set_setting("base_model", "tiny")
    store.close()
    assert Store.open(workspace).get_setting("base_model") == "tiny"


def test_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
        raise RuntimeError("boom")
    assert store.get_setting("a") is None


def test_nested_transaction_is_refused(store: Store) -> None:
    with store.transaction(), pytest.raises(StoreError), store.transaction():
        pass


def test_split_statements_keeps_trigger_bodies_whole() -> None:
    script = (
        "CREATE TABLE a (x);\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO a VALUES (1);\n  SELECT 1;\nEND;\n"
        "CREATE INDEX i ON a (x);\n"
    )
    statements = split_statements(script)
    assert len(statements) == 3
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


def _writer(db: Workspace, ack_fd: int, batch: int) -> None:
    """Child: write batches of settings rows forever, acknowledging each batch only after COMMIT."""
    store = Store(db.db_path)
    number = 0
    while True:
        with store.transaction() as conn:
            for item in range(batch):
                conn.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?)", (f"k{number}-{item}", f'"{"x" * 200}"')
                )
        os.write(ack_fd, f"{number}\n".encode())
        number += 1


@pytest.mark.slow
def test_sigkill_during_writes_keeps_every_acknowledged_write(workspace: Workspace) -> None:
    """200 times: fork a writer, SIGKILL it at a random moment, check integrity and every acknowledged batch."""
    Store.open(workspace).close()
    rng = random.Random(1234)
    batch = 10
    rounds_with_acks = 0
    for attempt in range(200):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            os.close(read_fd)
            try:
                _writer(Workspace(workspace.root), write_fd, batch)
            finally:
                os._exit(0)
        os.close(write_fd)
        prefix = f"round {attempt}"
        time.sleep(rng.uniform(0.0, 0.06))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        acked = b""
        while chunk := os.read(read_fd, 65536):
            acked += chunk
        os.close(read_fd)
        store = Store(workspace.db_path)
        assert store.integrity_check() == "ok", prefix
        keys = {row[0] for row in store.query("SELECT key FROM settings")}
        numbers = [int(line) for line in acked.decode().split()]
        assert numbers == list(range(len(numbers))), f"{prefix}: acknowledgements out of order: {numbers}"
        rounds_with_acks += bool(numbers)
        for number in numbers:
            assert all(f"k{number}-{item}" in keys for item in range(batch)), f"{prefix}: batch {number} lost"
        # A batch is all-or-nothing: never a partial transaction.
        counts: dict[str, int] = {}
        for key in keys:
            counts[key.split("-")[0]] = counts.get(key.split("-")[0], 0) + 1
        assert all(count == batch for count in counts.values()), prefix
        store.execute("DELETE FROM settings")
        store.close()
    # A writer that failed at once would acknowledge nothing and pass every check above: most rounds
    # must have had acknowledged batches for the test to have proved anything.
    assert rounds_with_acks >= 100, f"only {rounds_with_acks} of 200 rounds acknowledged a batch"


def test_jobs_recorded_before_the_package_rename_keep_a_target_that_imports(workspace: Workspace) -> None:
    import importlib

    from core.store.migrations_data import FOUNDATION

    store = Store(workspace.db_path)
    store.migrate([FOUNDATION])  # a workspace from before the stage packages were renamed
    store.execute(
        "INSERT INTO jobs (id, kind, title, target, state, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        ("job-old", "train", "Train tiny", "core.training.job:train_job", "interrupted", time.time()),
    )
    store.migrate()
    target = store.query_one("SELECT target FROM jobs WHERE id = 'job-old'")["target"]
    assert target == "core.train.sft_job:train_job"
    module_name, _, function_name = target.partition(":")
    assert callable(getattr(importlib.import_module(module_name), function_name))
