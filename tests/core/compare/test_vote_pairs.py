"""Votes become DPO preference pairs (TRL's conversational format) and pending review examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.compare.blind import cast_vote
from core.compare.vote_pairs import export_preference_pairs, make_review_examples, preference_pairs
from core.paths import Workspace
from core.review.records import count_examples, get_example
from core.store import Store
from tests.core.compare.comparisons import add_comparison


def vote_twice(store: Store) -> None:
    first = add_comparison(store, order=[1, 2, 0])  # A = prompted, B = adapter, C = base
    cast_vote(store, first.id, "browser:b1", ["B", "A"])
    second = add_comparison(store, message="I give up, this is too hard.")
    cast_vote(store, second.id, "browser:b1", ["B"])


def test_each_vote_yields_every_pair_it_implies(store: Store) -> None:
    vote_twice(store)
    pairs, votes, skipped = preference_pairs(store)
    assert (votes, skipped) == (2, 0)
    assert [(p.meta["chosen_variant"], p.meta["rejected_variant"]) for p in pairs] == [
        ("adapter:a1", "prompted"),
        ("adapter:a1", "base"),
        ("prompted", "base"),
        ("prompted", "base"),  # 2nd vote: only the best (B = prompted) was picked
        ("prompted", "adapter:a1"),
    ]
    assert pairs[0].prompt == [{"role": "user", "content": "What is 1/4 + 2/3?"}]
    assert pairs[0].chosen.startswith("Good question!")


def test_identical_or_empty_replies_make_no_pair(store: Store) -> None:
    comparison = add_comparison(store, replies={"base": "Same.", "prompted": "Same.", "adapter:a1": ""})
    cast_vote(store, comparison.id, "browser:b1", ["A", "B"])
    pairs, _, skipped = preference_pairs(store)
    assert pairs == [] and skipped == 3


def test_exported_pairs_load_in_trl_dpo_format(
    store: Store, workspace: Workspace, tiny_model_dir: Path
) -> None:
    from datasets import load_dataset
    from transformers import AutoTokenizer
    from trl.data_utils import apply_chat_template, is_conversational

    vote_twice(store)
    report = export_preference_pairs(store, workspace, name="pairs")
    assert report.path == workspace.exports_dir / "pairs.jsonl" and report.pairs == 5
    rows = [json.loads(line) for line in report.path.read_text().splitlines()]
    assert all(set(row) == {"prompt", "chosen", "rejected"} for row in rows)
    meta = [json.loads(line) for line in report.meta_path.read_text().splitlines()]  # type: ignore[union-attr]
    assert len(meta) == len(rows) and meta[0]["chosen_variant"] == "adapter:a1"
    dataset = load_dataset("json", data_files=str(report.path), split="train")
    assert dataset.num_rows == 5 and is_conversational(dataset[0])
    rendered = apply_chat_template(dataset[0], AutoTokenizer.from_pretrained(str(tiny_model_dir)))
    assert "What is 1/4 + 2/3?" in rendered["prompt"] and rendered["prompt"].endswith(
        "<|im_start|>assistant\n"
    )
    assert rendered["chosen"].startswith("Good question!") and "<|im_start|>system" not in rendered["prompt"]


@pytest.mark.slow
def test_dpo_trainer_trains_a_step_on_the_exported_pairs(
    store: Store, workspace: Workspace, tiny_model_dir: Path, tmp_path: Path
) -> None:
    from datasets import load_dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    vote_twice(store)
    report = export_preference_pairs(store, workspace)
    dataset = load_dataset("json", data_files=str(report.path), split="train")
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    config = DPOConfig(
        output_dir=str(tmp_path / "dpo"),
        max_steps=1,
        per_device_train_batch_size=2,
        report_to=[],
        use_cpu=True,
        save_strategy="no",
        logging_steps=1,
        dataset_num_proc=None,
        activation_checkpointing=False,
    )
    model = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir))
    trainer = DPOTrainer(model=model, args=config, train_dataset=dataset, processing_class=tokenizer)
    result = trainer.train()
    assert result.global_step == 1 and result.training_loss > 0


def test_review_examples_come_from_the_winners_once(store: Store) -> None:
    vote_twice(store)
    comparison = add_comparison(store)
    cast_vote(store, comparison.id, "browser:b2", ["C"])  # a 2nd voter, same winner as b1 on its comparison
    cast_vote(store, comparison.id, "browser:b3", ["C"])
    made = make_review_examples(store)
    assert len(made.created) == 3  # one per comparison and winning reply, not one per vote
    example = get_example(store, made.created[0])
    assert example is not None and example.status == "pending" and example.origin == "compare"
    assert example.messages == [
        {"role": "user", "content": "What is 1/4 + 2/3?"},
        {"role": "assistant", "content": "Good question! What do you get when you rewrite 1/4 in twelfths?"},
    ]
    again = make_review_examples(store)
    assert again.created == [] and again.already == 4 and "already in Review" in again.message
    assert count_examples(store, "pending") == 3


def test_nothing_to_export_says_what_to_do(store: Store, workspace: Workspace) -> None:
    report = export_preference_pairs(store, workspace)
    assert report.path is None and "Blind mode" in report.message
    assert not list(workspace.exports_dir.glob("*.jsonl"))
