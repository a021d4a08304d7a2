"""The store's schema as ordered migrations. Never edit an applied migration: add a new one.

Each stage owns a range of ids so that stages can add migrations independently:
    1-99 foundation (settings, jobs)      100-199 documents      200-299 generation
    300-399 examples and datasets         400-499 training       500-599 compare/arena
    600-699 evaluation                    700-799 shipping
A database applies whichever ids it lacks, in ascending order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    id: int
    name: str
    sql: str


FOUNDATION = Migration(
    1,
    "foundation: settings and jobs",
    """
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        target TEXT NOT NULL,
        params TEXT NOT NULL DEFAULT '{}',
        state TEXT NOT NULL CHECK (state IN
            ('queued', 'starting', 'running', 'succeeded', 'failed', 'cancelled', 'stopped', 'interrupted')),
        resource TEXT,
        pid INTEGER,
        pid_started_at REAL,
        created_at REAL NOT NULL,
        started_at REAL,
        finished_at REAL,
        heartbeat_at REAL,
        progress_done REAL NOT NULL DEFAULT 0,
        progress_total REAL,
        message TEXT NOT NULL DEFAULT '',
        result TEXT,
        error TEXT,
        stop_requested TEXT CHECK (stop_requested IN ('stop', 'cancel')),
        stop_requested_at REAL,
        grace_s REAL NOT NULL DEFAULT 20,
        resumes TEXT
    );
    CREATE INDEX jobs_state ON jobs (state, created_at);
    CREATE INDEX jobs_kind ON jobs (kind, created_at);
    """,
)

DOCUMENTS = Migration(
    100,
    "documents and chunks",
    """
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        file_type TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        size_bytes INTEGER NOT NULL,
        source_path TEXT NOT NULL,
        markdown_path TEXT,
        pages INTEGER,
        pipeline TEXT,
        status TEXT NOT NULL CHECK (status IN ('queued', 'converting', 'ready', 'error')),
        warning TEXT,
        error TEXT,
        job_id TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        deleted_at REAL
    );
    CREATE TABLE chunks (
        id TEXT PRIMARY KEY,
        document_id TEXT NOT NULL REFERENCES documents (id),
        position REAL NOT NULL,
        heading_path TEXT NOT NULL DEFAULT '[]',
        text TEXT NOT NULL,
        token_count INTEGER NOT NULL,
        excluded INTEGER NOT NULL DEFAULT 0,
        derived_from TEXT NOT NULL DEFAULT '[]',
        retired_at REAL,
        created_at REAL NOT NULL
    );
    CREATE INDEX chunks_document ON chunks (document_id, position);
    """,
)

EXAMPLES = Migration(
    300,
    "examples, revisions and dataset versions",
    """
    CREATE TABLE examples (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
        revision INTEGER NOT NULL DEFAULT 1,
        messages TEXT NOT NULL,
        intent TEXT,
        document_id TEXT REFERENCES documents (id),
        chunk_id TEXT REFERENCES chunks (id),
        question TEXT,
        reference_answer TEXT,
        teacher TEXT,
        verdicts TEXT NOT NULL DEFAULT '{}',
        tags TEXT NOT NULL DEFAULT '[]',
        origin TEXT NOT NULL DEFAULT 'generated',
        job_id TEXT,
        content_hash TEXT NOT NULL,
        token_count INTEGER NOT NULL DEFAULT 0,
        reviewer TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX examples_status ON examples (status, updated_at);
    CREATE INDEX examples_intent ON examples (intent);
    CREATE INDEX examples_document ON examples (document_id);
    CREATE INDEX examples_chunk ON examples (chunk_id);
    CREATE INDEX examples_hash ON examples (content_hash);
    CREATE INDEX examples_job ON examples (job_id);
    CREATE TABLE example_revisions (
        example_id TEXT NOT NULL REFERENCES examples (id),
        revision INTEGER NOT NULL,
        messages TEXT NOT NULL,
        status TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '[]',
        editor TEXT,
        note TEXT,
        created_at REAL NOT NULL,
        PRIMARY KEY (example_id, revision)
    );
    CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        kind TEXT NOT NULL DEFAULT 'sft' CHECK (kind IN ('sft', 'preference')),
        seed INTEGER NOT NULL,
        system_prompt TEXT,
        manifest TEXT NOT NULL,
        manifest_hash TEXT NOT NULL,
        path TEXT NOT NULL,
        created_at REAL NOT NULL,
        UNIQUE (name, version)
    );
    CREATE TABLE dataset_items (
        dataset_id TEXT NOT NULL REFERENCES datasets (id),
        example_id TEXT NOT NULL REFERENCES examples (id),
        revision INTEGER NOT NULL,
        split TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),
        PRIMARY KEY (dataset_id, example_id)
    );
    """,
)

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

MIGRATIONS: tuple[Migration, ...] = (FOUNDATION, DOCUMENTS, EXAMPLES, TRAINING)
