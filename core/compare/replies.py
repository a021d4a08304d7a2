"""One round's replies by variant name, typed: what `tutor-studio chat --json` prints.

result = round_replies({"base": "base", "adapter": "adapter:tutor@v1-lora"}, snapshot)
text = json.dumps(result.model_dump(mode="json"))   # {"replies": {...}, "usage": {...}}
"""

from __future__ import annotations

from pydantic import BaseModel

from core.compare.session import RoundSnapshot
from core.inference.backend import Usage

TTFT_DIGITS = 4


class ReplyUsage(BaseModel):
    """A reply's token counts (None when the server does not report them) and time to first token."""

    prompt_tokens: int | None
    completion_tokens: int | None
    ttft_s: float | None

    @classmethod
    def of(cls, usage: Usage | None) -> ReplyUsage:
        if usage is None:
            return cls(prompt_tokens=None, completion_tokens=None, ttft_s=None)
        ttft = round(usage.ttft_s, TTFT_DIGITS) if usage.ttft_s is not None else None
        return cls(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens, ttft_s=ttft)


class RoundReplies(BaseModel):
    """Each variant's reply text and usage, keyed by the variant's name, in the order asked for."""

    replies: dict[str, str]
    usage: dict[str, ReplyUsage]


def round_replies(wanted: dict[str, str], snapshot: RoundSnapshot) -> RoundReplies:
    """`wanted` maps a variant's name (base, prompted, adapter) to its key in the snapshot's columns."""
    by_key = {c.key: c for c in snapshot.columns if c is not None}
    return RoundReplies(
        replies={name: by_key[key].text for name, key in wanted.items()},
        usage={name: ReplyUsage.of(by_key[key].usage) for name, key in wanted.items()},
    )
