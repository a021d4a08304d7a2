"""Editing examples: every save is a new revision, checked against the revision it was based on.

    report = save_example(store, "ex_1a2b", ExampleEdit(status="accepted"), base_revision=3, editor="Ana")
    report.example.revision            # 4, committed when save_example returns
    restore_revision(store, "ex_1a2b", 2, base_revision=4)  # revision 5 = the content of revision 2

Optimistic concurrency: the write transaction re-reads the example and refuses the save with
EditConflict (carrying the current version and the attempted edit) when someone else saved since
`base_revision`. Nothing is ever overwritten silently and nothing is deleted.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from typing import Any

from core.review.records import (
    ROLE_LABELS,
    Example,
    ExampleStatus,
    Message,
    example_from_row,
    get_example,
    get_revision,
    messages_hash,
)
from core.review.tokens import TokenCounter
from core.review.validation import ConversationError, ValidationRules, check_example, parse_messages
from core.store import Store, now, to_json

STATUSES: tuple[ExampleStatus, ...] = ("pending", "accepted", "rejected")


class ExampleNotFound(LookupError):
    """No example with this id in the workspace."""


class EditConflict(RuntimeError):
    """Someone saved the example after the editor opened it; the save was refused, nothing was written."""

    def __init__(self, current: Example, attempted: ExampleEdit, base_revision: int) -> None:
        who = current.reviewer or "someone else"
        super().__init__(
            f"{who} saved example {current.id} (now revision {current.revision}) after you opened revision "
            f"{base_revision}, so your changes were not saved. Compare the two versions, then keep theirs or "
            "save yours on top of theirs."
        )
        self.current = current
        self.attempted = attempted
        self.base_revision = base_revision


class StaleRevision(RuntimeError):
    """A revision write whose base was no longer current; the transaction is rolled back."""


class NotReady(ValueError):
    """The example cannot be accepted as it stands; the message lists what to fix."""


@dataclass(frozen=True)
class ExampleEdit:
    """What a save changes; None leaves a field as it is, "" clears intent or reference answer."""

    messages: list[Message] | None = None
    status: ExampleStatus | None = None
    tags: list[str] | None = None
    intent: str | None = None
    reference_answer: str | None = None


@dataclass(frozen=True)
class SaveReport:
    example: Example
    changed: bool
    message: str


def save_example(
    store: Store,
    example_id: str,
    edit: ExampleEdit,
    *,
    base_revision: int,
    editor: str | None = None,
    note: str | None = None,
    counter: TokenCounter | None = None,
) -> SaveReport:
    """Apply `edit` as a new revision, unless the example moved past `base_revision` (EditConflict)."""
    edit = clean_edit(edit)
    known = get_example(store, example_id)
    if known is None:
        raise ExampleNotFound(f"No example {example_id} in this workspace; refresh the list.")
    tokens = count_if_changed(known, edit, counter)
    if edit.status == "accepted":
        ensure_ready(known, edit, counter)
    with store.transaction() as conn:
        current = _current(conn, example_id)
        if current.revision != base_revision:
            raise EditConflict(current, edit, base_revision)
        updated = apply_edit(current, edit, tokens)
        if updated == current:
            return SaveReport(current, False, "No changes to save.")
        write_revision(conn, current, updated, editor=editor, note=note or describe_edit(current, updated))
    saved = get_example(store, example_id)
    assert saved is not None
    return SaveReport(saved, True, f"Saved revision {saved.revision}.")


def restore_revision(
    store: Store,
    example_id: str,
    revision: int,
    *,
    base_revision: int,
    editor: str | None = None,
    counter: TokenCounter | None = None,
) -> SaveReport:
    """Write the content of an earlier revision as the newest one (history stays whole)."""
    old = get_revision(store, example_id, revision)
    if old is None:
        raise ExampleNotFound(f"Example {example_id} has no revision {revision}; pick one from its history.")
    edit = ExampleEdit(
        messages=old.messages,
        status=old.status,
        tags=old.tags,
        intent=old.intent or "",
        reference_answer=old.reference_answer or "",
    )
    return save_example(
        store,
        example_id,
        edit,
        base_revision=base_revision,
        editor=editor,
        note=f"restored revision {revision}",
        counter=counter,
    )


def clean_edit(edit: ExampleEdit) -> ExampleEdit:
    """Check the edit's shape; raises ConversationError / ValueError with the fix."""
    messages = None if edit.messages is None else parse_messages(edit.messages, "The conversation")
    for index, message in enumerate(messages or [], 1):
        if not message["content"].strip():
            label = ROLE_LABELS[message["role"]]
            raise ConversationError(
                "empty-content", f"Turn {index} ({label}) is empty. Write it or delete the turn."
            )
    if edit.status is not None and edit.status not in STATUSES:
        raise ValueError(f"Unknown status {edit.status!r}; use pending, accepted or rejected.")
    tags = None if edit.tags is None else normalize_tags(edit.tags)
    return replace(edit, messages=messages, tags=tags)


def normalize_tags(tags: list[str]) -> list[str]:
    """Trimmed, de-duplicated, sorted tags (so the same set always compares and exports equal)."""
    return sorted({tag.strip() for tag in tags if tag and tag.strip()})


def count_if_changed(known: Example, edit: ExampleEdit, counter: TokenCounter | None) -> int | None:
    if edit.messages is None or edit.messages == known.messages or counter is None:
        return None
    try:
        return counter.count(edit.messages)
    except ValueError:  # the template refuses it: it still saves, and the editor lists the problem
        return None


def ensure_ready(known: Example, edit: ExampleEdit, counter: TokenCounter | None) -> None:
    """Accepted examples must be trainable: refuse to accept one that validation flags."""
    messages = edit.messages if edit.messages is not None else known.messages
    issues = check_example(known.id, messages, ValidationRules(counter=counter))
    if issues:
        raise NotReady("This example cannot be accepted yet: " + " ".join(issue.message for issue in issues))


def _current(conn: sqlite3.Connection, example_id: str) -> Example:
    row = conn.execute("SELECT * FROM examples WHERE id = ?", (example_id,)).fetchone()
    if row is None:
        raise ExampleNotFound(f"No example {example_id} in this workspace; refresh the list.")
    return example_from_row(row)


def apply_edit(current: Example, edit: ExampleEdit, tokens: int | None) -> Example:
    messages = edit.messages if edit.messages is not None else current.messages
    return replace(
        current,
        messages=messages,
        status=edit.status or current.status,
        tags=edit.tags if edit.tags is not None else current.tags,
        intent=_optional(edit.intent, current.intent),
        reference_answer=_optional(edit.reference_answer, current.reference_answer),
        token_count=tokens if tokens is not None else current.token_count,
        content_hash=messages_hash(messages),
    )


def _optional(new: str | None, old: str | None) -> str | None:
    if new is None:
        return old
    return new.strip() or None


def write_revision(
    conn: sqlite3.Connection,
    current: Example,
    updated: Example,
    *,
    editor: str | None,
    note: str,
    batch_id: str | None = None,
) -> int:
    """Store `updated` as revision current+1 inside the caller's transaction; returns the new revision."""
    revision = current.revision + 1
    stamp = now()
    cursor = conn.execute(
        "UPDATE examples SET revision = ?, status = ?, messages = ?, tags = ?, intent = ?, reference_answer = ?, "
        "content_hash = ?, token_count = ?, reviewer = coalesce(?, reviewer), updated_at = ? "
        "WHERE id = ? AND revision = ?",
        (
            revision,
            updated.status,
            to_json(updated.messages),
            to_json(updated.tags),
            updated.intent,
            updated.reference_answer,
            updated.content_hash,
            updated.token_count,
            editor,
            stamp,
            current.id,
            current.revision,
        ),
    )
    if cursor.rowcount != 1:
        # The compare-and-set lost: the example moved past the revision the caller read. Callers read
        # inside the same write transaction, so this means a caller read outside it: refuse, never overwrite.
        raise StaleRevision(
            f"Example {current.id} changed after revision {current.revision} was read; nothing was saved. "
            "Refresh and try again."
        )
    conn.execute(
        "INSERT INTO example_revisions (example_id, revision, messages, status, tags, intent, reference_answer, "
        "editor, note, batch_id, content_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            current.id,
            revision,
            to_json(updated.messages),
            updated.status,
            to_json(updated.tags),
            updated.intent,
            updated.reference_answer,
            editor,
            note,
            batch_id,
            updated.content_hash,
            stamp,
        ),
    )
    return revision


def describe_edit(before: Example, after: Example) -> str:
    """A short history note such as "accepted; edited the conversation; tags +hard"."""
    parts: list[str] = []
    if after.status != before.status:
        parts.append(after.status)
    if after.messages != before.messages:
        parts.append("edited the conversation")
    added = sorted(set(after.tags) - set(before.tags))
    removed = sorted(set(before.tags) - set(after.tags))
    if added or removed:
        parts.append("tags " + " ".join([*(f"+{t}" for t in added), *(f"-{t}" for t in removed)]))
    changed: list[Any] = [
        name for name in ("intent", "reference_answer") if getattr(after, name) != getattr(before, name)
    ]
    parts.extend(f"changed {name.replace('_', ' ')}" for name in changed)
    return "; ".join(parts) or "saved"
