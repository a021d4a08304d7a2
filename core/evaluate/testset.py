"""The test split of a dataset version as replay items: one per tutor turn of every test conversation.

    test = load_test_set(store, dataset, max_conversations=20)
    for turn in test.turns:
        turn.history      # the conversation before this tutor turn (what a variant is shown)
        turn.reference    # what the curated tutor said there
        turn.context      # what a reply is judged against (answer key, intent, vocabulary)

The split is `test.jsonl` (OpenAI chat format) with `test.meta.jsonl` beside it, aligned line by line:
each metadata line carries the example's intent, question, reference answer and source chunk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.documents.records import get_chunk
from core.evaluate.metrics import NO_INTENT, TurnContext
from core.review.records import Dataset
from core.store import Store


class TestSetError(ValueError):
    """The test split cannot be read; the message names the file, the line and the fix."""

    __test__ = False  # a name pytest would otherwise try to collect


@dataclass(frozen=True)
class TestTurn:
    __test__ = False
    conversation: int  # the conversation's line in test.jsonl, from 0
    turn: int  # the reference tutor turn's position in the conversation's messages
    history: tuple[dict[str, str], ...]
    reference: str
    context: TurnContext

    @property
    def intent(self) -> str:
        return self.context.intent

    @property
    def last_student(self) -> str:
        return next((m["content"] for m in reversed(self.history) if m.get("role") == "user"), "")


@dataclass(frozen=True)
class TestSet:
    __test__ = False
    dataset_id: str
    conversations: list[list[dict[str, str]]]
    meta: list[dict[str, Any]]
    turns: list[TestTurn]
    vocabulary_texts: list[str]  # everything the test conversations talk about (for the probes)

    @property
    def intents(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.meta:
            intent = item.get("intent") or NO_INTENT
            counts[intent] = counts.get(intent, 0) + 1
        return dict(sorted(counts.items()))


def load_test_set(store: Store, dataset: Dataset, max_conversations: int | None = None) -> TestSet:
    """Every tutor turn of the split's conversations (the first `max_conversations` of them)."""
    path = dataset.split_path("test")
    conversations = read_conversations(path)
    if not conversations:
        raise TestSetError(
            f"The dataset version {dataset.id} has no test conversations ({path} is empty or missing). "
            "Build a new version in the Review tab with a test share above 0, then evaluate that version."
        )
    meta = read_meta(path.with_name("test.meta.jsonl"), len(conversations))
    if max_conversations:
        conversations, meta = conversations[:max_conversations], meta[:max_conversations]
    turns, texts = [], []
    for index, (messages, info) in enumerate(zip(conversations, meta, strict=True)):
        material = chunk_material(store, info)
        texts += [m["content"] for m in messages] + material
        turns += conversation_turns(index, messages, info, material)
    return TestSet(dataset.id, conversations, meta, turns, texts)


def conversation_turns(
    index: int, messages: list[dict[str, str]], info: dict[str, Any], material: list[str]
) -> list[TestTurn]:
    turns = []
    for position, message in enumerate(messages):
        if message["role"] != "assistant" or position == 0:
            continue
        history = messages[:position]
        context = TurnContext.build(
            history,
            reference_answer=info.get("reference_answer"),
            question=info.get("question"),
            intent=info.get("intent"),
            material=material + [m["content"] for m in messages],
        )
        turns.append(TestTurn(index, position, tuple(history), message["content"], context))
    return turns


def read_conversations(path: Path) -> list[list[dict[str, str]]]:
    if not path.is_file():
        return []
    conversations = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            messages = json.loads(line)["messages"]
            conversations.append([{"role": m["role"], "content": m["content"]} for m in messages])
        except (ValueError, KeyError, TypeError) as exc:
            raise TestSetError(
                f"{path}, line {number}: not a chat conversation ({exc}). The frozen file was changed; "
                "build a new dataset version in the Review tab."
            ) from None
    return conversations


def read_meta(path: Path, count: int) -> list[dict[str, Any]]:
    """The sidecar's lines; without a sidecar every example has no intent and no reference answer."""
    if not path.is_file():
        return [{} for _ in range(count)]
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(lines) != count:
        raise TestSetError(
            f"{path} has {len(lines)} lines but test.jsonl has {count} conversations; they must match line "
            "for line. Build a new dataset version in the Review tab."
        )
    meta = []
    for number, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise TestSetError(f"{path}, line {number}: not valid JSON ({exc}).") from None
        if not isinstance(item, dict):
            raise TestSetError(f"{path}, line {number}: expected a JSON object of metadata.")
        meta.append(item)
    return meta


def chunk_material(store: Store, info: dict[str, Any]) -> list[str]:
    """The source chunk's text and heading when the chunk is still in this workspace."""
    chunk_id = info.get("chunk_id")
    chunk = get_chunk(store, chunk_id) if isinstance(chunk_id, str) and chunk_id else None
    if chunk is None:
        return [str(info.get("document") or "")]
    return [chunk.text, " ".join(chunk.heading_path), str(info.get("document") or "")]
