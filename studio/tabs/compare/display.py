"""Formatting for the Compare tab: replies, usage, token savings, the blind reveal and the leaderboard.

Pure functions, records in and strings / HTML / DataFrames out; no gradio, no I/O.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

from core.compare.blind import VoteOutcome, position_label
from core.compare.leaderboard import Leaderboard
from core.compare.savings import Savings
from core.compare.session import ColumnReply
from core.compare.variants import (
    ADAPTER_PREFIX,
    BASE_KEY,
    BASE_LABEL,
    NO_ADAPTER_HINT,
    PROMPTED_KEY,
    PROMPTED_LABEL,
    VariantOption,
)
from core.inference.backend import Usage
from core.models.spec import ResolvedBase

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}
EMPTY_SAVINGS = (
    "Send a message with a <b>Prompted</b> column next to a column without the prompt (an adapter or the base "
    "model) to see how many input tokens the long tutor policy costs on every message, and what baking it into "
    "an adapter saves per day."
)
EMPTY_LEADERBOARD = (
    "No votes yet. In the Chat tab, tick <b>Blind mode</b>, send a student message, and vote for the best reply; "
    "ratings appear here after the first vote."
)
EMPTY_REPLY = "*(no text: the model ended its reply at once, or wrote only special tokens)*"
HIDDEN_USAGE = "Token counts and timings show after your vote (they would give the tutors away)."


def format_tokens(count: float) -> str:
    """`811`, `12,400`, `8.1 million`, `2.4 billion`."""
    if count >= 1e9:
        return f"{count / 1e9:.1f} billion"
    if count >= 1e6:
        return f"{count / 1e6:.1f} million"
    return f"{count:,.0f}"


def ordinal(rank: int) -> str:
    return ORDINALS.get(rank, f"{rank}th")


def variant_choices(options: Sequence[VariantOption]) -> list[tuple[str, str]]:
    return [(option.label, option.key) for option in options]


def chat_messages(reply: ColumnReply) -> list[dict[str, str]]:
    """A column's conversation for gr.Chatbot; an empty reply says so instead of an empty bubble."""
    messages = [dict(m) for m in reply.conversation]
    if not reply.text.strip():
        messages[-1]["content"] = EMPTY_REPLY if reply.done else "…"
    return messages


def blind_title(position: int) -> str:
    """A column's title in blind mode, before the vote."""
    return f"### Tutor {position_label(position)}"


def column_placeholder(key: str | None) -> str:
    return NO_ADAPTER_HINT if key is None else "Replies appear here."


def usage_html(reply: ColumnReply | None, hidden: bool = False) -> str:
    """The line under a reply: input and output tokens, time to first token, total time."""
    if reply is None:
        return ""
    if reply.error:
        return f'<div class="ts-warning">This reply failed: {html.escape(reply.error)}</div>'
    if hidden and reply.done:
        return f'<p class="ts-muted">{HIDDEN_USAGE}</p>'
    if reply.usage is None:
        return '<p class="ts-muted">Writing...</p>'
    return usage_line(reply.usage, reply.finish_reason == "length")


def usage_line(usage: Usage, cut: bool = False) -> str:
    def number(value: int | None) -> str:
        return "n/a" if value is None else f"{value:,}"

    ttft = "n/a" if usage.ttft_s is None else f"{usage.ttft_s:.2f} s"
    cut_note = " · <b>cut at the length limit</b>" if cut else ""
    return (
        f'<p class="ts-muted compare-usage" data-prompt-tokens="{usage.prompt_tokens or 0}" '
        f'data-completion-tokens="{usage.completion_tokens or 0}">'
        f"Input <b>{number(usage.prompt_tokens)}</b> tokens (system prompt included) · "
        f"output <b>{number(usage.completion_tokens)}</b> · first token {ttft} · total {usage.total_s:.2f} s"
        f"{cut_note}</p>"
    )


def savings_html(savings: Savings, plain_label: str) -> str:
    if not savings.measured:
        return f'<p class="ts-empty">{EMPTY_SAVINGS}</p>'
    assert savings.prompted_tokens is not None and savings.plain_tokens is not None
    messages = "1 message" if savings.rounds == 1 else f"{savings.rounds} messages"
    return (
        '<div id="compare-savings-text">'
        f"<p>The tutor policy adds <b>{format_tokens(savings.saved_per_message)} input tokens</b> to every "
        f"prompted message: {format_tokens(savings.prompted_tokens)} with the prompt against "
        f"{format_tokens(savings.plain_tokens)} for {html.escape(plain_label)} (measured on {messages}).</p>"
        f"<p>At <b>{savings.messages_per_day:,}</b> messages a day, that is <b>{format_tokens(savings.saved_per_day)} "
        f"tokens a day</b> the adapter does not send ({savings.saved_share:.0%} of the prompted input), and "
        f"{format_tokens(savings.saved_per_day * 30)} a month.</p></div>"
    )


def savings_frame(savings: Savings, plain_label: str) -> pd.DataFrame:
    rows = []
    if savings.measured:
        rows = [("Prompted (with the policy)", savings.prompted_tokens), (plain_label, savings.plain_tokens)]
    return pd.DataFrame(rows, columns=["Tutor", "Input tokens per message"])


def reveal_html(outcome: VoteOutcome) -> str:
    """Who was who, after the vote."""
    items = []
    for position, label, rank in outcome.reveal():
        place = f" ranked <b>{ordinal(rank)}</b>" if rank else ""
        items.append(f"<li><b>Tutor {position}</b> was {html.escape(label)}{place}</li>")
    heading = (
        "Thanks, your vote is counted."
        if outcome.counted
        else "Your vote on this comparison was already counted."
    )
    return (
        f'<div id="compare-reveal-text"><p><b>{heading}</b> The tutors were:</p><ul>{"".join(items)}</ul>'
        '<p class="ts-muted">Send another message for a new blind round; the Leaderboard tab adds up the votes.</p></div>'
    )


def revealed_title(outcome: VoteOutcome, position: int) -> str:
    label, rank = outcome.reveal()[position][1:]
    place = f" · ranked **{ordinal(rank)}**" if rank else ""
    return f"### Tutor {position_label(position)}\n{label}{place}"


def revealed_usage(outcome: VoteOutcome, position: int) -> str:
    usage = outcome.comparison.usage_shown_at(position)
    return usage_line(usage) if usage is not None else ""


def vote_choices(columns: Sequence[ColumnReply | None]) -> list[tuple[str, str]]:
    """The vote's choices: one per filled column, by its blind letter."""
    return [(f"Tutor {position_label(i)}", position_label(i)) for i, c in enumerate(columns) if c is not None]


def leaderboard_summary(board: Leaderboard) -> str:
    if board.is_empty:
        return f'<p class="ts-empty">{EMPTY_LEADERBOARD}</p>'
    best = board.ratings[0]
    return (
        f"<p><b>{plural(board.votes, 'vote')}</b> on <b>{plural(board.comparisons, 'blind comparison')}</b>. "
        "Best so far: "
        f"<b>{html.escape(best.label)}</b> ({best.rating:.0f}). A rating is on the chess (Elo) scale around "
        "1000: 100 points apart means the higher one wins about 64% of the time. Bars show the 95% range; "
        "overlapping ranges mean more votes are needed to tell two tutors apart.</p>"
    )


def ratings_frame(board: Leaderboard) -> pd.DataFrame:
    rows = [
        (i, r.label, round(r.rating), f"{r.low:.0f} to {r.high:.0f}", r.votes, r.wins, r.losses)
        for i, r in enumerate(board.ratings, start=1)
    ]
    return pd.DataFrame(rows, columns=["Rank", "Tutor", "Rating", "95% range", "Votes", "Wins", "Losses"])


def pairs_frame(board: Leaderboard) -> pd.DataFrame:
    """Head-to-head records: one row per pair of tutors that met."""
    rows = [
        (p.first_label, p.second_label, p.first_wins, p.second_wins, f"{p.first_win_rate:.0%}")
        for p in board.pairs
    ]
    return pd.DataFrame(rows, columns=["Tutor", "Against", "Wins", "Losses", "Win rate"])


def win_rate_frame(board: Leaderboard) -> pd.DataFrame:
    """Each tutor's share of the head-to-heads it took part in, for a bar chart."""
    rows = [
        (_short(r.label), round(100 * r.wins / (r.wins + r.losses)) if r.wins + r.losses else 0)
        for r in board.ratings
    ]
    return pd.DataFrame(rows, columns=["Tutor", "Head-to-heads won (%)"])


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _short(label: str) -> str:
    return label.split(" (")[0]


def ratings_svg(board: Leaderboard, width: int = 720) -> str:
    """Each tutor's rating as a dot with its 95% range as a bar, best at the top, 1000 marked."""
    if board.is_empty:
        return ""
    left, right, row = 230, 150, 34
    low = min(min(r.low for r in board.ratings), 1000) - 20
    high = max(max(r.high for r in board.ratings), 1000) + 20
    span = max(high - low, 1.0)

    def x(value: float) -> float:
        return left + (value - low) / span * (width - left - right)

    height = row * len(board.ratings) + 30
    parts = [
        f'<svg id="compare-ratings-svg" width="100%" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Ratings with 95% ranges" style="max-width:900px;font-family:inherit;font-size:13px">',
        f'<line x1="{x(1000):.1f}" y1="4" x2="{x(1000):.1f}" y2="{height - 22}" stroke="#9ca3af" stroke-dasharray="4 3"/>',
        f'<text x="{x(1000):.1f}" y="{height - 6}" text-anchor="middle" fill="#6b7280">1000 = average</text>',
    ]
    for i, r in enumerate(board.ratings):
        y = 18 + i * row
        parts += [
            f'<text x="{left - 10}" y="{y + 4}" text-anchor="end" fill="currentColor">{html.escape(_short(r.label))}</text>',
            f'<line x1="{x(r.low):.1f}" y1="{y}" x2="{x(r.high):.1f}" y2="{y}" stroke="#818cf8" stroke-width="6" stroke-linecap="round"/>',
            f'<circle cx="{x(r.rating):.1f}" cy="{y}" r="7" fill="#4338ca"><title>{r.rating:.0f}</title></circle>',
            f'<text x="{width - right + 10}" y="{y + 4}" fill="currentColor">{r.rating:.0f} · {plural(r.votes, "vote")}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def key_label(key: str | None) -> str:
    """A column's title from its variant key (the same words as the variant list)."""
    if key is None:
        return "Empty column"
    if key.startswith(ADAPTER_PREFIX):
        return f"Adapter {key.removeprefix(ADAPTER_PREFIX)}"
    return {BASE_KEY: BASE_LABEL, PROMPTED_KEY: PROMPTED_LABEL}.get(key, key)


def plain_label(key: str | None) -> str:
    """What "without the prompt" was measured on, for the savings panel."""
    if key and key.startswith(ADAPTER_PREFIX):
        return f"adapter {key.removeprefix(ADAPTER_PREFIX)}"
    return "the base model without the prompt"


def contestants_note(keys: Sequence[str | None]) -> str:
    """In blind mode the column lists are hidden; this line says who competes."""
    names = [key_label(k) for k in keys if k]
    return (
        f"**Blind mode:** {', '.join(names)} answer in a random order as Tutor A, B and C. Each message is a "
        "fresh one-turn round. Untick Blind mode to change the tutors."
    )


def notes_markdown(notes: Sequence[str]) -> str:
    return "\n".join(f"- {html.escape(note)}" for note in notes)


def answering_html(base: ResolvedBase, answering: str, device: str) -> str:
    """Small print under the columns: which model answers, and why tiny's replies read as gibberish."""
    where = f"the studio on {device}" if answering == base.display_name else "your server"
    text = f"Answering: <b>{html.escape(answering)}</b>, running in {html.escape(where)}."
    if base.kind == "tiny":
        text += (
            " <code>tiny</code> is the small offline test model with random weights: its replies are gibberish, "
            "which is expected. Start the studio with a real base model to see real tutoring."
        )
    if base.is_fallback:
        text += f" {html.escape(base.reason)}"
    return f'<p class="ts-muted" style="font-size:0.85rem">{text}</p>'
