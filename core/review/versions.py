"""Typed views of dataset versions: what the Review tab shows and `tutor-studio dataset --json` prints.

    summary = manifest_summary(dataset)        # counts, tokens, chunks and intents per split, notes
    listed = DatasetListing.of(dataset)        # one line of `dataset list --json`
    result = build_result(job)                 # a finished build job's result, or None

A dataset's manifest stays the JSON written beside its files; these models read the parts a person
is shown. The models that are printed keep the key order the CLI has always printed: the split
counts come after the named fields, in the order the store gives them back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from core.review.records import Dataset, Split

if TYPE_CHECKING:
    from core.jobs import Job


class SplitNumbers(BaseModel):
    """A number per split (examples, tokens or source chunks); a split a manifest lacks counts 0."""

    model_config = ConfigDict(extra="ignore")

    train: int = 0
    validation: int = 0
    test: int = 0
    total: int = 0

    def of(self, split: Split) -> int:
        return int(getattr(self, split))


class ManifestSummary(BaseModel):
    """The parts of a dataset version's manifest that the Review tab shows."""

    model_config = ConfigDict(extra="ignore")

    seed: int | None = None
    system_prompt: str | None = None
    content_hash: str = ""
    counts: SplitNumbers = Field(default_factory=SplitNumbers)
    chunks: SplitNumbers = Field(default_factory=SplitNumbers)
    tokens: SplitNumbers = Field(default_factory=SplitNumbers)
    intents: dict[str, dict[str, int]] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    def intents_of(self, split: Split) -> dict[str, int]:
        return self.intents.get(split, {})


def manifest_summary(dataset: Dataset) -> ManifestSummary:
    return ManifestSummary.model_validate(dataset.manifest)


class _WithCounts(BaseModel):
    """Named fields first, then the manifest's split counts as extra keys (the CLI's JSON shape)."""

    model_config = ConfigDict(extra="allow")

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class DatasetListing(_WithCounts):
    """One version in `tutor-studio dataset list --json`."""

    id: str
    path: str
    created_at: float

    @classmethod
    def of(cls, dataset: Dataset) -> DatasetListing:
        counts = dataset.manifest.get("counts", {})
        return cls(id=dataset.id, path=dataset.path, created_at=dataset.created_at, **counts)

    def count(self, split: Split | str) -> int:
        return int((self.model_extra or {}).get(split, 0))


class BuiltDataset(_WithCounts):
    """`tutor-studio dataset build --json`: the version built (or re-used) and its split counts."""

    dataset: str
    reused: bool
    path: str

    @classmethod
    def of(cls, dataset: Dataset, reused: bool) -> BuiltDataset:
        counts = dataset.manifest["counts"]
        return cls(dataset=dataset.id, reused=reused, path=dataset.path, **counts)


class BuildResult(BaseModel):
    """What a build job records as its result (core.review.build.build_dataset_job)."""

    dataset: str
    reused: bool
    message: str
    counts: dict[str, int]


def build_result(job: Job) -> BuildResult | None:
    """A succeeded build job's result; None while it runs or when it failed."""
    if job.state != "succeeded" or not job.result:
        return None
    return BuildResult.model_validate(job.result)
