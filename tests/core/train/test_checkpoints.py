"""Checkpoints count only once marked complete; resume and pruning never trust a partial one."""

from __future__ import annotations

import json
from pathlib import Path

from core.train.checkpoints import (
    MARKER,
    complete_checkpoints,
    discard_partial,
    is_complete,
    latest_complete,
    mark_complete,
    prune_checkpoints,
)


def fake_checkpoint(root: Path, step: int, complete: bool = True) -> Path:
    folder = root / f"checkpoint-{step}"
    folder.mkdir(parents=True)
    (folder / "adapter_model.safetensors").write_bytes(b"w" * (100 + step))
    (folder / "optimizer.pt").write_bytes(b"o" * 50)
    if complete:
        mark_complete(folder)
    return folder


def test_a_checkpoint_without_marker_is_not_complete(tmp_path: Path) -> None:
    done = fake_checkpoint(tmp_path, 10)
    partial = fake_checkpoint(tmp_path, 20, complete=False)
    assert is_complete(done) and not is_complete(partial)
    assert latest_complete(tmp_path) == done


def test_marker_lists_every_file_with_its_size(tmp_path: Path) -> None:
    folder = fake_checkpoint(tmp_path, 5)
    marker = json.loads((folder / MARKER).read_text())
    assert marker["step"] == 5 and marker["files"] == {"adapter_model.safetensors": 105, "optimizer.pt": 50}


def test_a_truncated_or_missing_file_makes_a_marked_checkpoint_incomplete(tmp_path: Path) -> None:
    first, second = fake_checkpoint(tmp_path, 10), fake_checkpoint(tmp_path, 20)
    (second / "optimizer.pt").write_bytes(b"o" * 10)  # cut short after the marker was written
    assert latest_complete(tmp_path) == first
    (first / "adapter_model.safetensors").unlink()
    assert latest_complete(tmp_path) is None


def test_a_corrupt_marker_does_not_count(tmp_path: Path) -> None:
    folder = fake_checkpoint(tmp_path, 10)
    (folder / MARKER).write_text("{not json")
    assert not is_complete(folder)


def test_pruning_keeps_the_newest_complete_and_a_partial_being_written(tmp_path: Path) -> None:
    for step in (10, 20, 30):
        fake_checkpoint(tmp_path, step)
    stale_partial = fake_checkpoint(tmp_path, 15, complete=False)
    in_progress = fake_checkpoint(tmp_path, 40, complete=False)
    removed = prune_checkpoints(tmp_path, keep=2)
    assert sorted(p.name for p in removed) == ["checkpoint-10", "checkpoint-15"]
    assert [step for step, _ in complete_checkpoints(tmp_path)] == [20, 30]
    assert in_progress.exists() and not stale_partial.exists()
    assert not list(tmp_path.glob(".trash-*"))


def test_discard_partial_before_a_resume_removes_every_unmarked_folder(tmp_path: Path) -> None:
    done = fake_checkpoint(tmp_path, 10)
    fake_checkpoint(tmp_path, 20, complete=False)
    (tmp_path / ".trash-checkpoint-5-123").mkdir()
    discard_partial(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [done.name]


def test_no_folder_means_no_checkpoint(tmp_path: Path) -> None:
    assert latest_complete(tmp_path / "missing") is None
    assert prune_checkpoints(tmp_path / "missing") == []
