"""Fixtures of the training tests: a dataset version written straight into the workspace (as the
Review stage would freeze one), and fast training settings for the tiny model.

    def test_x(tiny_workspace, store, tutor_dataset): ...   # tutor@v1: 24 train / 4 validation / 4 test
"""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

import pytest

from core.paths import Workspace
from core.review.records import Dataset, get_dataset
from core.store import Store, now, to_json
from core.train.sft_config import TrainConfig

STUDENT = [
    "I don't get how to add {a}/{b} and 1/{b}.",
    "Is {a} times {b} the same as {b} times {a}?",
    "Why does ice float if it is water?",
    "I'm stuck on this and it's frustrating. Just tell me the answer to {a} + {b}!",
    "What pushes a ball when I kick it?",
    "How do plants make food from light?",
]
TUTOR = [
    "Good question! What do you think happens to the bottom number when the pieces are the same size?",
    "Let's try it together. What would you get if you drew {a} rows of {b} dots?",
    "I can see you're working hard. What do you already know about how heavy ice is for its size?",
    "It's fine to feel stuck, you're close. What is the first step you would try?",
    "Nice thinking. What do you notice about the force from your foot?",
    "Great effort! Where do you think the plant gets its energy from?",
]
FOLLOW_UP = "Well done, that's the idea. Can you explain why in your own words?"


def tutor_conversations(count: int, seed: int = 0) -> list[list[dict[str, str]]]:
    """Short Socratic conversations of varied length (one or two tutor turns)."""
    rng = random.Random(seed)
    conversations = []
    for index in range(count):
        topic = index % len(STUDENT)
        a, b = rng.randint(2, 9), rng.randint(2, 9)
        messages = [
            {"role": "user", "content": STUDENT[topic].format(a=a, b=b)},
            {"role": "assistant", "content": TUTOR[topic].format(a=a, b=b)},
        ]
        if rng.random() < 0.5:
            messages += [
                {"role": "user", "content": f"Maybe {a + b}?"},
                {"role": "assistant", "content": FOLLOW_UP},
            ]
        conversations.append(messages)
    return conversations


def write_dataset(
    store: Store,
    workspace: Workspace,
    splits: dict[str, list[list[dict[str, str]]]],
    name: str = "tutor",
    version: int = 1,
) -> Dataset:
    """A frozen dataset version: the split JSONL files, a manifest, and its `datasets` row."""
    dataset_id = f"{name}@v{version}"
    folder = workspace.dataset_dir(dataset_id)
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for split in ("train", "validation", "test"):
        text = "".join(json.dumps({"messages": m}, ensure_ascii=False) + "\n" for m in splits.get(split, []))
        (folder / f"{split}.jsonl").write_text(text, encoding="utf-8")
        files[f"{split}.jsonl"] = hashlib.sha256(text.encode()).hexdigest()
    counts = {split: len(splits.get(split, [])) for split in ("train", "validation", "test")}
    manifest: dict[str, Any] = {"format": "openai-chat", "kind": "sft", "counts": counts, "files": files}
    manifest["content_hash"] = hashlib.sha256(to_json(files).encode()).hexdigest()
    manifest_text = json.dumps(manifest, sort_keys=True)
    (folder / "manifest.json").write_text(manifest_text)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO datasets (id, name, version, kind, seed, manifest, manifest_hash, path, created_at) "
            "VALUES (?, ?, ?, 'sft', 42, ?, ?, ?, ?)",
            (
                dataset_id,
                name,
                version,
                manifest_text,
                hashlib.sha256(manifest_text.encode()).hexdigest(),
                str(folder),
                now(),
            ),
        )
    found = get_dataset(store, dataset_id)
    assert found is not None
    return found


@pytest.fixture
def tutor_dataset(store: Store, workspace: Workspace) -> Dataset:
    conversations = tutor_conversations(32)
    return write_dataset(
        store,
        workspace,
        {"train": conversations[:24], "validation": conversations[24:28], "test": conversations[28:]},
    )


def fast_config(**overrides: Any) -> TrainConfig:
    """Settings that train tiny in seconds and visibly lower its loss."""
    values: dict[str, Any] = {
        "base": "tiny",
        "lora_rank": 8,
        "lora_alpha": 16,
        "lora_dropout": 0.0,
        "learning_rate": 5e-3,
        "max_steps": 30,
        "batch_size": 4,
        "max_seq_length": 256,
        "logging_steps": 2,
        "save_steps": 10,
        "warmup_ratio": 0.0,
        "lr_scheduler": "constant",
    }
    values.update(overrides)
    return TrainConfig.from_preset("quick", **values)


class RecordingReporter:
    """Stands in for a JobContext: keeps every progress report and metric record; stops on request."""

    def __init__(self, stop_at_step: int | None = None, mode: str = "stop") -> None:
        self.progress_reports: list[tuple[float, float | None, str]] = []
        self.records: list[dict[str, Any]] = []
        self.stop_mode: str | None = None
        self._stop_at = stop_at_step
        self._mode = mode

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        self.progress_reports.append((done, total, message))
        if self._stop_at is not None and done >= self._stop_at:
            self.stop_mode = self._mode

    def log_metrics(self, record: dict[str, Any]) -> None:
        self.records.append(record)

    def should_stop(self) -> bool:
        return self.stop_mode is not None
