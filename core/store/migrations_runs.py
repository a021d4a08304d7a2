"""Migrations 400-799: what is made from the data (training runs and adapters, the arena's
comparisons and votes, evaluations, exports and parity checks).

Never edit an applied migration: add a new one. core.store.schema lists them in order.
"""

from __future__ import annotations

from core.store.migration import Migration

TRAINING = Migration(
    400,
    "training runs and adapters",
    """
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        job_id TEXT,
        method TEXT NOT NULL DEFAULT 'sft' CHECK (method IN ('sft', 'dpo', 'orpo')),
        base_model TEXT NOT NULL,
        dataset_id TEXT,
        parent_adapter_id TEXT,
        config TEXT NOT NULL DEFAULT '{}',
        folder TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'created',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE adapters (
        id TEXT PRIMARY KEY,
        run_id TEXT REFERENCES runs (id),
        base_model TEXT NOT NULL,
        base_revision TEXT,
        dataset_id TEXT,
        method TEXT NOT NULL DEFAULT 'sft',
        version INTEGER NOT NULL,
        path TEXT NOT NULL,
        size_bytes INTEGER NOT NULL DEFAULT 0,
        metrics TEXT NOT NULL DEFAULT '{}',
        card_path TEXT,
        created_at REAL NOT NULL,
        deleted_at REAL
    );
    CREATE INDEX adapters_created ON adapters (created_at);
    """,
)

TRAINING_RUNS = Migration(
    401,
    "training: a run's adapter, summary and latest message",
    """
    ALTER TABLE runs ADD COLUMN adapter_id TEXT;
    ALTER TABLE runs ADD COLUMN summary TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE runs ADD COLUMN message TEXT NOT NULL DEFAULT '';
    CREATE INDEX runs_created ON runs (created_at);
    CREATE INDEX adapters_lineage ON adapters (base_model, dataset_id, version);
    """,
)

ARENA = Migration(
    500,
    "compare: blind comparisons and votes",
    """
    CREATE TABLE comparisons (
        id TEXT PRIMARY KEY,
        message TEXT NOT NULL,
        prompt TEXT NOT NULL,
        variants TEXT NOT NULL,
        shown_order TEXT NOT NULL,
        seed INTEGER NOT NULL,
        replies TEXT NOT NULL,
        usage TEXT NOT NULL DEFAULT '[]',
        settings TEXT NOT NULL DEFAULT '{}',
        base_model TEXT NOT NULL,
        creator TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX comparisons_created ON comparisons (created_at);
    CREATE TABLE votes (
        id TEXT PRIMARY KEY,
        comparison_id TEXT NOT NULL REFERENCES comparisons (id),
        voter TEXT NOT NULL,
        ranking TEXT NOT NULL,
        example_id TEXT REFERENCES examples (id),
        created_at REAL NOT NULL,
        UNIQUE (comparison_id, voter)
    );
    CREATE INDEX votes_created ON votes (created_at);
    """,
)

EVALUATION = Migration(
    600,
    "evaluation: reports of evaluation runs",
    """
    CREATE TABLE evals (
        id TEXT PRIMARY KEY,
        job_id TEXT,
        adapter_ids TEXT NOT NULL DEFAULT '[]',
        dataset_id TEXT,
        base_model TEXT,
        config TEXT NOT NULL DEFAULT '{}',
        report_path TEXT,
        verdict TEXT CHECK (verdict IN ('ship', 'hold')),
        summary TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL,
        finished_at REAL
    );
    CREATE INDEX evals_created ON evals (created_at);
    CREATE INDEX evals_job ON evals (job_id);
    """,
)

SHIPPING = Migration(
    700,
    "shipping: adapter exports (vllm, merged, ollama, openai) and serving parity checks",
    """
    CREATE TABLE exports (
        id TEXT PRIMARY KEY,
        adapter_id TEXT NOT NULL,
        target TEXT NOT NULL CHECK (target IN ('vllm', 'merged', 'ollama', 'openai')),
        path TEXT NOT NULL,
        zip_path TEXT,
        job_id TEXT,
        summary TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX exports_created ON exports (created_at);
    CREATE INDEX exports_adapter ON exports (adapter_id, created_at);
    CREATE TABLE parity_checks (
        id TEXT PRIMARY KEY,
        adapter_id TEXT NOT NULL,
        server_url TEXT NOT NULL,
        served_model TEXT NOT NULL,
        job_id TEXT,
        verdict TEXT CHECK (verdict IN ('agree', 'close', 'drift', 'unreachable')),
        agreement REAL,
        report_path TEXT,
        summary TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL
    );
    CREATE INDEX parity_checks_created ON parity_checks (created_at);
    """,
)
