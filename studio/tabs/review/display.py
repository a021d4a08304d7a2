"""Formatting for the Review tab: records in, strings, Markdown and DataFrames out. No gradio, no I/O.

Also the editor's turn slots: a conversation spread over a fixed number of (role, text) widgets and
read back, so the tab's layout stays static while conversations vary in length.
"""

from __future__ import annotations

import html
import time

import pandas as pd

from core.review.bulk import Batch
from core.review.importing import ImportReport
from core.review.query import ExamplePage, ExampleRow
from core.review.records import (
    ROLE_LABELS,
    SPLITS,
    Dataset,
    Example,
    ExampleStatus,
    Revision,
    Split,
    failed_verdicts,
)
from core.review.review import ExampleView
from core.review.stats import ReviewStats
from core.review.validation import ValidationIssue
from core.review.versions import ManifestSummary, manifest_summary
from studio.display import format_duration

TABLE_HEADERS = [
    "",
    "Status",
    "Intent",
    "Source",
    "Student asks",
    "Tutor turns",
    "Tokens",
    "Checks",
    "Tags",
    "ID",
]
STATUS_LABELS = {"pending": "○ pending", "accepted": "✓ accepted", "rejected": "✗ rejected"}
STATUSES: tuple[ExampleStatus, ...] = ("pending", "accepted", "rejected")  # in the order plots show them
ROLE_CHOICES = [("Student", "user"), ("Tutor", "assistant"), ("System", "system")]
EMPTY_STATE = (
    "**No examples yet:** generate some in the Generate tab, import a JSONL file below, or press "
    "**Load demo conversations** to start with 36 hand-written tutor conversations."
)
PREVIEW_CHARS = 90


def ago(stamp: float, at: float | None = None) -> str:
    seconds = max(0.0, (at or time.time()) - stamp)
    return "just now" if seconds < 5 else f"{format_duration(seconds)} ago"


def checks_label(row: ExampleRow | Example) -> str:
    if row.verdict_state == "none":
        return "—"
    failed = failed_verdicts(row.verdicts)
    return f"failed: {', '.join(failed)}" if failed else "all passed"


def table_frame(page: ExamplePage, current_id: str | None = None) -> pd.DataFrame:
    """The paged table; the open example is marked with ▶."""
    rows = [
        [
            "▶" if row.id == current_id else "",
            STATUS_LABELS.get(row.status, row.status),
            row.intent or "",
            row.source or "",
            _preview(row.first_user),
            row.tutor_turns,
            row.token_count,
            checks_label(row),
            ", ".join(row.tags),
            row.id,
        ]
        for row in page.rows
    ]
    return pd.DataFrame(rows, columns=TABLE_HEADERS)


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def page_label(page: ExamplePage) -> str:
    if page.total == 0:
        return "No examples match these filters." if page.query != type(page.query)() else ""
    first = (page.page - 1) * page.query.page_size + 1
    last = first + len(page.rows) - 1
    return f"Showing {first:,}–{last:,} of {page.total:,} examples · page {page.page} of {page.pages}"


def summary_markdown(stats: ReviewStats) -> str:
    if stats.is_empty:
        return EMPTY_STATE
    return (
        f"**{stats.total:,} examples:** {stats.count('pending'):,} to review, {stats.count('accepted'):,} "
        f"accepted, {stats.count('rejected'):,} rejected · {stats.accepted_tokens:,} tokens accepted. "
        "Accepted examples go into the dataset you build below."
    )


def example_header(view: ExampleView) -> str:
    example = view.example
    who = f" by {example.reviewer}" if example.reviewer else ""
    source = f" · from {example.source_name}" if example.source_name else ""
    return (
        f"### {STATUS_LABELS[example.status]} · `{example.id}`\n"
        f"Revision {example.revision}, saved {ago(example.updated_at)}{who} · {example.token_count:,} tokens · "
        f"intent {example.intent or '(none)'}{source} · checks {checks_label(example)}"
    )


def issues_markdown(issues: list[ValidationIssue]) -> str:
    if not issues:
        return ""
    items = "\n".join(f"- **{issue.category}**: {issue.message}" for issue in issues)
    return f"**Fix before accepting:**\n{items}"


def too_long_note(turns: int, shown: int) -> str:
    return (
        f"\n\n**This conversation has {turns} turns; the editor shows the first {shown}.** Its text is kept as "
        "saved: you can accept, reject, tag or label it here, but not edit its turns."
    )


def transcript_markdown(messages: list[dict[str, str]], title: str = "") -> str:
    """A conversation as readable Markdown (for the conflict view and revision previews)."""
    parts = [f"**{title}**"] if title else []
    for message in messages:
        text = html.escape(message["content"], quote=False).replace("\n", "  \n")
        parts.append(f"**{ROLE_LABELS.get(message['role'], message['role'])}:** {text}")
    return "\n\n".join(parts)


def version_markdown(title: str, messages: list[dict[str, str]], status: str, tags: list[str]) -> str:
    meta = f"status {status}" + (f" · tags {', '.join(tags)}" if tags else "")
    return transcript_markdown(messages, f"{title} ({meta})")


def revisions_frame(revisions: list[Revision]) -> pd.DataFrame:
    rows = [
        [r.revision, ago(r.created_at), r.editor or "", STATUS_LABELS.get(r.status, r.status), r.note or ""]
        for r in revisions
    ]
    return pd.DataFrame(rows, columns=["Revision", "When", "Who", "Status", "What changed"])


def slot_values(messages: list[dict[str, str]], slots: int) -> tuple[list[str], list[str]]:
    """(roles, texts) for `slots` widgets; unused slots get a student role and no text."""
    roles = [m["role"] for m in messages[:slots]] + ["user"] * max(0, slots - len(messages))
    texts = [m["content"] for m in messages[:slots]] + [""] * max(0, slots - len(messages))
    return roles, texts


def messages_from_slots(roles: list[str], texts: list[str], count: int) -> list[dict[str, str]]:
    return [
        {"role": role or "user", "content": text or ""}
        for role, text in zip(roles[:count], texts[:count], strict=True)
    ]


def delete_slot(
    roles: list[str], texts: list[str], count: int, index: int
) -> tuple[list[str], list[str], int]:
    """Remove turn `index` (0-based) and close the gap."""
    if index >= count:
        return roles, texts, count
    roles = roles[:index] + roles[index + 1 :] + ["user"]
    texts = texts[:index] + texts[index + 1 :] + [""]
    return roles, texts, count - 1


def stats_frames(stats: ReviewStats) -> dict[str, pd.DataFrame]:
    """DataFrames for the four plots: by status, by intent, token lengths, examples per document."""
    tokens = pd.DataFrame(
        [(f"{start}–{end - 1}", count, start) for start, end, count in stats.token_bins],
        columns=["tokens", "examples", "start"],
    )
    return {
        # All three statuses, zeros included, so a single status still draws a proper bar.
        "status": pd.DataFrame(
            [(status, stats.count(status)) for status in STATUSES],
            columns=["status", "examples"],
        ),
        "intent": pd.DataFrame(stats.by_intent, columns=["intent", "status", "examples"]),
        "tokens": tokens,
        "source": pd.DataFrame(stats.per_source, columns=["source", "status", "examples"]),
    }


def batch_choices(batches: list[Batch]) -> list[tuple[str, str]]:
    return [
        (f"{b.description.capitalize()} · {b.example_count} example(s) · {ago(b.created_at)}", b.id)
        for b in batches
    ]


def dataset_choices(datasets: list[Dataset]) -> list[tuple[str, str]]:
    return [(f"{d.id} · {manifest_summary(d).counts.total} examples", d.id) for d in datasets]


def manifest_markdown(dataset: Dataset) -> str:
    m = manifest_summary(dataset)
    rows = "\n".join(_split_row(m, split) for split in SPLITS)
    notes = "".join(f"\n- {note}" for note in m.notes)
    prompt = (
        "none (prompt baking: the tutor behaviour is learned)"
        if m.system_prompt is None
        else f"“{m.system_prompt}”"
    )
    return (
        f"### {dataset.id}\nSeed {m.seed} · system prompt: {prompt} · content hash `{m.content_hash[:16]}…`\n\n"
        "| Split | Examples | Source chunks | Tokens | Intents |\n|---|---|---|---|---|\n"
        f"{rows}\n\nFolder: `{dataset.path}`{notes}"
    )


def _split_row(m: ManifestSummary, split: Split) -> str:
    intents = ", ".join(f"{k} {v}" for k, v in m.intents_of(split).items())
    return (
        f"| {split} | {m.counts.of(split):,} | {m.chunks.of(split):,} | {m.tokens.of(split):,} | {intents} |"
    )


def import_markdown(report: ImportReport) -> str:
    return ("✓ " if report.imported else "⚠ ") + report.message


def errors_frame(errors: list[ValidationIssue]) -> pd.DataFrame:
    return pd.DataFrame(
        [(e.line, e.category, e.message) for e in errors], columns=["Line", "Problem", "How to fix"]
    )
