"""Preference dataset versions: frozen like SFT ones, split by prompt group, reused when nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.paths import Workspace
from core.review.content import DatasetError
from core.review.export import export_dataset
from core.review.records import list_datasets
from core.review.split import SplitFractions
from core.store import Store
from core.train.pairs_build import build_preference_dataset
from core.train.pairs_data import PreferenceDataError, read_pairs
from tests.core.train.preference_seed import QUESTIONS, seed_all, seed_votes


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_a_version_holds_trl_pairs_with_a_sidecar_and_counts_per_source(
    store: Store, workspace: Workspace
) -> None:
    seed_all(store)
    report = build_preference_dataset(store, workspace)
    dataset = report.dataset
    assert dataset.id == "preferences@v1" and dataset.kind == "preference" and not report.reused
    manifest = dataset.manifest
    assert manifest["format"] == "trl-preference-conversational"
    assert manifest["sources"] == {"votes": 6, "leaks": 2, "edits": 2} and manifest["counts"]["total"] == 10
    folder = Path(dataset.path)
    for split in ("train", "validation", "test"):
        pairs, meta = lines(folder / f"{split}.jsonl"), lines(folder / f"{split}.meta.jsonl")
        assert len(pairs) == len(meta) == manifest["counts"][split]
        assert all(set(p) == {"prompt", "chosen", "rejected"} for p in pairs)
        assert all(m["split"] == split and m["source"] in ("votes", "leaks", "edits") for m in meta)
    assert "Built preferences@v1" in report.message and "6 from votes" in report.message


def test_no_prompt_is_in_two_splits(store: Store, workspace: Workspace) -> None:
    seed_all(store)
    seed_votes(store)  # the same six questions voted again: repeated prompts with other ids
    report = build_preference_dataset(store, workspace, fractions=SplitFractions(0.2, 0.2))
    firsts: dict[str, set[str]] = {}
    for split in ("train", "validation", "test"):
        for pair in lines(Path(report.dataset.path) / f"{split}.jsonl"):
            firsts.setdefault(pair["prompt"][0]["content"], set()).add(split)
    assert all(len(splits) == 1 for splits in firsts.values()), firsts
    assert report.dataset.manifest["counts"]["test"] > 0


def test_building_again_reuses_the_version_until_something_changes(
    store: Store, workspace: Workspace
) -> None:
    seed_votes(store, count=4)
    first = build_preference_dataset(store, workspace)
    again = build_preference_dataset(store, workspace)
    assert again.reused and again.dataset.id == first.dataset.id and "Nothing changed" in again.message
    seed_votes(store, count=6)  # two more questions
    later = build_preference_dataset(store, workspace)
    assert not later.reused and later.dataset.id == "preferences@v2"
    assert [d.id for d in list_datasets(store, "preference")] == ["preferences@v2", "preferences@v1"]


def test_the_same_pairs_and_seed_give_the_same_bytes(store: Store, workspace: Workspace) -> None:
    seed_all(store)
    one = build_preference_dataset(store, workspace, name="a")
    two = build_preference_dataset(store, workspace, name="b")
    for name in ("train.jsonl", "test.jsonl", "validation.meta.jsonl"):
        assert (Path(one.dataset.path) / name).read_bytes() == (Path(two.dataset.path) / name).read_bytes()


def test_it_exports_like_an_sft_dataset_and_loads_in_trl(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    from datasets import load_dataset
    from trl.data_utils import is_conversational

    seed_all(store)
    dataset = build_preference_dataset(store, workspace).dataset
    exported = export_dataset(store, dataset.id, tmp_path / "prefs")
    assert exported.to_dict()["train"] == dataset.manifest["counts"]["train"]
    rows = load_dataset("json", data_files=str(exported.path / "train.jsonl"), split="train")
    assert is_conversational(rows[0]) and rows[0]["chosen"][0]["role"] == "assistant"
    assert read_pairs(dataset, "train")[0] == lines(exported.path / "train.jsonl")[0]


def test_no_pairs_says_where_pairs_come_from(store: Store, workspace: Workspace) -> None:
    with pytest.raises(DatasetError, match="blind votes in Compare"):
        build_preference_dataset(store, workspace)


def test_a_broken_line_names_the_file_line_and_field(store: Store, workspace: Workspace) -> None:
    seed_votes(store, count=len(QUESTIONS))
    dataset = build_preference_dataset(store, workspace).dataset
    train = Path(dataset.path) / "train.jsonl"
    rows = train.read_text().splitlines()
    broken = json.loads(rows[1])
    broken["chosen"] = [{"role": "user", "content": "oops"}]
    train.write_text("\n".join([rows[0], json.dumps(broken), *rows[2:]]) + "\n")
    with pytest.raises(
        PreferenceDataError, match=r"train.jsonl, line 2: `chosen` must be exactly one assistant"
    ):
        read_pairs(dataset, "train")


def test_the_cli_builds_a_preference_version_and_exports_it(
    store: Store, workspace: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.cli import main

    seed_votes(store, count=len(QUESTIONS))
    common = ["--workspace", str(workspace.root), "--json"]
    assert main(["dataset", "build", "--preferences", "--sources", "votes", *common]) == 0
    built = json.loads(capsys.readouterr().out)
    assert built["dataset"] == "preferences@v1" and built["sources"] == {"votes": len(QUESTIONS)}
    out = tmp_path / "prefs"
    assert main(["dataset", "export", str(out), "--dataset", "preferences@v1", *common]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["train"] == built["counts"]["train"] and (out / "manifest.json").is_file()
    assert main(["dataset", "build", "--preferences", "--sources", "likes", *common]) == 1
    assert "--sources: unknown likes" in capsys.readouterr().err
