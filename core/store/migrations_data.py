"""Migrations 1-399: the foundation (settings, jobs) and the course material (documents, chunks,
generation runs, examples with their revisions, review indexes and datasets).

Never edit an applied migration: add a new one. core.store.schema lists them in order.
"""

from __future__ import annotations

from core.store.migration import Migration

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

# The stage packages were renamed (core/training -> core/train, ...): a job recorded before the rename
# (queued, or interrupted and resumable) names its target by the old module, which no longer exists.
JOB_TARGETS_RENAMED = Migration(
    2,
    "job targets follow the renamed stage packages",
    """
    UPDATE jobs SET target = 'core.review.build:build_dataset_job' WHERE target = 'core.dataset.build:build_dataset_job';
    UPDATE jobs SET target = 'core.evaluate.job:evaluation_job' WHERE target = 'core.evaluation.job:evaluation_job';
    UPDATE jobs SET target = 'core.deploy.exports:export_job' WHERE target = 'core.serving.exports:export_job';
    UPDATE jobs SET target = 'core.deploy.parity_run:parity_job' WHERE target = 'core.serving.parity_run:parity_job';
    UPDATE jobs SET target = 'core.generate.job:generate_job' WHERE target = 'core.synth.job:generate_job';
    UPDATE jobs SET target = 'core.train.dpo_job:preference_job' WHERE target = 'core.training.dpo_job:preference_job';
    UPDATE jobs SET target = 'core.train.sft_job:train_job' WHERE target = 'core.training.job:train_job';
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

DOCUMENT_CHUNKING = Migration(
    101,
    "documents: the chunk size and tokenizer each document was chunked with",
    """
    ALTER TABLE documents ADD COLUMN chunk_tokens INTEGER;
    ALTER TABLE documents ADD COLUMN tokenizer TEXT;
    CREATE INDEX chunks_active ON chunks (document_id, retired_at, position);
    """,
)

GENERATION = Migration(
    200,
    "generation runs and their items (a resumed run skips finished items)",
    """
    CREATE TABLE generation_runs (
        id TEXT PRIMARY KEY,
        config TEXT NOT NULL,
        policy TEXT NOT NULL,
        teacher TEXT NOT NULL,
        total INTEGER NOT NULL,
        job_id TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX generation_runs_created ON generation_runs (created_at);
    CREATE TABLE generation_items (
        run_id TEXT NOT NULL REFERENCES generation_runs (id),
        position INTEGER NOT NULL,
        chunk_id TEXT NOT NULL,
        slot INTEGER NOT NULL,
        intent TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'kept', 'filtered', 'failed')),
        reason TEXT,
        detail TEXT,
        example_id TEXT,
        job_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        seconds REAL,
        payload TEXT,
        updated_at REAL NOT NULL,
        PRIMARY KEY (run_id, chunk_id, slot)
    );
    CREATE INDEX generation_items_state ON generation_items (run_id, state, position);
    CREATE INDEX generation_items_job ON generation_items (job_id, updated_at);
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

# Shared by the triggers of REVIEW_INDEX: derived columns and the search text of one example row.
_FIRST_USER = (
    "coalesce((SELECT substr(json_extract(value, '$.content'), 1, 400) FROM json_each(new.messages) "
    "WHERE json_extract(value, '$.role') = 'user' ORDER BY key LIMIT 1), '')"
)
_TUTOR_TURNS = (
    "(SELECT count(*) FROM json_each(new.messages) WHERE json_extract(value, '$.role') = 'assistant')"
)
# A verdict fails when it is false, a "fail"-like word, or an object whose passed/pass is false
# (mirrored in core.review.records.failed_verdicts).
_VERDICT_STATE = (
    "CASE WHEN (SELECT count(*) FROM json_each(new.verdicts)) = 0 THEN 'none' "
    "WHEN EXISTS (SELECT 1 FROM json_each(new.verdicts) WHERE type = 'false' "
    "OR (type = 'text' AND lower(value) IN ('fail', 'failed', 'reject', 'rejected')) "
    "OR (type = 'object' AND (json_extract(value, '$.passed') = 0 OR json_extract(value, '$.pass') = 0))) "
    "THEN 'failed' ELSE 'passed' END"
)
_SEARCH_BODY = (
    "coalesce((SELECT group_concat(json_extract(value, '$.content'), char(10)) FROM json_each(new.messages)), '')"
    " || char(10) || coalesce(new.intent, '') || ' ' || coalesce(new.reference_answer, '') || ' ' || "
    "coalesce((SELECT group_concat(value, ' ') FROM json_each(new.tags)), '') || ' ' || coalesce(new.source_name, '')"
)
_DERIVE = f"first_user = {_FIRST_USER}, tutor_turns = {_TUTOR_TURNS}, verdict_state = {_VERDICT_STATE}"

REVIEW_INDEX = Migration(
    301,
    "review: derived columns, full-text search, revision details, bulk-action batches",
    f"""
    ALTER TABLE examples ADD COLUMN first_user TEXT NOT NULL DEFAULT '';
    ALTER TABLE examples ADD COLUMN tutor_turns INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE examples ADD COLUMN verdict_state TEXT NOT NULL DEFAULT 'none';
    ALTER TABLE examples ADD COLUMN source_name TEXT;
    ALTER TABLE examples ADD COLUMN source_chunk TEXT;
    ALTER TABLE examples ADD COLUMN search_rowid INTEGER;
    ALTER TABLE example_revisions ADD COLUMN intent TEXT;
    ALTER TABLE example_revisions ADD COLUMN reference_answer TEXT;
    ALTER TABLE example_revisions ADD COLUMN batch_id TEXT;
    CREATE INDEX example_revisions_batch ON example_revisions (batch_id);
    CREATE INDEX examples_created ON examples (created_at);
    CREATE INDEX examples_updated ON examples (updated_at);
    CREATE INDEX examples_tokens ON examples (token_count);
    CREATE INDEX examples_verdict ON examples (verdict_state);
    CREATE INDEX examples_search ON examples (search_rowid);
    CREATE TABLE example_batches (
        id TEXT PRIMARY KEY,
        action TEXT NOT NULL,
        description TEXT NOT NULL,
        example_count INTEGER NOT NULL DEFAULT 0,
        editor TEXT,
        created_at REAL NOT NULL,
        undone_at REAL,
        undone_by TEXT
    );
    CREATE INDEX example_batches_created ON example_batches (created_at);
    CREATE VIRTUAL TABLE examples_fts USING fts5 (example_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2');
    CREATE TRIGGER examples_after_insert AFTER INSERT ON examples BEGIN
        INSERT INTO examples_fts (example_id, body) VALUES (new.id, {_SEARCH_BODY});
        UPDATE examples SET {_DERIVE}, search_rowid = last_insert_rowid() WHERE id = new.id;
    END;
    CREATE TRIGGER examples_after_update AFTER UPDATE OF messages, verdicts, intent, reference_answer, tags, source_name
    ON examples WHEN new.messages IS NOT old.messages OR new.verdicts IS NOT old.verdicts
        OR new.intent IS NOT old.intent OR new.reference_answer IS NOT old.reference_answer
        OR new.tags IS NOT old.tags OR new.source_name IS NOT old.source_name OR old.search_rowid IS NULL
    BEGIN
        DELETE FROM examples_fts WHERE rowid = old.search_rowid;
        INSERT INTO examples_fts (example_id, body) VALUES (new.id, {_SEARCH_BODY});
        UPDATE examples SET {_DERIVE}, search_rowid = last_insert_rowid() WHERE id = new.id;
    END;
    CREATE TRIGGER examples_after_delete AFTER DELETE ON examples BEGIN
        DELETE FROM examples_fts WHERE rowid = old.search_rowid;
    END;
    UPDATE example_revisions SET
        intent = (SELECT intent FROM examples WHERE examples.id = example_revisions.example_id),
        reference_answer = (SELECT reference_answer FROM examples WHERE examples.id = example_revisions.example_id);
    UPDATE examples SET messages = messages;
    """,
)

REVISION_HASHES = Migration(
    302,
    "review: revision hashes (an edited example still counts as present); indexes for a fast table",
    """
    ALTER TABLE example_revisions ADD COLUMN content_hash TEXT;
    CREATE INDEX example_revisions_hash ON example_revisions (content_hash);
    CREATE INDEX examples_review ON examples
        (created_at, id, status, intent, verdict_state, search_rowid, document_id, source_name, tags);
    CREATE INDEX examples_updated_id ON examples (updated_at, id);
    CREATE INDEX examples_status_tokens ON examples (status, token_count);
    CREATE INDEX examples_tokens_id ON examples (token_count, id);
    CREATE INDEX examples_turns_id ON examples (tutor_turns, id);
    CREATE INDEX examples_intent_status ON examples (intent, status);
    CREATE INDEX examples_source_status ON examples (document_id, source_name, status);
    CREATE INDEX examples_tags ON examples (tags);
    """,
)
