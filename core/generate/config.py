"""SynthConfig: what one generation run makes, as plain data that goes into job params and the store.

    config = SynthConfig(document_ids=("doc_1",), per_chunk=3, concurrency=16,
                         teacher=TeacherConfig(kind="openai", base_url=URL, model=NAME))
    chunks = select_chunks(store, config)     # the chunks it will write about, in reading order

It holds no secrets: an API key is named by its environment variable, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.documents.records import Chunk, get_chunk, list_chunks, list_documents
from core.generate.intents import StudentMix
from core.generate.teacher_config import TeacherConfig
from core.store import Store

MAX_PER_CHUNK = 20
# Measured with the tutor benchmark (tests/bench/bench_tutor.py): on the demo course, 8 conversations per
# chunk give the bundled 135M model enough varied first replies to learn to ask about each new problem.
DEFAULT_PER_CHUNK = 8
MAX_CONCURRENCY = 64
MAX_ITEMS = 20_000
NO_MATERIAL = "No course material yet: add documents in the Documents tab (or press Load demo course there)."


class SynthError(ValueError):
    """A generation cannot start as asked; the message says how to fix it."""


@dataclass(frozen=True)
class SynthConfig:
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    document_ids: tuple[str, ...] = ()  # empty: every ready document
    chunk_ids: tuple[str, ...] = ()  # when given, exactly these chunks (the documents are then ignored)
    per_chunk: int = DEFAULT_PER_CHUNK  # conversations per chunk
    concurrency: int = 8  # requests to the teacher at once
    mix: StudentMix = field(default_factory=StudentMix.default)
    seed: int = 0
    dedup_threshold: float = 0.8  # word-shingle similarity at which two conversations count as duplicates

    def __post_init__(self) -> None:
        if not 1 <= self.per_chunk <= MAX_PER_CHUNK:
            raise SynthError(f"Conversations per chunk must be 1 to {MAX_PER_CHUNK}; got {self.per_chunk}.")
        if not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise SynthError(f"Concurrency must be 1 to {MAX_CONCURRENCY}; got {self.concurrency}.")
        if not 0.5 <= self.dedup_threshold <= 1:
            raise SynthError(f"The duplicate threshold must be 0.5 to 1; got {self.dedup_threshold}.")

    def to_params(self) -> dict[str, Any]:
        return {
            "teacher": self.teacher.to_dict(),
            "document_ids": list(self.document_ids),
            "chunk_ids": list(self.chunk_ids),
            "per_chunk": self.per_chunk,
            "concurrency": self.concurrency,
            "mix": self.mix.to_dict(),
            "seed": self.seed,
            "dedup_threshold": self.dedup_threshold,
        }

    @classmethod
    def from_params(cls, data: dict[str, Any]) -> SynthConfig:
        return cls(
            teacher=TeacherConfig.from_dict(data.get("teacher") or {}),
            document_ids=tuple(data.get("document_ids") or ()),
            chunk_ids=tuple(data.get("chunk_ids") or ()),
            per_chunk=int(data.get("per_chunk", DEFAULT_PER_CHUNK)),
            concurrency=int(data.get("concurrency", 8)),
            mix=StudentMix(data["mix"]) if data.get("mix") else StudentMix.default(),
            seed=int(data.get("seed", 0)),
            dedup_threshold=float(data.get("dedup_threshold", 0.8)),
        )


def ready_document_ids(store: Store) -> list[str]:
    return [d.id for d in list_documents(store) if d.status == "ready"]


def select_chunks(store: Store, config: SynthConfig) -> list[Chunk]:
    """The chunks a run writes about: the named chunks, else the used chunks of the chosen ready documents."""
    if config.chunk_ids:
        named = {chunk_id: get_chunk(store, chunk_id) for chunk_id in config.chunk_ids}
        missing = [chunk_id for chunk_id, chunk in named.items() if chunk is None]
        if missing:
            raise SynthError(
                f"No chunk with id {missing[0]}; it may have been merged or split. Pick the chunks again."
            )
        return [chunk for chunk in named.values() if chunk is not None]
    ready = ready_document_ids(store)
    wanted = list(config.document_ids) or ready
    not_ready = [doc_id for doc_id in wanted if doc_id not in ready]
    if not_ready:
        raise SynthError(
            f"Document {not_ready[0]} is not ready (still converting, failed, or deleted); wait for it or leave it out."
        )
    chunks = list_chunks(store, document_ids=wanted, include_excluded=False) if wanted else []
    if not chunks:
        raise SynthError(
            NO_MATERIAL
            if not ready
            else "The chosen documents have no chunks in use; include some chunks in the Documents tab."
        )
    return chunks
