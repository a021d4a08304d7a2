"""Test helpers of the Evaluate stage, shared by tests/core/evaluate and tests/e2e/test_evaluate_*.

    dataset = build_test_dataset(store, workspace, tiny_model_dir)    # the demo conversations, frozen
    adapter_id = register_adapter(store, workspace, tiny_adapter_dir, dataset)   # as Train would record it

Both write real files and rows, the way the Review and Train stages would.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from core.models.spec import ResolvedBase
from core.models.tiny import TINY_NAME
from core.paths import Workspace
from core.review.build import build_dataset
from core.review.importing import load_demo_conversations
from core.review.records import Dataset
from core.review.split import SplitFractions
from core.review.tokens import load_counter
from core.store import Store, new_id
from core.train.card import CardFacts, build_card, write_card
from core.train.records import adapter_id_for, insert_adapter, insert_run, next_adapter_version


class QuietReporter:
    """A Reporter for in-process runs: keeps the progress it was given; `stop_after` fakes a stop request."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.updates: list[tuple[float, float | None, str]] = []
        self.stop_after = stop_after

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        self.updates.append((done, total, message))

    def should_stop(self) -> bool:
        return self.stop_after is not None and len(self.updates) >= self.stop_after


def ensure_tiny(workspace: Workspace, model_dir: Path) -> None:
    """Give the workspace the session's tiny model, so no process has to build it."""
    target = workspace.models_dir / TINY_NAME
    if not target.exists():
        shutil.copytree(model_dir, target)


def build_test_dataset(store: Store, workspace: Workspace, model_dir: Path) -> Dataset:
    """The demo conversations, accepted and frozen as the next `tutor` version with a fifth as the test split."""
    counter = load_counter(ResolvedBase(TINY_NAME, "tiny", str(model_dir), TINY_NAME))
    load_demo_conversations(store, workspace, counter=counter)
    return build_dataset(store, workspace, counter=counter, fractions=SplitFractions(0.1, 0.2)).dataset


def register_adapter(store: Store, workspace: Workspace, adapter_dir: Path, dataset: Dataset) -> str:
    """Record `adapter_dir` as the adapter of a finished training run on `dataset`, with its model card."""
    run_id = new_id("run")
    run_dir = workspace.run_dir(run_id)
    shutil.copytree(adapter_dir, run_dir / "adapter")
    with store.transaction() as conn:
        version = next_adapter_version(conn, TINY_NAME, dataset.id)
        adapter_id = adapter_id_for(TINY_NAME, None, dataset.id, version)
        card_path = write_card(
            run_dir, build_card(card_facts(adapter_id, run_id, dataset, run_dir)), run_dir / "adapter"
        )
        insert_run(
            conn, base_model=TINY_NAME, dataset_id=dataset.id, config={}, folder=str(run_dir), run_id=run_id
        )
        insert_adapter(
            conn,
            adapter_id=adapter_id,
            base_model=TINY_NAME,
            path=str(run_dir / "adapter"),
            version=version,
            run_id=run_id,
            dataset_id=dataset.id,
            card_path=str(card_path),
        )
    return adapter_id


def card_facts(adapter_id: str, run_id: str, dataset: Dataset, run_dir: Path) -> CardFacts:
    return CardFacts(
        adapter_id=adapter_id,
        run_id=run_id,
        base={"name": TINY_NAME, "revision": "local", "parameters": None},
        dataset={
            "id": dataset.id,
            "manifest_hash": dataset.manifest_hash,
            "counts": dataset.manifest["counts"],
        },
        hyperparameters={"lora_r": 8, "max_seq_length": 512},
        training={"steps": 10, "total_steps": 10, "final_loss": 2.0, "first_loss": 3.0},
        hardware={"name": "test CPU"},
        chat_template={"sha256": "0" * 64, "text": "", "loss_masking": "test"},
        adapter_path=str(run_dir / "adapter"),
        size_bytes=1,
        started_at=time.time() - 5,
        finished_at=time.time(),
    )
