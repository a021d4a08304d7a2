"""Fixtures of the serving tests: a workspace as Train leaves it after SFT and preference tuning.

    def test_x(shipping): shipping.sft_id, shipping.dpo_id, shipping.store, shipping.workspace

The SFT adapter is the session's random tiny adapter with its dataset and card (tests/core/evaluate
helpers); the DPO adapter is another random LoRA, recorded as a DPO run started from the SFT one, with a
card that carries the chat template. Real files and rows, as the stages write them; no training here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.paths import Workspace
from core.review.records import Dataset
from core.store import Store, new_id
from core.train.card import build_card, write_card
from core.train.records import insert_adapter, insert_run
from tests.core.evaluate.helpers import build_test_dataset, card_facts, register_adapter
from tests.support.model_fixtures import build_tiny_adapter

DPO_SEED = 11


@dataclass(frozen=True)
class Shipping:
    store: Store
    workspace: Workspace
    dataset: Dataset
    sft_id: str
    dpo_id: str

    def adapter_path(self, adapter_id: str) -> Path:
        row = self.store.query_one("SELECT path FROM adapters WHERE id = ?", (adapter_id,))
        assert row is not None
        return Path(row["path"])


def register_dpo_adapter(
    store: Store, workspace: Workspace, parent_id: str, dataset: Dataset, model_dir: Path
) -> str:
    run_id = new_id("run")
    run_dir = workspace.run_dir(run_id)
    build_tiny_adapter(model_dir, run_dir / "adapter", seed=DPO_SEED)
    adapter_id = f"tiny@local+{dataset.id}+preferences@v1+dpo@v1"
    facts = card_facts(adapter_id, run_id, dataset, run_dir)
    template = (model_dir / "chat_template.jinja").read_text()
    card = build_card(facts) | {"method": "dpo"}
    card["chat_template"] = {"sha256": "t", "text": template, "loss_masking": "preference"}
    card_path = write_card(run_dir, card, run_dir / "adapter")
    with store.transaction() as conn:
        insert_run(
            conn,
            run_id=run_id,
            base_model="tiny",
            dataset_id="preferences@v1",
            config={},
            folder=str(run_dir),
            method="dpo",
            parent_adapter_id=parent_id,
        )
        insert_adapter(
            conn,
            adapter_id=adapter_id,
            base_model="tiny",
            path=str(run_dir / "adapter"),
            version=1,
            run_id=run_id,
            base_revision="local",
            dataset_id=dataset.id,
            method="dpo",
            card_path=str(card_path),
        )
    return adapter_id


@pytest.fixture
def shipping(
    tiny_workspace: Workspace, store: Store, tiny_model_dir: Path, tiny_adapter_dir: Path
) -> Shipping:
    dataset = build_test_dataset(store, tiny_workspace, tiny_model_dir)
    sft_id = register_adapter(store, tiny_workspace, tiny_adapter_dir, dataset)
    dpo_id = register_dpo_adapter(store, tiny_workspace, sft_id, dataset, tiny_model_dir)
    return Shipping(store, tiny_workspace, dataset, sft_id, dpo_id)


def greedy(model_dir: Path, adapter_dir: Path | None, prompt: str, tokens: int = 12) -> str:
    """Plain transformers (+ peft) greedy decoding: how a user of an export would load it."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModelForCausalLM.from_pretrained(str(model_dir))
    if adapter_dir is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter_dir))
    inputs = tokenizer.apply_chat_template(
        [{"role": "user", "content": prompt}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    output = model.generate(**inputs, max_new_tokens=tokens, do_sample=False)
    return str(tokenizer.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True))


def manifest_files(folder: Path) -> dict[str, str]:
    return dict(json.loads((folder / "export.json").read_text())["files"])
