"""The store's schema as ordered migrations. Never edit an applied migration: add a new one.

Each stage owns a range of ids so that stages can add migrations independently:
    1-99 foundation (settings, jobs)      100-199 documents      200-299 generation
    300-399 examples and datasets         400-499 training       500-599 compare/arena
    600-699 evaluation                    700-799 shipping
A database applies whichever ids it lacks, in ascending order.
"""

from __future__ import annotations

from core.store.migration import Migration
from core.store.migrations_data import (
    DOCUMENT_CHUNKING,
    DOCUMENTS,
    EXAMPLES,
    FOUNDATION,
    GENERATION,
    JOB_TARGETS_RENAMED,
    REVIEW_INDEX,
    REVISION_HASHES,
)
from core.store.migrations_runs import ARENA, EVALUATION, SHIPPING, TRAINING, TRAINING_RUNS

__all__ = ["MIGRATIONS", "Migration"]

MIGRATIONS: tuple[Migration, ...] = (
    FOUNDATION,
    JOB_TARGETS_RENAMED,
    DOCUMENTS,
    DOCUMENT_CHUNKING,
    GENERATION,
    EXAMPLES,
    REVIEW_INDEX,
    REVISION_HASHES,
    TRAINING,
    TRAINING_RUNS,
    ARENA,
    EVALUATION,
    SHIPPING,
)
