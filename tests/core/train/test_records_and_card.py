"""Adapter ids and versions, run rows, and the model card (including Evaluate's section)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.store import Store
from core.train.card import (
    CARD_JSON,
    CARD_MD,
    CardError,
    CardFacts,
    build_card,
    update_card_evaluation,
    write_card,
)
from core.train.records import (
    adapter_id_for,
    get_run,
    insert_adapter,
    insert_run,
    latest_adapter,
    next_adapter_version,
    update_run,
)


def test_adapter_id_names_base_revision_dataset_and_version() -> None:
    assert adapter_id_for("Qwen/Qwen2.5-0.5B-Instruct", "a1b2c3d", "tutor@v3", 2) == (
        "Qwen2.5-0.5B-Instruct@a1b2c3d+tutor@v3+lora@v2"
    )
    assert (
        adapter_id_for("/models/my-tutor-base/", None, "tutor@v1", 1)
        == "my-tutor-base@local+tutor@v1+lora@v1"
    )


def test_versions_count_up_per_base_and_dataset(store: Store) -> None:
    with store.transaction() as conn:
        for base, dataset in (("tiny", "tutor@v1"), ("tiny", "tutor@v1"), ("tiny", "tutor@v2")):
            version = next_adapter_version(conn, base, dataset)
            insert_adapter(
                conn,
                adapter_id=adapter_id_for(base, None, dataset, version),
                base_model=base,
                path="/x",
                version=version,
                dataset_id=dataset,
            )
        assert next_adapter_version(conn, "tiny", "tutor@v1") == 3
        assert next_adapter_version(conn, "tiny", "tutor@v2") == 2
        assert next_adapter_version(conn, "other", "tutor@v1") == 1
    latest = latest_adapter(store)
    assert latest is not None and latest.id == "tiny@local+tutor@v2+lora@v1"


def test_run_updates_merge_the_summary_and_keep_other_columns(store: Store) -> None:
    with store.transaction() as conn:
        run_id = insert_run(
            conn, base_model="tiny", dataset_id="tutor@v1", config={"lora_rank": 8}, folder="/r"
        )
    update_run(store, run_id, status="running", job_id="job_1", summary={"steps": 3})
    update_run(store, run_id, summary={"final_loss": 1.5}, message="half way")
    run = get_run(store, run_id)
    assert run is not None and run.status == "running" and run.job_id == "job_1"
    assert run.summary == {"steps": 3, "final_loss": 1.5} and run.message == "half way"
    assert run.config == {"lora_rank": 8} and run.is_active


def _facts(tmp_path: Path, **training: object) -> CardFacts:
    return CardFacts(
        adapter_id="tiny@local+tutor@v1+lora@v1",
        run_id="run_1",
        base={"name": "tiny", "revision": "local", "parameters": 300_000},
        dataset={
            "id": "tutor@v1",
            "manifest_hash": "abc123",
            "counts": {"train": 24, "validation": 4, "test": 4},
        },
        hyperparameters={"lora_rank": 8, "max_seq_length": 256},
        training={
            "steps": 30,
            "total_steps": 30,
            "first_loss": 7.5,
            "final_loss": 6.9,
            "eval_loss": 6.95,
            **training,
        },
        hardware={"name": "CPU (2 cores)", "device": "cpu"},
        chat_template={"sha256": "f" * 64, "text": "{{ messages }}", "loss_masking": "template"},
        adapter_path=str(tmp_path / "adapter"),
        size_bytes=65536,
        started_at=1000.0,
        finished_at=1090.0,
    )


def test_card_holds_what_reproduces_and_explains_the_adapter(tmp_path: Path) -> None:
    card = build_card(_facts(tmp_path))
    write_card(tmp_path, card)
    text = (tmp_path / CARD_MD).read_text()
    for expected in (
        "tiny@local+tutor@v1+lora@v1",
        "tutor@v1",
        "abc123",
        "lora_rank: 8",
        "7.500 → 6.900",
        "6.950",
        "CPU (2 cores)",
        "1m 30s",
        "f" * 64,
        "{{ messages }}",
        "## Known limits",
        "Not evaluated yet",
    ):
        assert expected in text, expected
    assert json.loads((tmp_path / CARD_JSON).read_text())["evaluation"] is None
    assert any("short run" in limit for limit in card["known_limits"])


def test_limits_flag_overfitting_and_a_missing_validation_split(tmp_path: Path) -> None:
    overfit = build_card(_facts(tmp_path, final_loss=1.0, eval_loss=2.0, steps=400))
    assert any("memorised" in limit for limit in overfit["known_limits"])
    facts = _facts(tmp_path)
    no_validation = CardFacts(**{**facts.__dict__, "dataset": {"id": "tutor@v1", "counts": {"train": 5}}})
    assert any("no validation split" in limit for limit in build_card(no_validation)["known_limits"])


def test_evaluation_results_are_filled_in_later(store: Store, tmp_path: Path) -> None:
    adapter_dir = tmp_path / "adapter"
    adapter_dir.mkdir()
    card_path = write_card(tmp_path, build_card(_facts(tmp_path)), adapter_dir)
    with store.transaction() as conn:
        insert_adapter(
            conn,
            adapter_id="tiny@local+tutor@v1+lora@v1",
            base_model="tiny",
            path=str(adapter_dir),
            version=1,
            card_path=str(card_path),
        )
    card = update_card_evaluation(
        store, "tiny@local+tutor@v1+lora@v1", {"socratic_rate": 0.82, "judge": "template"}
    )
    assert card["evaluation"]["socratic_rate"] == 0.82
    assert "socratic_rate: 0.82" in card_path.read_text() and "Not evaluated yet" not in card_path.read_text()
    assert "socratic_rate: 0.82" in (adapter_dir / "README.md").read_text()
    assert json.loads((tmp_path / CARD_JSON).read_text())["evaluation"]["judge"] == "template"


def test_evaluating_an_unknown_adapter_says_so(store: Store) -> None:
    with pytest.raises(CardError, match="No adapter 'nope'"):
        update_card_evaluation(store, "nope", {})
