"""Read a frozen preference dataset version back: the pairs of one split, checked line by line.

    records = read_pairs(dataset, "train")     # [{"prompt": [...], "chosen": [...], "rejected": [...]}, ...]
    size = pair_size(dataset)                  # pairs and their mean length, for the training estimate

A line that is not a preference pair stops with the file, the line and the field to fix, since a frozen
version should never hold one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.review.records import Dataset, Split

CHARS_PER_TOKEN = 3.6
ROLES = ("system", "user", "assistant")


class PreferenceDataError(ValueError):
    """A preference dataset line is unusable; the message names the file, the line and the field."""


def read_pairs(dataset: Dataset, split: Split) -> list[dict[str, Any]]:
    if dataset.kind != "preference":
        raise PreferenceDataError(
            f"{dataset.id} is a conversation dataset; preference tuning needs a preference dataset "
            "(build one from votes, edits and leaks in the Train tab, or `tutor-studio train --method dpo`)."
        )
    path = dataset.split_path(split)
    if not path.exists():
        if split == "train":
            raise PreferenceDataError(f"{path} is missing. Build the preference dataset again.")
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [check_pair(line, path, number) for number, line in enumerate(lines, 1) if line.strip()]


def check_pair(line: str, path: Path, number: int) -> dict[str, Any]:
    where = f"{path}, line {number}"
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise PreferenceDataError(
            f"{where}: not valid JSON ({exc}). Rebuild the preference dataset."
        ) from None
    if not isinstance(record, dict):
        raise PreferenceDataError(f"{where}: expected an object with prompt, chosen and rejected.")
    for field in ("prompt", "chosen", "rejected"):
        _check_messages(record.get(field), f"{where}: `{field}`")
    if record["prompt"][-1]["role"] != "user":
        raise PreferenceDataError(f"{where}: `prompt` must end with a student (user) message.")
    for field in ("chosen", "rejected"):
        if [m["role"] for m in record[field]] != ["assistant"]:
            raise PreferenceDataError(f"{where}: `{field}` must be exactly one assistant message.")
    return {field: record[field] for field in ("prompt", "chosen", "rejected")}


def _check_messages(value: Any, where: str) -> None:
    if not isinstance(value, list) or not value:
        raise PreferenceDataError(f"{where} must be a non-empty list of messages.")
    for message in value:
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise PreferenceDataError(f"{where}: each message needs a role ({', '.join(ROLES)}).")
        if not isinstance(message.get("content"), str) or not message["content"].strip():
            raise PreferenceDataError(f"{where}: each message needs a non-empty text `content`.")


@dataclass(frozen=True)
class PairSize:
    pairs: int
    mean_tokens: float  # prompt + one reply, the length of one of the two sequences of a pair
    validation_pairs: int


def pair_size(dataset: Dataset) -> PairSize:
    """How many training pairs, and how long each of their two sequences is on average (estimated)."""
    pairs = read_pairs(dataset, "train")
    if not pairs:
        return PairSize(0, 0.0, 0)
    lengths = []
    for pair in pairs:
        prompt = sum(len(m["content"]) for m in pair["prompt"])
        reply = (len(pair["chosen"][0]["content"]) + len(pair["rejected"][0]["content"])) / 2
        lengths.append((prompt + reply) / CHARS_PER_TOKEN + 8 * (len(pair["prompt"]) + 1))
    validation = int((dataset.manifest.get("counts") or {}).get("validation") or 0)
    return PairSize(len(pairs), sum(lengths) / len(lengths), validation)
