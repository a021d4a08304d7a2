"""Building freezes the accepted examples (exact revisions) into a dataset version; export is atomic and
byte-identical when repeated; the files load with `datasets`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.paths import Workspace
from core.review.build import build_dataset
from core.review.content import DatasetError
from core.review.editing import ExampleEdit, save_example
from core.review.export import export_dataset, export_for_download
from core.review.records import SPLITS, NewExample, dataset_items, get_example, insert_examples
from core.review.tokens import TokenCounter
from core.store import Store
from tests.core.review.conftest import add_examples, chat


def accepted(store: Store, count: int, **fields: object) -> list[str]:
    return add_examples(store, count, status="accepted", **fields)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_freezes_accepted_examples_with_their_revisions(
    store: Store, workspace: Workspace, counter: TokenCounter
) -> None:
    ids = accepted(store, 20, intent="confused")
    add_examples(store, 3)  # pending: left out
    save_example(store, ids[0], ExampleEdit(tags=["edited"]), base_revision=1)
    report = build_dataset(store, workspace, name="tutor", seed=3, counter=counter)
    dataset = report.dataset
    assert dataset.id == "tutor@v1" and not report.reused
    manifest = json.loads((Path(dataset.path) / "manifest.json").read_text())
    assert manifest["counts"] == {"train": 16, "validation": 2, "test": 2, "total": 20}
    assert {(e["id"], e["revision"]) for e in manifest["examples"]} == {
        (i, 2 if i == ids[0] else 1) for i in ids
    }
    assert manifest["tokens"]["total"] == sum(counter.count(get_example(store, i).messages) for i in ids)  # type: ignore[union-attr]
    assert manifest["system_prompt"] is None and manifest["seed"] == 3 and len(manifest["content_hash"]) == 64
    assert sorted(i for i, _, _ in dataset_items(store, dataset.id)) == sorted(ids)
    lines = dataset.split_path("train").read_text().splitlines()
    assert len(lines) == 16 and set(json.loads(lines[0])) == {"messages"}
    metas = (Path(dataset.path) / "train.meta.jsonl").read_text().splitlines()
    assert len(metas) == 16 and json.loads(metas[0])["intent"] == "confused"


def test_building_again_without_changes_reuses_the_version(
    store: Store, workspace: Workspace, counter: TokenCounter
) -> None:
    ids = accepted(store, 5)
    first = build_dataset(store, workspace, counter=counter)
    again = build_dataset(store, workspace, counter=counter)
    assert again.reused and again.dataset.id == first.dataset.id and "still current" in again.message
    save_example(store, ids[0], ExampleEdit(status="rejected"), base_revision=1)
    assert build_dataset(store, workspace, counter=counter).dataset.id == "tutor@v2"


def test_nothing_accepted_is_an_error_that_says_what_to_do(
    store: Store, workspace: Workspace, counter: TokenCounter
) -> None:
    add_examples(store, 2)
    with pytest.raises(DatasetError, match=r"No accepted examples yet.*Accept some"):
        build_dataset(store, workspace, counter=counter)


def test_examples_with_a_different_system_prompt_are_named(
    store: Store, workspace: Workspace, counter: TokenCounter
) -> None:
    accepted(store, 3)
    with store.transaction() as conn:
        (odd,) = insert_examples(
            conn, [NewExample(messages=chat("Hi?", "Topic?", system="Be a pirate."), status="accepted")]
        )
    with pytest.raises(DatasetError, match=rf"Example {odd}.*system prompt"):
        build_dataset(store, workspace, counter=counter)


def test_export_is_byte_identical_when_repeated_and_loads_with_datasets(
    store: Store, workspace: Workspace, counter: TokenCounter, tmp_path: Path
) -> None:
    accepted(store, 12, intent="confused")
    dataset = build_dataset(store, workspace, counter=counter).dataset
    first = export_dataset(store, dataset.id, tmp_path / "out")
    snapshot = tree_bytes(first.path)
    second = export_dataset(store, dataset.id, tmp_path / "out")
    assert tree_bytes(second.path) == snapshot and first.to_dict()["train"] + first.to_dict()["test"] <= 12
    assert sorted(p for p in snapshot if "/" not in p) == sorted(
        [*(f"{s}.jsonl" for s in SPLITS), *(f"{s}.meta.jsonl" for s in SPLITS), "manifest.json"]
    )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folders left

    from datasets import load_dataset, load_from_disk

    files = {s: str(first.path / f"{s}.jsonl") for s in ("train", "test")}
    loaded = load_dataset("json", data_files=files, cache_dir=str(tmp_path / "cache"))
    assert loaded["train"].num_rows == first.dataset.manifest["counts"]["train"]
    assert loaded["train"][0]["messages"][0]["role"] == "user"
    assert load_from_disk(str(first.path / "hf"))["train"].num_rows == loaded["train"].num_rows


def test_export_refuses_a_folder_holding_other_files(
    store: Store, workspace: Workspace, counter: TokenCounter, tmp_path: Path
) -> None:
    accepted(store, 3)
    dataset = build_dataset(store, workspace, counter=counter).dataset
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("precious")
    with pytest.raises(DatasetError, match="already holds other files"):
        export_dataset(store, dataset.id, tmp_path / "mine")
    assert (tmp_path / "mine" / "thesis.docx").read_text() == "precious"


def test_an_edited_frozen_file_is_caught_before_export(
    store: Store, workspace: Workspace, counter: TokenCounter, tmp_path: Path
) -> None:
    accepted(store, 3)
    dataset = build_dataset(store, workspace, counter=counter).dataset
    dataset.split_path("train").write_text("tampered\n")
    with pytest.raises(DatasetError, match="changed after"):
        export_dataset(store, dataset.id, tmp_path / "out")


def test_download_zip_lives_in_the_exports_folder_and_is_reproducible(
    store: Store, workspace: Workspace, counter: TokenCounter
) -> None:
    accepted(store, 4)
    dataset = build_dataset(store, workspace, counter=counter).dataset
    report, zip_path = export_for_download(store, workspace, dataset.id)
    first = zip_path.read_bytes()
    _, again = export_for_download(store, workspace, dataset.id)
    assert zip_path.parent == workspace.exports_dir and again.read_bytes() == first
    assert report.path == workspace.exports_dir / "tutor@v1"
