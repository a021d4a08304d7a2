"""The training data of a run: a frozen dataset version's conversations, read without torch.

    conversations = read_split(dataset, "train")      # [[{"role": ..., "content": ...}, ...], ...]
    rows = with_opening_practice(conversations, 1)     # + each opening exchange once more (TrainConfig)
    size = data_size(dataset, opening_practice=1)      # for the estimate, as training will see the split

Only `messages` is read from each line (training ignores metadata); a line that is not a conversation
stops the run with the file and line number, since a frozen dataset version should never hold one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.review.records import Dataset, Split
from core.train.estimate import DataSize

Conversation = list[dict[str, str]]
CHARS_PER_TOKEN = 3.6  # for datasets whose manifest has no token counts


class TrainingDataError(ValueError):
    """The dataset version cannot be trained on; the message names the file and line."""


def read_split(dataset: Dataset, split: Split) -> list[Conversation]:
    path = dataset.split_path(split)
    if not path.exists():
        if split == "train":
            raise TrainingDataError(
                f"Dataset {dataset.id} has no {path.name} (looked in {path.parent}). Build the dataset version again "
                "in the Review tab."
            )
        return []
    return [_conversation(line, path, number) for number, line in _lines(path)]


def _lines(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    return [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]


def _conversation(line: str, path: Path, number: int) -> Conversation:
    try:
        record: Any = json.loads(line)
        messages = record["messages"]
        conversation = [{"role": str(m["role"]), "content": str(m["content"])} for m in messages]
    except (ValueError, KeyError, TypeError) as exc:
        raise TrainingDataError(
            f"{path}, line {number}: not a chat conversation ({type(exc).__name__}: {exc}). Each line must be "
            '{"messages": [{"role": ..., "content": ...}, ...]}; rebuild the dataset version.'
        ) from exc
    if not any(m["role"] == "assistant" for m in conversation):
        raise TrainingDataError(f"{path}, line {number}: the conversation has no tutor (assistant) turn.")
    return conversation


def with_opening_practice(conversations: list[Conversation], repeats: int) -> list[Conversation]:
    """The conversations, then `repeats` copies of each one's opening exchange (up to its first tutor turn).

    A conversation with a single tutor turn adds nothing: it is all opening already. This weighs the first
    reply against the later ones without training the later ones more often."""
    openings = [opening_exchange(c) for c in conversations]
    extra = [o for o, c in zip(openings, conversations, strict=True) if len(o) < len(c)]
    return conversations + extra * repeats


def opening_exchange(conversation: Conversation) -> Conversation:
    """The messages up to and including the first tutor (assistant) turn."""
    first = next(i for i, m in enumerate(conversation) if m["role"] == "assistant")
    return conversation[: first + 1]


def data_size(dataset: Dataset, opening_practice: int = 0) -> DataSize:
    """Rows and mean tokens of the train split as training sees them (extra opening exchanges included): the
    manifest's counts when it has them (the extras estimated from their characters), else counted from the file."""
    counts = dataset.manifest.get("counts") or {}
    tokens = dataset.manifest.get("tokens") or {}
    validation = int(counts.get("validation") or 0)
    if counts.get("train") and tokens.get("train"):
        # the file is read only for the extras: without them the manifest is enough
        practised = read_split(dataset, "train") if opening_practice else []
        extras = _estimated_lengths(_extra_openings(practised, opening_practice))
        rows = int(counts["train"]) + len(extras)
        return DataSize(rows, (float(tokens["train"]) + sum(extras)) / rows, validation, None)
    conversations = read_split(dataset, "train")
    lengths = _estimated_lengths(conversations + _extra_openings(conversations, opening_practice))
    mean = sum(lengths) / len(lengths) if lengths else 0.0
    if not validation:
        validation = len(read_split(dataset, "validation"))
    return DataSize(len(lengths), mean, validation, int(max(lengths)) if lengths else None)


def _extra_openings(conversations: list[Conversation], opening_practice: int) -> list[Conversation]:
    return with_opening_practice(conversations, opening_practice)[len(conversations) :]


def _estimated_lengths(conversations: list[Conversation]) -> list[float]:
    return [sum(len(m["content"]) for m in c) / CHARS_PER_TOKEN + 8 * len(c) for c in conversations]
