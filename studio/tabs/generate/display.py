"""Formatting for the Generate tab: runs, items and conversations in; choices, HTML and DataFrames out.

No gradio and no I/O. Transcripts are styled inline so they read the same wherever they are shown.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence

import pandas as pd

from core.documents.records import Chunk
from core.generate.filters import REASON_LABELS
from core.generate.intents import INTENT_INFO
from core.generate.pipeline import ItemResult
from core.generate.quality import SubstanceFigures
from core.generate.records import GenerationItem, GenerationRun
from core.generate.status import GenerateOverview, RunStatus, Selection, SourceDocument
from core.review.records import Example
from studio.display import STATE_LABELS, format_duration

EMPTY_SOURCES = (
    "No course material yet: add documents in the Documents tab (or press Load demo course there)."
)
NO_RUN = "No generation yet. Pick your documents and a teacher above, press Preview to see three examples, then Generate."
FAILURE_LABELS = {
    "teacher_error": "The teacher did not answer (timeout, server error, or dropped connection)",
    "error": "Unexpected error while writing",
    "missing_chunk": "The chunk is no longer in the workspace",
}
CHOICE_PREVIEW_CHARS = 60
CARD = "border:1px solid var(--border-color-primary);border-radius:10px;padding:10px 12px;margin:8px 0;background:var(--block-background-fill);"
STUDENT = "background:#eef2ff;color:#1e1b4b;border-radius:10px;padding:6px 10px;margin:4px 20% 4px 0;"
TUTOR = "background:#ecfdf5;color:#064e3b;border-radius:10px;padding:6px 10px;margin:4px 0 4px 20%;"
BADGE = "border-radius:6px;padding:1px 8px;font-size:0.8rem;font-weight:600;margin-right:6px;"
BADGE_COLOURS = {
    "kept": "background:#dcfce7;color:#166534;",
    "filtered": "background:#fef3c7;color:#92400e;",
    "failed": "background:#fee2e2;color:#991b1b;",
}
COUNTER = "display:inline-block;min-width:92px;margin:0 12px 6px 0;"


def reason_label(reason: str | None) -> str:
    return REASON_LABELS.get(reason or "", FAILURE_LABELS.get(reason or "", reason or ""))


def intent_label(intent: str | None) -> str:
    info = INTENT_INFO.get(intent)  # type: ignore[call-overload]
    return info.label if info else (intent or "")


def sources_signature(view: GenerateOverview) -> str:
    """The documents (with their chunk counts) and runs on offer, so a poll redraws the lists only on a change."""
    documents = "|".join(f"{d.id}:{d.chunks}" for d in view.documents)
    return documents + "#" + ",".join(r.id for r in view.runs)


def document_choices(documents: Sequence[SourceDocument]) -> list[tuple[str, str]]:
    return [(f"{d.name} ({d.chunks} chunk{'s' if d.chunks != 1 else ''})", d.id) for d in documents]


def chunk_choices(chunks: Sequence[Chunk], names: dict[str, str]) -> list[tuple[str, str]]:
    choices = []
    for chunk in chunks:
        text = " ".join(chunk.text.split())
        preview = text[:CHOICE_PREVIEW_CHARS] + ("…" if len(text) > CHOICE_PREVIEW_CHARS else "")
        where = " › ".join(
            p
            for p in (names.get(chunk.document_id, ""), chunk.heading_path[-1] if chunk.heading_path else "")
            if p
        )
        choices.append((f"{where} · {preview}", chunk.id))
    return choices


def plan_markdown(selection: Selection) -> str:
    if selection.problem:
        return f"⚠️ {selection.problem}"
    return (
        f"**{selection.conversations} conversations** will be written: {selection.chunks} chunk"
        f"{'s' if selection.chunks != 1 else ''} × the number per chunk. Kept ones wait in the Review tab."
    )


def transcript_html(messages: Sequence[dict[str, str]], heading: str = "", note: str = "") -> str:
    turns = "".join(
        f'<div style="{STUDENT if m["role"] == "user" else TUTOR}"><b>{"Student" if m["role"] == "user" else "Tutor"}:</b> '
        f"{html.escape(m['content'])}</div>"
        for m in messages
        if m.get("role") in ("user", "assistant")
    )
    note_html = f'<div class="ts-muted" style="font-size:0.85rem;margin-top:4px">{note}</div>' if note else ""
    return f'<div class="generate-card" style="{CARD}"><div style="margin-bottom:6px">{heading}</div>{turns}{note_html}</div>'


def badge(state: str, text: str | None = None) -> str:
    return f'<span style="{BADGE}{BADGE_COLOURS.get(state, "")}">{html.escape(text or state.capitalize())}</span>'


def preview_html(results: Sequence[ItemResult]) -> str:
    if not results:
        return '<p class="ts-empty">The teacher wrote nothing to show; try again or pick other documents.</p>'
    cards = []
    for result in results:
        heading = badge(result.state) + f"<b>{html.escape(intent_label(result.work.intent))}</b> student"
        if result.derivation:
            heading += f' · <span class="ts-muted">asks: {html.escape(result.derivation.question)}</span>'
        note = (
            "Passed every check."
            if result.state == "kept"
            else f"{html.escape(reason_label(result.reason))}: {html.escape(result.detail)}"
        )
        cards.append(transcript_html(result.messages or [], heading, note))
    return (
        '<div id="generate-preview-cards"><p class="ts-muted">A preview: these are not stored.</p>'
        + "".join(cards)
        + "</div>"
    )


def progress_html(status: RunStatus | None, at: float | None = None) -> str:
    if status is None:
        return f'<p class="ts-empty">{NO_RUN}</p>'
    job, outcome = status.job, status.outcome  # outcome is None exactly when the run has no job yet
    state = STATE_LABELS.get(outcome, outcome) if outcome else "Not started"
    if status.queue_position:
        state += f" (#{status.queue_position} in the queue for the accelerator)"
    fraction = status.done / status.run.total if status.run.total else 0
    figures = [
        ("Done", f"{status.done} / {status.run.total}"),
        ("Kept", str(status.kept)),
        ("Filtered", str(status.filtered)),
        ("Failed", str(status.failed)),
        ("Rate", f"{status.rate_per_min:.0f} / min" if status.rate_per_min else "–"),
        ("Time left", format_duration(status.eta_s) if status.eta_s else "–"),
    ]
    counters = "".join(
        f'<span style="{COUNTER}"><span class="ts-muted" style="font-size:0.8rem">{label}</span><br>'
        f'<b style="font-size:1.3rem" class="generate-count-{label.lower().replace(" ", "-")}">{value}</b></span>'
        for label, value in figures
    )
    error = (
        f'<div class="ts-warning" style="margin-top:6px">{html.escape(job.error)}</div>'
        if job and job.error
        else ""
    )
    explanation = (
        f'<div class="ts-warning" id="generate-explanation">{html.escape(status.explanation)}</div>'
        if status.explanation
        else ""
    )
    hint = ""
    if status.can_resume:
        left = status.remaining
        hint = f'<p class="ts-muted">{left} conversation{"s" if left != 1 else ""} not finished: press Resume to write them (finished ones are not redone).</p>'
    return (
        f'<div id="generate-status"><b>{html.escape(state)}</b> · teacher: {html.escape(status.run.teacher)}'
        f'<br><progress class="ts-progress" style="width:100%;height:12px" value="{fraction:.3f}" max="1"></progress>'
        f"<div>{counters}</div>{error}{hint}{explanation}{substance_html(status.substance)}</div>"
    )


def substance_html(figures: SubstanceFigures | None) -> str:
    """What the kept conversations will teach: the four substance figures, and warnings to act on."""
    if figures is None or not figures.conversations:
        return ""
    items = [
        ("About the student's problem", f"{figures.specific:.0%} of tutor turns", "specific"),
        ("Same opening", f"{figures.top_opening:.0%} of conversations at most", "top-opening"),
        ("Points to missing sections", str(figures.ungrounded), "ungrounded"),
        ("Praise before any attempt", str(figures.unfair_praise), "unfair-praise"),
    ]
    cells = "".join(
        f'<span style="{COUNTER}" title="{html.escape(label)}"><span class="ts-muted" style="font-size:0.8rem">'
        f'{html.escape(label)}</span><br><b class="generate-substance-{key}">{html.escape(value)}</b></span>'
        for label, value, key in items
    )
    warnings = "".join(f'<div class="ts-warning">{html.escape(w)}</div>' for w in figures.warnings)
    verdict = (
        ""
        if warnings
        else '<p class="ts-muted">These conversations are about each student\'s problem and varied: '
        "good material for training.</p>"
    )
    return (
        '<div id="generate-substance" style="margin-top:8px"><b>What a tutor trained on the kept conversations '
        f"will learn</b><div>{cells}</div>{warnings}{verdict}</div>"
    )


SHORT_REASONS = {
    "parse": "Unreadable reply", "no_fact": "No fact in chunk", "too_short": "Too short", "too_long": "Too long",
    "prompt_injection": "Obeyed injection", "answer_leak": "Gave answer away", "no_guiding_question": "No guiding question",
    "off_policy": "Off-policy", "off_topic": "Off-topic", "duplicate": "Duplicate", "teacher_error": "Teacher error",
    "error": "Error", "missing_chunk": "Chunk missing",
}  # fmt: skip


def reasons_frame(status: RunStatus | None) -> pd.DataFrame:
    """Filtered and failed items per reason (short labels), for the bar chart."""
    rows = [
        (SHORT_REASONS.get(reason, reason), count)
        for reason, count in (status.reasons.items() if status else [])
    ]
    return pd.DataFrame(rows, columns=["reason", "conversations"])


def latest_html(status: RunStatus | None) -> str:
    if status is None or not status.latest_kept:
        return '<p class="ts-empty">The newest kept conversations appear here as they are written.</p>'
    cards = [
        transcript_html(
            e.messages,
            badge("kept") + f"<b>{html.escape(intent_label(e.intent))}</b> student",
            _example_note(e),
        )
        for e in status.latest_kept
    ]
    return "".join(cards)


def _example_note(example: Example) -> str:
    return f"Reference answer: {html.escape(example.reference_answer or '')} · waiting for review ({html.escape(example.id)})"


def filtered_html(items: Sequence[GenerationItem]) -> str:
    if not items:
        return '<p class="ts-empty">Nothing filtered out yet.</p>'
    cards = []
    for item in items:
        heading = (
            badge(item.state)
            + f"<b>{html.escape(intent_label(item.intent))}</b> student · {html.escape(reason_label(item.reason))}"
        )
        cards.append(transcript_html(item.messages, heading, html.escape(item.detail or "")))
    return "".join(cards)


def run_choices(runs: Sequence[GenerationRun]) -> list[tuple[str, str]]:
    return [
        (
            f"{time.strftime('%d %b %H:%M', time.localtime(r.created_at))} · {r.total} conversations · {r.teacher} · {r.id}",
            r.id,
        )
        for r in runs
    ]
