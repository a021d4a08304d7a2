"""Build a model folder once, safely: an inter-process lock, a staging folder, and an atomic swap.

    with folder_lock(folder):
        if not is_done(folder):
            with staging_folder(folder) as staging:
                build_into(staging)
                replace_folder(staging, folder)

Two studio processes (the UI and a job, or two jobs) may ask for the same model at once; the lock makes
the second wait for the first and then find the finished folder, and the rename means no reader ever
sees a half-written one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive inter-process lock on building `folder` (a lock file beside it)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(folder.parent / f".{folder.name}.lock"):
        yield


@contextlib.contextmanager
def staging_folder(folder: Path) -> Iterator[Path]:
    """An empty hidden folder beside `folder` (same file system, so the final rename is atomic)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def replace_folder(staging: Path, folder: Path) -> None:
    """Swap the finished build into place; an older build is moved aside first (rename cannot overwrite)."""
    if folder.exists():
        old = folder.with_name(f".{folder.name}-old-{os.getpid()}")
        os.replace(folder, old)
        shutil.rmtree(old, ignore_errors=True)
    os.replace(staging, folder)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive inter-process lock held for the block (flock on POSIX, msvcrt on Windows)."""
    with open(path, "a+b") as handle:
        _lock_file(handle.fileno(), lock=True)
        try:
            yield
        finally:
            _lock_file(handle.fileno(), lock=False)


def _lock_file(fd: int, *, lock: bool) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt

        mode = msvcrt.LK_LOCK if lock else msvcrt.LK_UNLCK  # type: ignore[attr-defined]
        msvcrt.locking(fd, mode, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(fd, fcntl.LOCK_EX if lock else fcntl.LOCK_UN)
