"""Export a frozen dataset version to a folder (and a zip the browser can download).

    report = export_dataset(store, "tutor@v3", Path("out/tutor"))      # atomic, byte-identical on re-export
    report = export_accepted(store, workspace, Path("out"), name="tutor", seed=42)  # freeze (or reuse) + export
    zip_path = zip_export(report.path)                                   # deterministic zip beside the folder

The export is a copy of datasets/<id>/ (checked against the manifest's hashes first), written into a
temporary folder beside the target and renamed into place, so a reader never sees half an export.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.paths import Workspace, safe_name
from core.review.build import DEFAULT_NAME, DEFAULT_SEED, build_dataset
from core.review.content import DatasetError, sha256_file
from core.review.records import SPLITS, Dataset, get_dataset, list_datasets
from core.review.split import SplitFractions
from core.review.tokens import TokenCounter
from core.store import Store

# Zip entries carry this date so two zips of the same export are identical (zip cannot store 1970).
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ExportReport:
    dataset: Dataset
    path: Path

    def to_dict(self) -> dict[str, Any]:
        counts = self.dataset.manifest["counts"]
        return {"dataset": self.dataset.id, "path": str(self.path), **{s: counts[s] for s in SPLITS}}


def find_dataset(store: Store, dataset_id: str) -> Dataset:
    dataset = get_dataset(store, dataset_id)
    if dataset is None:
        known = ", ".join(d.id for d in list_datasets(store)[:5]) or "none yet"
        raise DatasetError(f"No dataset {dataset_id!r} in this workspace (recent: {known}). Build one first.")
    return dataset


def verify_frozen(dataset: Dataset) -> None:
    """The frozen files still match the manifest (nothing edited or lost on disk)."""
    folder = Path(dataset.path)
    for name, expected in dataset.manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file() or sha256_file(path) != expected:
            raise DatasetError(
                f"{path} is missing or was changed after {dataset.id} was built. Build a new version instead."
            )


def export_dataset(store: Store, dataset_id: str, out_dir: Path) -> ExportReport:
    """Copy a dataset version to `out_dir` atomically; exporting it again gives identical bytes."""
    dataset = find_dataset(store, dataset_id)
    verify_frozen(dataset)
    out_dir = Path(out_dir).expanduser().resolve()
    check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        export = staging / "export"
        shutil.copytree(dataset.path, export)
        replace_folder(export, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportReport(dataset, out_dir)


def check_target(out_dir: Path) -> None:
    """Only an empty folder or an earlier export may be replaced: never someone's other files."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise DatasetError(f"{out_dir} is a file. Choose a folder to export into.")
    if any(out_dir.iterdir()) and not (out_dir / "manifest.json").is_file():
        raise DatasetError(f"{out_dir} already holds other files. Choose an empty or new folder.")


def replace_folder(new: Path, target: Path) -> None:
    """Move `new` into `target`'s place; an older export is renamed away first, then removed."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{os.getpid()}")
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def export_accepted(
    store: Store,
    workspace: Workspace,
    out_dir: Path,
    *,
    name: str = DEFAULT_NAME,
    seed: int = DEFAULT_SEED,
    fractions: SplitFractions | None = None,
    counter: TokenCounter | None = None,
) -> ExportReport:
    """Freeze the accepted examples (re-using the latest version when identical) and export that."""
    built = build_dataset(store, workspace, name=name, seed=seed, fractions=fractions, counter=counter)
    return export_dataset(store, built.dataset.id, out_dir)


def export_for_download(store: Store, workspace: Workspace, dataset_id: str) -> tuple[ExportReport, Path]:
    """Export into the workspace's exports folder (the only one the browser may read) and zip it."""
    report = export_dataset(store, dataset_id, workspace.exports_dir / safe_name(dataset_id))
    return report, zip_export(report.path)


def zip_export(folder: Path) -> Path:
    """`<folder>.zip` with sorted entries and fixed dates: the same export always zips to the same bytes."""
    target = folder.with_name(f"{folder.name}.zip")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    os.replace(tmp, target)
    return target
