"""Publish a dataset version: write its folder beside its place, then claim the version number and move
the folder in, in one transaction. Conversation (SFT) and preference builds both end here.

    dataset = publish_version(store, workspace, VersionDraft("tutor", "sft", 42, prompt, manifest),
                              write=lambda folder, manifest_text: ..., index=lambda conn, dataset_id: ...)

A crash before the commit leaves at most a hidden staging folder (removed) or a folder without a row
(replaced by the next build of that version); a version row always points at a complete folder.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.paths import Workspace
from core.review.content import DatasetError, sha256_text
from core.review.records import Dataset, dataset_id_for, get_dataset, next_dataset_version
from core.store import Store, now, to_json


@dataclass(frozen=True)
class VersionDraft:
    name: str
    kind: str  # "sft" or "preference"
    seed: int
    system_prompt: str | None
    manifest: dict[str, Any]  # without the dataset id, name and version: those are added here


def publish_version(
    store: Store,
    workspace: Workspace,
    draft: VersionDraft,
    write: Callable[[Path, str], None],
    index: Callable[[sqlite3.Connection, str, dict[str, Any]], None] | None = None,
) -> Dataset:
    """`write(folder, manifest_text)` fills the staging folder; `index(conn, id, manifest)` adds rows."""
    with store.transaction() as conn:
        version = next_dataset_version(conn, draft.name)
    dataset_id = dataset_id_for(draft.name, version)
    manifest = {"dataset": dataset_id, "name": draft.name, "version": version, **draft.manifest}
    manifest_text = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=workspace.datasets_dir))
    staging.chmod(0o755)  # mkdtemp's 0700 would make the frozen folder (and its exports) private
    try:
        write(staging, manifest_text)
        final = workspace.dataset_dir(dataset_id)
        with store.transaction() as conn:
            if next_dataset_version(conn, draft.name) != version:
                raise DatasetError(f"Another build created {dataset_id} at the same moment; build again.")
            conn.execute(
                "INSERT INTO datasets (id, name, version, kind, seed, system_prompt, manifest, manifest_hash, path, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    dataset_id,
                    draft.name,
                    version,
                    draft.kind,
                    draft.seed,
                    draft.system_prompt,
                    to_json(manifest),
                    sha256_text(manifest_text),
                    str(final),
                    now(),
                ),
            )
            if index is not None:
                index(conn, dataset_id, manifest)
            if final.exists():  # left by a build that crashed before its commit
                shutil.rmtree(final)
            os.replace(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    dataset = get_dataset(store, dataset_id)
    assert dataset is not None
    return dataset
