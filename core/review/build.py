"""Build a dataset version: freeze the accepted examples (their exact revisions) into datasets/<id>/.

    report = build_dataset(store, workspace, name="tutor", seed=42, counter=token_counter(workspace))
    report.dataset.id            # "tutor@v3"; report.reused is True when nothing changed since v2
    job = submit_build(store, workspace, name="tutor", seed=42, base=ctx.base)   # the same, as a job

The folder holds train/validation/test.jsonl (OpenAI chat format), their .meta.jsonl sidecars (one
metadata line per conversation line), manifest.json and an hf/ copy (datasets.DatasetDict). Every file
is written in a fixed order with sorted keys and no timestamps, so the same examples and seed give the
same bytes and the same content hash.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.models.spec import ResolvedBase
from core.paths import Workspace
from core.review.build_config import DEFAULT_NAME, DEFAULT_SEED
from core.review.content import (
    DatasetError,
    chat_line,
    choose_system_prompt,
    meta_line,
    sha256_text,
)
from core.review.publish import VersionDraft, publish_version
from core.review.records import (
    SPLITS,
    Dataset,
    Example,
    Split,
    example_from_row,
    get_dataset,
    list_datasets,
)
from core.review.split import SplitFractions, SplitItem, SplitPlan, split_examples
from core.review.tokens import TokenCounter, token_counter
from core.review.validation import ValidationRules, check_example
from core.review.versions import BuildResult, build_result
from core.store import Store, to_json

if TYPE_CHECKING:
    from core.jobs import Job
    from core.jobs.runner import JobContext

log = logging.getLogger(__name__)

MAX_LISTED_PROBLEMS = 10


@dataclass(frozen=True)
class BuildReport:
    dataset: Dataset
    reused: bool

    @property
    def message(self) -> str:
        counts = self.dataset.manifest["counts"]
        split_text = ", ".join(f"{counts[s]} {s}" for s in SPLITS)
        if self.reused:
            return f"Nothing changed since {self.dataset.id}: it is still current ({split_text})."
        return f"Built {self.dataset.id}: {split_text}."


@dataclass(frozen=True)
class FrozenFiles:
    """The text of every file of a dataset version, before it is written."""

    texts: dict[str, str]
    manifest: dict[str, Any]


def build_dataset(
    store: Store,
    workspace: Workspace,
    *,
    name: str = DEFAULT_NAME,
    seed: int = DEFAULT_SEED,
    fractions: SplitFractions | None = None,
    counter: TokenCounter | None = None,
) -> BuildReport:
    """Freeze the accepted examples as the next version of `name` (or return the latest, if identical)."""
    name = check_name(name)
    fractions = fractions or SplitFractions()
    counter = counter or token_counter(workspace, store=store)
    examples = accepted_examples(store)
    system_prompt = choose_system_prompt([e.system_prompt for e in examples])
    ensure_valid(
        examples, ValidationRules(counter=counter, check_system_prompt=True, system_prompt=system_prompt)
    )
    plan = split_examples([SplitItem(e.id, e.group_key, e.intent) for e in examples], seed, fractions)
    tokens = dict(
        zip([e.id for e in examples], counter.count_many([e.messages for e in examples]), strict=True)
    )
    frozen = freeze(
        store, examples, plan, tokens, seed=seed, fractions=fractions, system_prompt=system_prompt
    )
    frozen.manifest["tokenizer"] = {"model": counter.model_name, "max_length": counter.max_length}
    latest = latest_version(store, name)
    if latest is not None and latest.manifest.get("content_hash") == frozen.manifest["content_hash"]:
        return BuildReport(latest, reused=True)
    return BuildReport(write_version(store, workspace, name, seed, system_prompt, frozen, plan), reused=False)


def check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or any(ch in cleaned for ch in "@/\\") or len(cleaned) > 60:
        raise DatasetError(
            f"{name!r} cannot name a dataset. Use up to 60 letters, digits, dashes or underscores (no @ or /)."
        )
    return cleaned


def accepted_examples(store: Store) -> list[Example]:
    rows = store.query("SELECT * FROM examples WHERE status = 'accepted' ORDER BY id")
    if not rows:
        raise DatasetError(
            "No accepted examples yet. Accept some in the Review tab (or press Load demo conversations, or run "
            "`tutor-studio dataset import FILE --accept`), then build again."
        )
    return [example_from_row(row) for row in rows]


def ensure_valid(examples: list[Example], rules: ValidationRules) -> None:
    problems = [issue for e in examples for issue in check_example(e.id, e.messages, rules)]
    if problems:
        listed = " ".join(issue.message for issue in problems[:MAX_LISTED_PROBLEMS])
        more = (
            f" (and {len(problems) - MAX_LISTED_PROBLEMS} more)"
            if len(problems) > MAX_LISTED_PROBLEMS
            else ""
        )
        raise DatasetError(
            f"{len(problems)} accepted example(s) cannot be trained on: {listed}{more} Fix them in the Review "
            "tab (search for the example id) or move them back to pending, then build again."
        )


def freeze(
    store: Store,
    examples: list[Example],
    plan: SplitPlan,
    tokens: dict[str, int],
    *,
    seed: int,
    fractions: SplitFractions,
    system_prompt: str | None,
) -> FrozenFiles:
    """The files' text, rows in split order then example id; the manifest without the dataset id."""
    documents = {row["id"]: row["name"] for row in store.query("SELECT id, name FROM documents")}
    texts: dict[str, str] = {}
    by_split: dict[Split, list[Example]] = {
        s: [e for e in examples if plan.assignments[e.id] == s] for s in SPLITS
    }
    for split, members in by_split.items():
        texts[f"{split}.jsonl"] = "".join(chat_line(e.messages) for e in members)
        texts[f"{split}.meta.jsonl"] = "".join(meta_line(e, documents, split) for e in members)
    manifest: dict[str, Any] = {
        "format": "openai-chat",
        "kind": "sft",
        "seed": seed,
        "fractions": {
            "train": round(1 - fractions.validation - fractions.test, 4),
            "validation": fractions.validation,
            "test": fractions.test,
        },
        "system_prompt": system_prompt,
        "counts": {s: len(by_split[s]) for s in SPLITS} | {"total": len(examples)},
        "chunks": plan.group_counts,
        "tokens": {s: sum(tokens[e.id] for e in by_split[s]) for s in SPLITS}
        | {"total": sum(tokens.values())},
        "intents": {
            s: dict(sorted(Counter(e.intent or "(none)" for e in by_split[s]).items())) for s in SPLITS
        },
        "examples": [{"id": e.id, "revision": e.revision, "split": plan.assignments[e.id]} for e in examples],
        "files": {file: sha256_text(text) for file, text in sorted(texts.items())},
        "notes": plan.notes,
    }
    manifest["content_hash"] = sha256_text(to_json(manifest["files"]))
    return FrozenFiles(texts, manifest)


def latest_version(store: Store, name: str) -> Dataset | None:
    row = store.query_one("SELECT id FROM datasets WHERE name = ? ORDER BY version DESC LIMIT 1", (name,))
    return None if row is None else get_dataset(store, row["id"])


def write_version(
    store: Store,
    workspace: Workspace,
    name: str,
    seed: int,
    system_prompt: str | None,
    frozen: FrozenFiles,
    plan: SplitPlan,
) -> Dataset:
    """Publish the frozen files as the next version of `name`, with one dataset_items row per example."""

    def index(conn: sqlite3.Connection, dataset_id: str, manifest: dict[str, Any]) -> None:
        conn.executemany(
            "INSERT INTO dataset_items (dataset_id, example_id, revision, split) VALUES (?, ?, ?, ?)",
            [(dataset_id, item["id"], item["revision"], item["split"]) for item in manifest["examples"]],
        )

    draft = VersionDraft(name, "sft", seed, system_prompt, frozen.manifest)
    dataset = publish_version(
        store, workspace, draft, lambda folder, text: write_files(folder, frozen.texts, text), index
    )
    log.info("built dataset %s (%s examples)", dataset.id, frozen.manifest["counts"]["total"])
    return dataset


def write_files(folder: Path, texts: dict[str, str], manifest_text: str) -> None:
    for file, text in texts.items():
        (folder / file).write_text(text, encoding="utf-8", newline="\n")
    (folder / "manifest.json").write_text(manifest_text, encoding="utf-8", newline="\n")
    write_hf_copy(folder / "hf", {split: texts[f"{split}.jsonl"] for split in SPLITS})


def write_hf_copy(folder: Path, chat_texts: dict[str, str]) -> None:
    """A datasets.DatasetDict of the chat splits, for `datasets.load_from_disk`."""
    from datasets import Dataset as HFDataset
    from datasets import DatasetDict, Features, List, Value, disable_progress_bars

    disable_progress_bars()  # progress bars would land in the CLI's stderr and the job log

    features = Features({"messages": List({"role": Value("string"), "content": Value("string")})})
    splits = {}
    for split, text in chat_texts.items():
        rows = [json.loads(line)["messages"] for line in text.split("\n") if line]
        splits[split] = HFDataset.from_dict({"messages": rows}, features=features)
    DatasetDict(splits).save_to_disk(str(folder))


def submit_build(
    store: Store,
    workspace: Workspace,
    *,
    name: str = DEFAULT_NAME,
    seed: int = DEFAULT_SEED,
    fractions: SplitFractions | None = None,
    base: ResolvedBase | None = None,
) -> Job:
    """Start a build as a background job (the Review tab polls it; the result names the dataset)."""
    from core.jobs import submit_job

    fractions = fractions or SplitFractions()
    params = {
        "name": check_name(name),
        "seed": int(seed),
        "validation": fractions.validation,
        "test": fractions.test,
    }
    if base is not None:
        params["base"] = asdict(base)
    return submit_job(
        store,
        workspace,
        kind="dataset",
        title=f"Build dataset {name}",
        target="core.review.build:build_dataset_job",
        params=params,
    )


@dataclass(frozen=True)
class BuildProgress:
    job: Job
    dataset: Dataset | None  # set once the job has succeeded
    datasets: list[Dataset]  # every version, newest first (to refresh a list once the build is done)
    result: BuildResult | None = None  # what the succeeded job recorded

    @property
    def finished(self) -> bool:
        return not self.job.is_active


def build_progress(store: Store, job_id: str) -> BuildProgress:
    """How a build job is doing, with the dataset it built once it is done."""
    from core.jobs import get_job

    job = get_job(store, job_id)
    result = build_result(job)
    versions = list_datasets(store) if not job.is_active else []
    dataset = get_dataset(store, result.dataset) if result else None
    return BuildProgress(job, dataset, versions, result)


def build_dataset_job(ctx: JobContext) -> dict[str, Any]:
    """Job target of submit_build."""
    params = ctx.params
    ctx.progress(0, 2, "Checking and counting the accepted examples")
    base = ResolvedBase(**params["base"]) if params.get("base") else None
    counter = token_counter(ctx.workspace, base=base, store=ctx.store)
    report = build_dataset(
        ctx.store,
        ctx.workspace,
        name=params["name"],
        seed=params["seed"],
        fractions=SplitFractions(params["validation"], params["test"]),
        counter=counter,
    )
    ctx.progress(2, 2, report.message)
    return BuildResult(
        dataset=report.dataset.id,
        reused=report.reused,
        message=report.message,
        counts=report.dataset.manifest["counts"],
    ).model_dump(mode="json")
