"""The exact lines a dataset version is made of, and the metadata sidecar's format.

A chat line is `{"messages": [{"role", "content"}, ...]}` and nothing else, so the file passes the
OpenAI fine-tuning format checks. Its metadata travels on the same line number of `<split>.meta.jsonl`:

    {"chunk": ..., "document": "Fractions", "id": "ex_1a2b", "intent": "confused", "reference_answer": ...,
     "revision": 3, "split": "train", "status": "accepted", "tags": [...], "verdicts": {...}, ...}

Import reads the same sidecar back (see `read_meta`), so export -> import keeps the metadata.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from core.review.records import Example, Message


class DatasetError(ValueError):
    """A dataset cannot be built, exported or imported as asked; the message says how to fix it."""


@dataclass(frozen=True)
class ExampleMeta:
    """Metadata of one imported conversation (from a .meta.jsonl line); every field optional."""

    intent: str | None = None
    reference_answer: str | None = None
    question: str | None = None
    teacher: str | None = None
    tags: list[str] = field(default_factory=list)
    verdicts: dict[str, Any] = field(default_factory=dict)
    document: str | None = None
    document_id: str | None = None
    chunk: str | None = None
    chunk_id: str | None = None


TEXT_FIELDS = (
    "intent",
    "reference_answer",
    "question",
    "teacher",
    "document",
    "document_id",
    "chunk",
    "chunk_id",
)


# Characters that str.splitlines() and some editors treat as line breaks although JSON leaves them raw:
# written as escapes, so every tool sees one conversation per line.
LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_line(data: Any, *, sort_keys: bool = False) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=sort_keys)
    for raw, escaped in LINE_BREAKS.items():
        text = text.replace(raw, escaped)
    return text + "\n"


def chat_line(messages: list[Message]) -> str:
    """One conversation as a JSONL line: role before content, as people write it, and nothing else."""
    return json_line({"messages": [{"role": m["role"], "content": m["content"]} for m in messages]})


def meta_line(example: Example, documents: dict[str, str], split: str) -> str:
    data = {
        "id": example.id,
        "revision": example.revision,
        "split": split,
        "status": example.status,
        "intent": example.intent,
        "tags": example.tags,
        "reference_answer": example.reference_answer,
        "question": example.question,
        "teacher": example.teacher,
        "verdicts": example.verdicts,
        "origin": example.origin,
        "document": documents.get(example.document_id or "", example.source_name),
        "document_id": example.document_id,
        "chunk": example.chunk_id or example.source_chunk,
        "chunk_id": example.chunk_id,
    }
    return json_line(data, sort_keys=True)


def read_meta(text: str, line: int) -> ExampleMeta:
    """Parse one sidecar line; raises DatasetError naming the line and the field to fix."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DatasetError(
            f"Metadata line {line} is not valid JSON ({exc}). Fix or delete the .meta.jsonl file."
        ) from None
    if not isinstance(data, dict):
        raise DatasetError(f"Metadata line {line} is not a JSON object. Fix or delete the .meta.jsonl file.")
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise DatasetError(f'Metadata line {line}: "{name}" must be text or null. Fix that field.')
        values[name] = value
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise DatasetError(f'Metadata line {line}: "tags" must be a list of words. Fix that field.')
    verdicts = data.get("verdicts") or {}
    if not isinstance(verdicts, dict):
        raise DatasetError(f'Metadata line {line}: "verdicts" must be an object. Fix that field.')
    return ExampleMeta(tags=tags, verdicts=verdicts, **values)


def choose_system_prompt(prompts: list[str | None]) -> str | None:
    """The dataset's one system prompt: the most common among its examples; on a tie, none at all."""
    if not prompts:
        return None
    counts = Counter(prompts)
    best = max(counts.values())
    tied = [p for p, n in counts.items() if n == best]
    return None if None in tied else min(p for p in tied if p is not None)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: Any) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
