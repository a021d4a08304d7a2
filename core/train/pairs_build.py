"""Freeze preference pairs into a dataset version: `preferences@vN`, kind 'preference'.

    report = build_preference_dataset(store, workspace)                  # every source
    report = build_preference_dataset(store, workspace, sources=("votes",), name="votes-only")
    report.dataset.id, report.reused, report.message

The folder holds train/validation/test.jsonl in TRL's conversational preference format, a `.meta.jsonl`
sidecar per split (source and origin of each pair, line for line) and manifest.json (counts per split
and per source, file hashes, the content hash). The split is by prompt group (the first student
message), stratified by source, seeded: no prompt is in two splits, and the same pairs and seed give
the same bytes. Building again with nothing new returns the latest version instead of a copy of it.
Exports reuse core.review.export (a frozen folder with a manifest, whatever its kind).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from core.paths import Workspace
from core.review.build import check_name, latest_version
from core.review.content import DatasetError, json_line, sha256_text
from core.review.publish import VersionDraft, publish_version
from core.review.records import SPLITS, Dataset
from core.review.split import SplitFractions, SplitItem, split_examples
from core.review.versions import ManifestSummary
from core.store import Store, to_json
from core.train.pairs import SOURCE_LABELS, SOURCES, PreferencePair
from core.train.pairs_sources import FoundPairs, collect_pairs, describe_sources

log = logging.getLogger(__name__)

DEFAULT_NAME = "preferences"
DEFAULT_SEED = 42
FORMAT = "trl-preference-conversational"
NO_PAIRS = (
    "No preference pairs yet. They come from blind votes in Compare (turn on Blind mode and vote), from "
    "tutor turns you edit and accept in Review, and from answer leaks the Generate filters catch with a model "
    "teacher. Add some, then build again."
)


@dataclass(frozen=True)
class PreferenceBuildReport:
    dataset: Dataset
    reused: bool
    found: FoundPairs

    @property
    def message(self) -> str:
        counts = self.dataset.manifest["counts"]
        split_text = ", ".join(f"{counts[s]} {s}" for s in SPLITS)
        sources = describe_sources(self.dataset.manifest["sources"])
        if self.reused:
            return f"Nothing changed since {self.dataset.id}: it is still current ({split_text}; {sources})."
        return f"Built {self.dataset.id}: {split_text} pairs ({sources})."

    def to_dict(self) -> dict[str, Any]:
        manifest = self.dataset.manifest
        return {
            "dataset": self.dataset.id,
            "reused": self.reused,
            "path": self.dataset.path,
            "counts": manifest["counts"],
            "sources": manifest["sources"],
            "skipped": self.found.skipped,
            "duplicates": self.found.duplicates,
        }


def build_preference_dataset(
    store: Store,
    workspace: Workspace,
    *,
    name: str = DEFAULT_NAME,
    seed: int = DEFAULT_SEED,
    fractions: SplitFractions | None = None,
    sources: Iterable[str] = SOURCES,
) -> PreferenceBuildReport:
    """Collect the pairs of `sources`, split them, and freeze them as the next version of `name`."""
    name = check_name(name)
    fractions = fractions or SplitFractions()
    found = collect_pairs(store, sources)
    if not found.items:
        raise DatasetError(NO_PAIRS)
    files, manifest = freeze_pairs(found, seed, fractions)
    latest = latest_version(store, name)
    if latest is not None and latest.kind != "preference":
        raise DatasetError(
            f"{name} already names conversation datasets ({latest.id}); give the preference dataset another "
            "name, such as preferences."
        )
    if latest is not None and latest.manifest.get("content_hash") == manifest["content_hash"]:
        return PreferenceBuildReport(latest, True, found)
    return PreferenceBuildReport(write_version(store, workspace, name, seed, files, manifest), False, found)


def freeze_pairs(
    found: FoundPairs, seed: int, fractions: SplitFractions
) -> tuple[dict[str, str], dict[str, Any]]:
    """The files' text and the manifest (without the dataset id), rows in split order then pair key."""
    items = {item.key: item for item in found.items}
    plan = split_examples(
        [SplitItem(key, item.group, item.source) for key, item in items.items()], seed, fractions
    )
    by_split: dict[str, list[PreferencePair]] = {s: [items[k] for k in plan.ids(s)] for s in SPLITS}
    files: dict[str, str] = {}
    for split, members in by_split.items():
        files[f"{split}.jsonl"] = "".join(json_line(item.record()) for item in members)
        files[f"{split}.meta.jsonl"] = "".join(
            json_line(item.sidecar(split), sort_keys=True) for item in members
        )
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "kind": "preference",
        "seed": seed,
        "fractions": {"validation": fractions.validation, "test": fractions.test},
        "counts": {s: len(by_split[s]) for s in SPLITS} | {"total": len(items)},
        "sources": {
            source: found.counts.get(source, 0) for source in SOURCE_LABELS if source in found.counts
        },
        "sources_by_split": {s: dict(sorted(Counter(i.source for i in by_split[s]).items())) for s in SPLITS},
        "prompt_groups": plan.group_counts,
        "skipped": found.skipped,
        "duplicates": found.duplicates,
        "pairs": [
            {"key": k[:16], "source": items[k].source, "split": plan.assignments[k]} for k in sorted(items)
        ],
        "files": {file: sha256_text(text) for file, text in sorted(files.items())},
        "notes": plan.notes,
    }
    manifest["content_hash"] = sha256_text(to_json(manifest["files"]))
    return files, manifest


def write_version(
    store: Store, workspace: Workspace, name: str, seed: int, files: dict[str, str], manifest: dict[str, Any]
) -> Dataset:
    """Publish the pairs' files as the next version of `name` (kind 'preference')."""

    def write(folder: Path, manifest_text: str) -> None:
        for file, text in files.items():
            (folder / file).write_text(text, encoding="utf-8", newline="\n")
        (folder / "manifest.json").write_text(manifest_text, encoding="utf-8", newline="\n")

    draft = VersionDraft(name, "preference", seed, None, manifest)
    dataset = publish_version(store, workspace, draft, write)
    log.info("built preference dataset %s (%s pairs)", dataset.id, manifest["counts"]["total"])
    return dataset


class PreferenceManifest(ManifestSummary):
    """A preference dataset version's manifest as the Train tab shows it: counts per split and per source."""

    sources: dict[str, int] = Field(default_factory=dict)


def preference_manifest(dataset: Dataset) -> PreferenceManifest:
    return PreferenceManifest.model_validate(dataset.manifest)
