"""Fixtures of the evaluation tests: a dataset version with a test split (the demo conversations, built
as Review builds them) and the session's tiny LoRA registered as a trained adapter with a model card.

    def test_x(eval_workspace): eval_workspace.store, .workspace, .adapter_id, .dataset
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.paths import Workspace
from core.review.records import Dataset
from core.store import Store
from tests.core.evaluate.helpers import build_test_dataset, register_adapter


@dataclass(frozen=True)
class EvalWorkspace:
    store: Store
    workspace: Workspace
    adapter_id: str
    dataset: Dataset


@pytest.fixture
def eval_workspace(
    tiny_workspace: Workspace, tiny_model_dir: Path, tiny_adapter_dir: Path
) -> Iterator[EvalWorkspace]:
    store = Store.open(tiny_workspace)
    dataset = build_test_dataset(store, tiny_workspace, tiny_model_dir)
    adapter_id = register_adapter(store, tiny_workspace, tiny_adapter_dir, dataset)
    yield EvalWorkspace(store, tiny_workspace, adapter_id, dataset)
    store.close()


def overall(report: dict[str, Any], variant: str) -> dict[str, Any]:
    return dict(report["variants"][variant]["overall"])
