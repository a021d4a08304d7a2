"""The training data of a run: a frozen dataset version's conversations, read without torch.

    conversations = read_split(dataset, "train")      # [[{"role": ..., "content": ...}, ...], ...]
    size = data_size(dataset)                          # for the estimate, from the manifest when it has counts

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


def data_size(dataset: Dataset) -> DataSize:
    """Conversations and tokens of the train split: the manifest's counts, else counted from the file."""
    counts = dataset.manifest.get("counts") or {}
    tokens = dataset.manifest.get("tokens") or {}
    validation = int(counts.get("validation") or 0)
    if counts.get("train") and tokens.get("train"):
        train = int(counts["train"])
        return DataSize(train, float(tokens["train"]) / train, validation, None)
    conversations = read_split(dataset, "train")
    lengths = [sum(len(m["content"]) for m in c) / CHARS_PER_TOKEN + 8 * len(c) for c in conversations]
    mean = sum(lengths) / len(lengths) if lengths else 0.0
    if not validation:
        validation = len(read_split(dataset, "validation"))
    return DataSize(len(conversations), mean, validation, int(max(lengths)) if lengths else None)
