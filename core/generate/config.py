"""SynthConfig: what one generation run makes, as plain data that goes into job params and the store.

    config = SynthConfig(document_ids=("doc_1",), per_chunk=3, concurrency=16,
                         teacher=TeacherConfig(kind="openai", base_url=URL, model=NAME))
    chunks = select_chunks(store, config)     # the chunks it will write about, in reading order

Every field carries a plain-words `description`: the Generate tab shows it as the field's help text and the
`generate` command as its flag's help; the defaults are written here once and read by both.
It holds no secrets: an API key is named by its environment variable, never stored.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.documents.records import Chunk, get_chunk, list_chunks, list_documents
from core.generate.intents import StudentMix
from core.generate.teacher_config import TeacherConfig
from core.store import Store

MAX_PER_CHUNK = 20
# Measured with the tutor benchmark (tests/bench/bench_tutor.py): on the demo course, 8 conversations per
# chunk give the bundled 135M model enough varied first replies to learn to ask about each new problem.
DEFAULT_PER_CHUNK = 8
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 64
MAX_ITEMS = 20_000
NO_MATERIAL = "No course material yet: add documents in the Documents tab (or press Load demo course there)."
TEACHER_HELP = (
    "Who writes the conversations. The template teacher needs no model and is instant, but its wording is "
    "simple; an instruct model (e.g. served by vLLM) writes richer conversations and follows your edited policy."
)
MIX_HELP = "How often each kind of student appears. The numbers are relative weights; 0 leaves a kind out."


class SynthError(ValueError):
    """A generation cannot start as asked; the message says how to fix it."""


class SynthConfig(BaseModel):
    """The settings of one generation run: which chunks, which teacher, how many conversations, which students."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    teacher: TeacherConfig = Field(default_factory=TeacherConfig, description=TEACHER_HELP)
    document_ids: tuple[str, ...] = Field(
        (),
        description="Which documents to write about. Every ready document is chosen at first; remove any to "
        "leave it out.",
    )
    chunk_ids: tuple[str, ...] = Field(
        (),
        description="Leave empty to use every chunk of the chosen documents, or pick chunks to write about "
        "just those.",
    )
    per_chunk: int = Field(
        DEFAULT_PER_CHUNK,
        description="Conversations per chunk. Each one asks about a different fact of the chunk where it can, "
        "with a different kind of student.",
    )
    concurrency: int = Field(
        DEFAULT_CONCURRENCY,
        description="How many conversations are written at the same time (requests to the teacher at once). A "
        "vLLM server handles 32 or more; lower it if the server says 'too many requests'.",
    )
    mix: StudentMix = Field(default_factory=StudentMix.default, description=MIX_HELP)
    seed: int = Field(0, description="Seed for the students' intents and the template's wording.")
    dedup_threshold: float = Field(
        0.8, description="Word-shingle similarity at which two conversations count as duplicates (0.5 to 1)."
    )

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self._check()

    def _check(self) -> None:
        # Checked here, not with Field bounds, so the message is a SynthError fit for the screen and the CLI.
        if not 1 <= self.per_chunk <= MAX_PER_CHUNK:
            raise SynthError(f"Conversations per chunk must be 1 to {MAX_PER_CHUNK}; got {self.per_chunk}.")
        if not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise SynthError(f"Concurrency must be 1 to {MAX_CONCURRENCY}; got {self.concurrency}.")
        if not 0.5 <= self.dedup_threshold <= 1:
            raise SynthError(f"The duplicate threshold must be 0.5 to 1; got {self.dedup_threshold}.")

    def with_changes(self, **changes: Any) -> SynthConfig:
        """A copy with some fields changed, checked like a new config."""
        return type(self)(**(dict(self) | changes))

    @classmethod
    def help(cls, name: str) -> str:
        """A field's description: the Generate tab's `info=` and the `generate` flag's `help=`."""
        return cls.model_fields[name].description or ""

    @classmethod
    def default(cls, name: str) -> Any:
        field = cls.model_fields[name]
        return field.get_default(call_default_factory=True)

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
            concurrency=int(data.get("concurrency", DEFAULT_CONCURRENCY)),
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
