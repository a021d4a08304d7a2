"""Scenario buttons: realistic student messages to send to every column.

    pick_scenario(store, "test_set", turn=0)       # the first student turn of a held-out test conversation
    pick_scenario(store, "frustration", turn=3)    # the 4th frustrated-student probe (wrapping around)

"test_set" draws from the latest dataset version's test split: conversations the adapter never saw in
training. The other sources are the probe categories of assets/probes.yaml. `turn` walks through a
source in a fixed shuffled order, so pressing a button again gives the next message, not a repeat.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from core.compare.probes import CATEGORY_LABELS, load_probes
from core.review.records import latest_dataset
from core.store import Store

TEST_SET = "test_set"
SOURCE_LABELS: dict[str, str] = {TEST_SET: "From the test set", **CATEGORY_LABELS}
SHUFFLE_SEED = 20240601


class ScenarioError(ValueError):
    """No message can be drawn from this source; the message says what to do."""


@dataclass(frozen=True)
class Scenario:
    source: str
    message: str
    note: str  # where it came from, in words


def test_set_messages(store: Store) -> tuple[list[str], str]:
    """First student turns of the latest dataset's test split, and the dataset's id."""
    dataset = latest_dataset(store)
    if dataset is None:
        raise ScenarioError(
            "No dataset version yet, so there is no held-out test set: accept examples in the Review tab and "
            "build a dataset version, or use the probe buttons."
        )
    path = dataset.split_path("test")
    messages = first_user_turns(path) if path.is_file() else []
    if not messages:
        raise ScenarioError(
            f"The test split of {dataset.id} is empty: build a dataset version with more accepted examples, "
            "or use the probe buttons."
        )
    return messages, dataset.id


def first_user_turns(path: Path) -> list[str]:
    """The first user message of each conversation in a chat JSONL file (unreadable lines are skipped)."""
    turns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            messages = json.loads(line).get("messages") or []
        except (ValueError, AttributeError):
            continue
        first = next(
            (m.get("content") for m in messages if isinstance(m, dict) and m.get("role") == "user"), None
        )
        if isinstance(first, str) and first.strip():
            turns.append(first.strip())
    return turns


def pick_scenario(store: Store, source: str, turn: int = 0) -> Scenario:
    """The `turn`-th message of `source` (wrapping around) in a fixed shuffled order."""
    if source == TEST_SET:
        messages, dataset_id = test_set_messages(store)
        note = f"a held-out test conversation of {dataset_id}"
    elif source in CATEGORY_LABELS:
        messages = [p.message for p in load_probes() if p.category == source]
        note = f"built-in probe: {CATEGORY_LABELS[source].lower()}"
    else:
        raise ScenarioError(f"Unknown scenario source {source!r}; use one of {', '.join(SOURCE_LABELS)}.")
    if not messages:
        raise ScenarioError(f"{SOURCE_LABELS[source]}: the probe file has no message of this kind; add some.")
    order = list(range(len(messages)))
    random.Random(SHUFFLE_SEED).shuffle(order)
    index = order[turn % len(messages)]
    return Scenario(source, messages[index], f"{note} ({turn % len(messages) + 1} of {len(messages)})")
