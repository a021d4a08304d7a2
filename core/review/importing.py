"""Import a JSONL file of conversations (OpenAI chat or ShareGPT) as examples.

    report = import_file(store, workspace, Path("chats.jsonl"), skip_invalid=False, accept=False)
    report.imported, report.duplicates, report.errors        # errors: ValidationIssue with line numbers
    load_demo_conversations(store, workspace)                 # the shipped demo set, as accepted examples

Two passes over the file, both streaming: the first validates every line (an import with an invalid
line imports nothing unless `skip_invalid`), the second counts tokens and inserts in transactions of
CHUNK examples, all under one batch id so Undo can take the import back. Conversations already in the
workspace (same messages) are skipped as duplicates. A `<name>.meta.jsonl` sidecar beside the file
(or passed as `meta_path`) brings each line's intent, reference answer, tags and source back in.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from core.paths import Workspace
from core.review.content import DatasetError, ExampleMeta, read_meta
from core.review.records import ExampleStatus, NewExample, insert_examples, known_hashes, messages_hash
from core.review.tokens import TemplateRefused, TokenCounter, token_counter
from core.review.validation import (
    MAX_REPORTED_ISSUES,
    ParsedLine,
    ValidationIssue,
    ValidationRules,
    iter_file,
)
from core.store import Store, new_id, now

DEMO_PATH = Path(__file__).resolve().parents[2] / "assets" / "demo_conversations.jsonl"
CHUNK = 500
SKIP_IN_BROWSER = "tick 'Skip invalid lines'"
SKIP_ON_COMMAND_LINE = "run the command again with --skip-invalid"
EMPTY_FILE = (
    "the file holds no conversations (it is empty). Put one conversation per line, "
    'as {"messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]}.'
)


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    invalid: int = 0
    errors: list[ValidationIssue] = field(default_factory=list)
    batch_id: str | None = None
    skipped_invalid: bool = False

    @property
    def message(self) -> str:
        """The message for the Review tab (its checkbox skips invalid lines)."""
        return self.message_for(SKIP_IN_BROWSER)

    def message_for(self, skip_hint: str) -> str:
        """The message, with `skip_hint` saying how this surface skips invalid lines."""
        if self.invalid and not self.skipped_invalid:
            return (
                f"Nothing was imported: {self.invalid} line(s) are invalid (listed below). Fix them, or "
                f"{skip_hint} to import the valid ones."
            )
        if not (self.imported or self.duplicates or self.invalid):
            return f"Nothing was imported: {EMPTY_FILE}"
        text = f"Imported {self.imported} conversation(s)."
        if self.duplicates:
            text += f" {self.duplicates} were already in the workspace and were skipped."
        if self.invalid:
            text += f" {self.invalid} invalid line(s) were skipped (listed below)."
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "invalid": self.invalid,
            "batch": self.batch_id,
            "errors": [issue.to_dict() for issue in self.errors],
        }


def sidecar_of(path: Path) -> Path:
    """`train.jsonl` -> `train.meta.jsonl` (the metadata file an export writes beside each split)."""
    stem = path.name[: -len(".jsonl")] if path.name.endswith(".jsonl") else path.stem
    return path.with_name(f"{stem}.meta.jsonl")


def pair_uploads(paths: list[Path]) -> list[tuple[Path, Path | None]]:
    """(conversations, metadata sidecar or None) for files uploaded together, matched by name."""
    metas = {p.name: p for p in paths if p.name.endswith(".meta.jsonl")}
    data = [p for p in paths if not p.name.endswith(".meta.jsonl")]
    if not data:
        raise DatasetError("Only .meta.jsonl files were given: add the conversations file they belong to.")
    return [(p, metas.get(sidecar_of(p).name)) for p in data]


def import_file(
    store: Store,
    workspace: Workspace,
    path: Path,
    *,
    skip_invalid: bool = False,
    accept: bool = False,
    editor: str | None = None,
    meta_path: Path | None = None,
    counter: TokenCounter | None = None,
    origin: str = "imported",
) -> ImportReport:
    """Validate then import every conversation of `path` as pending (or, with `accept`, accepted) examples."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such file. Give the path of a .jsonl file of conversations.")
    meta_path = (
        meta_path if meta_path is not None else (sidecar_of(path) if sidecar_of(path).is_file() else None)
    )
    counter = counter or token_counter(workspace, store=store)
    rules = ValidationRules(counter=counter)
    report = ImportReport(skipped_invalid=skip_invalid)
    for parsed, _meta in lines_with_meta(path, meta_path, rules):
        if not parsed.ok:
            report.invalid += 1
            report.errors.extend(parsed.issues[: max(MAX_REPORTED_ISSUES - len(report.errors), 0)])
    if report.invalid and not skip_invalid:
        return report
    status: ExampleStatus = "accepted" if accept else "pending"
    valid = ((p, m) for p, m in lines_with_meta(path, meta_path, rules) if p.ok)
    report.batch_id = new_id("batch")
    for chunk in chunked(valid, CHUNK):
        examples = [new_example(p, m, status, origin) for p, m in chunk]
        counts = count_tokens(counter, examples)
        examples = [replace_tokens(e, n) for e, n in zip(examples, counts, strict=True)]
        with store.transaction() as conn:
            report.imported, report.duplicates = _insert_new(conn, examples, report, editor, path.name)
    if not report.imported:
        report.batch_id = None
    return report


def lines_with_meta(
    path: Path, meta_path: Path | None, rules: ValidationRules
) -> Iterator[tuple[ParsedLine, ExampleMeta | None]]:
    """Each parsed line with its sidecar metadata; a bad or missing metadata line makes the line invalid."""
    if meta_path is None:
        for parsed in iter_file(path, rules):
            yield parsed, None
        return
    with open(meta_path, encoding="utf-8", errors="replace") as metas:
        for parsed in iter_file(path, rules):
            raw = metas.readline()
            meta = None
            try:
                if not raw.strip():
                    raise DatasetError(
                        f"{meta_path.name} has no line {parsed.line}: it must have one line per conversation."
                    )
                meta = read_meta(raw, parsed.line)
            except DatasetError as error:
                parsed.issues.append(
                    ValidationIssue("metadata", f"{error} ({meta_path.name})", line=parsed.line)
                )
            yield parsed, meta


def chunked(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


def new_example(
    parsed: ParsedLine, meta: ExampleMeta | None, status: ExampleStatus, origin: str
) -> NewExample:
    assert parsed.messages is not None
    meta = meta or ExampleMeta()
    return NewExample(
        messages=parsed.messages,
        origin=origin,
        status=status,
        intent=meta.intent,
        question=meta.question,
        reference_answer=meta.reference_answer,
        teacher=meta.teacher,
        verdicts=meta.verdicts,
        tags=sorted(set(meta.tags)),
        document_id=meta.document_id,
        chunk_id=meta.chunk_id,
        source_name=meta.document,
        source_chunk=meta.chunk or meta.chunk_id,
    )


def count_tokens(counter: TokenCounter, examples: list[NewExample]) -> list[int]:
    """Token counts, one call for the batch; a conversation the template refuses counts 0 (the Review tab
    then lists the template's complaint on it)."""
    try:
        return counter.count_many([e.messages for e in examples])
    except TemplateRefused:
        return [_count_or_zero(counter, e) for e in examples]


def _count_or_zero(counter: TokenCounter, example: NewExample) -> int:
    try:
        return counter.count(example.messages)
    except TemplateRefused:
        return 0


def replace_tokens(example: NewExample, tokens: int) -> NewExample:
    return replace(example, token_count=tokens)


def _insert_new(
    conn: sqlite3.Connection,
    examples: list[NewExample],
    report: ImportReport,
    editor: str | None,
    file_name: str,
) -> tuple[int, int]:
    """Insert the examples the workspace never held (an edited one still counts as held); keep document
    and chunk links only where they exist here."""
    hashes = [messages_hash(e.messages) for e in examples]
    present = known_hashes(conn, hashes)
    fresh: list[NewExample] = []
    duplicates = report.duplicates
    for example, digest in zip(examples, hashes, strict=True):
        if digest in present:
            duplicates += 1
            continue
        present.add(digest)
        fresh.append(_linked(conn, example))
    if fresh and report.imported == 0:
        conn.execute(
            "INSERT INTO example_batches (id, action, description, editor, created_at) VALUES (?, 'import', ?, ?, ?)",
            (report.batch_id, f"imported {file_name}", editor, now()),
        )
    insert_examples(conn, fresh, editor=editor, batch_id=report.batch_id)
    imported = report.imported + len(fresh)
    conn.execute("UPDATE example_batches SET example_count = ? WHERE id = ?", (imported, report.batch_id))
    return imported, duplicates


def _linked(conn: sqlite3.Connection, example: NewExample) -> NewExample:
    document_ok = (
        example.document_id
        and conn.execute("SELECT 1 FROM documents WHERE id = ?", (example.document_id,)).fetchone()
    )
    chunk_ok = (
        example.chunk_id and conn.execute("SELECT 1 FROM chunks WHERE id = ?", (example.chunk_id,)).fetchone()
    )
    return replace(
        example,
        document_id=example.document_id if document_ok else None,
        chunk_id=example.chunk_id if chunk_ok and document_ok else None,
        source_name=None if document_ok else example.source_name,
    )


def import_uploads(
    store: Store,
    workspace: Workspace,
    paths: list[Path],
    *,
    skip_invalid: bool = False,
    accept: bool = False,
    editor: str | None = None,
    counter: TokenCounter | None = None,
) -> ImportReport:
    """Import files uploaded together (each with its .meta.jsonl sidecar, when one was uploaded too).

    Every file is validated before any is imported, so one bad file blocks the lot unless skipped;
    issues name their file."""
    pairs = pair_uploads([Path(p) for p in paths])
    counter = counter or token_counter(workspace, store=store)
    total = ImportReport(skipped_invalid=skip_invalid)
    for path, meta in pairs:
        for parsed, _ in lines_with_meta(path, meta, ValidationRules(counter=counter)):
            if not parsed.ok:
                total.invalid += 1
                total.errors.extend(_named(issue, path, len(pairs)) for issue in parsed.issues)
    if total.invalid and not skip_invalid:
        return total
    for path, meta in pairs:
        report = import_file(
            store,
            workspace,
            path,
            skip_invalid=True,
            accept=accept,
            editor=editor,
            meta_path=meta,
            counter=counter,
        )
        total.imported += report.imported
        total.duplicates += report.duplicates
        total.batch_id = report.batch_id or total.batch_id
    return total


def _named(issue: ValidationIssue, path: Path, files: int) -> ValidationIssue:
    if files == 1:
        return issue
    return ValidationIssue(issue.category, f"{path.name}: {issue.message}", line=issue.line)


def load_demo_conversations(
    store: Store, workspace: Workspace, *, editor: str | None = None, counter: TokenCounter | None = None
) -> ImportReport:
    """The hand-written demo conversations, accepted, so a newcomer can go straight to Train."""
    if not DEMO_PATH.is_file():
        raise DatasetError(
            f"The demo conversations are missing from this installation ({DEMO_PATH}). Reinstall."
        )
    return import_file(
        store, workspace, DEMO_PATH, accept=True, editor=editor, counter=counter, origin="demo"
    )
