"""Checkpoints that survive kill -9: a checkpoint counts only once its completion marker is written.

    mark_complete(run_dir / "checkpoints" / "checkpoint-40")   # after the trainer wrote every file
    latest_complete(run_dir / "checkpoints")                   # what a resume starts from, or None
    prune_checkpoints(run_dir / "checkpoints", keep=2)         # older complete ones and partial ones go

The trainer writes a checkpoint's files one after another; a process killed in between leaves a folder
that looks like a checkpoint but is not. So after the last file is written, every file is fsynced and a
marker listing the files and their sizes is written last (atomically). A folder counts as complete only
when the marker is there and every file it lists still has the listed size. Deleting goes through an
atomic rename first, so a half-deleted folder is never mistaken for a checkpoint either.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
from pathlib import Path

from core.paths import write_atomic

log = logging.getLogger(__name__)

MARKER = "studio-complete.json"
CHECKPOINT_NAME = re.compile(r"^checkpoint-(\d+)$")
TRASH_PREFIX = ".trash-"


def checkpoint_step(folder: Path) -> int | None:
    match = CHECKPOINT_NAME.match(folder.name)
    return int(match.group(1)) if match else None


def mark_complete(folder: Path) -> Path:
    """fsync every file of a finished checkpoint, then write its marker (the last write of a checkpoint)."""
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MARKER):
        _fsync_file(path)
        files[str(path.relative_to(folder))] = path.stat().st_size
    _fsync_dir(folder)
    marker = {"step": checkpoint_step(folder), "files": files}
    write_atomic(folder / MARKER, json.dumps(marker, sort_keys=True))
    _fsync_dir(folder)
    return folder / MARKER


def is_complete(folder: Path) -> bool:
    """True when the marker is there and every file it lists is present at its recorded size."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        files = marker["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if not files:
        return False
    for name, size in files.items():
        try:
            if (folder / name).stat().st_size != size:
                return False
        except OSError:
            return False
    return True


def list_checkpoints(root: Path) -> list[tuple[int, Path]]:
    """Every checkpoint-N folder (complete or not), by step."""
    if not root.is_dir():
        return []
    found = [(checkpoint_step(p), p) for p in root.iterdir() if p.is_dir()]
    return sorted((step, path) for step, path in found if step is not None)


def complete_checkpoints(root: Path) -> list[tuple[int, Path]]:
    return [(step, path) for step, path in list_checkpoints(root) if is_complete(path)]


def latest_complete(root: Path) -> Path | None:
    """The newest complete checkpoint: the only kind a run resumes from."""
    complete = complete_checkpoints(root)
    return complete[-1][1] if complete else None


def prune_checkpoints(root: Path, keep: int = 2) -> list[Path]:
    """Remove all but the newest `keep` complete checkpoints, and partial ones older than the newest
    complete one (a partial one newer than it may be being written right now). Returns what went."""
    complete = complete_checkpoints(root)
    newest = complete[-1][0] if complete else None
    kept = {path for _step, path in complete[-keep:]} if keep > 0 else set()
    doomed = [
        path
        for step, path in list_checkpoints(root)
        if path not in kept and (is_complete(path) or (newest is not None and step < newest))
    ]
    for path in doomed:
        remove_folder(path)
    return doomed


def discard_partial(root: Path) -> list[Path]:
    """Remove every checkpoint folder that is not complete (before a resume: nothing writes them now)."""
    partial = [path for _step, path in list_checkpoints(root) if not is_complete(path)]
    for path in partial:
        log.info("discarding the partial checkpoint %s", path.name)
        remove_folder(path)
    for leftover in root.glob(f"{TRASH_PREFIX}*") if root.is_dir() else []:
        shutil.rmtree(leftover, ignore_errors=True)
    return partial


def remove_folder(path: Path) -> None:
    """Rename out of the checkpoint namespace first (atomic), then delete at leisure."""
    trash = path.with_name(f"{TRASH_PREFIX}{path.name}-{os.getpid()}")
    try:
        os.replace(path, trash)
    except OSError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform lets a directory be opened for fsync
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
