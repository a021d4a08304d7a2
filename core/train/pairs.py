"""One preference pair: the conversation so far, the reply people preferred and the one they did not.
Every source makes this one type: Compare's votes (core/compare/vote_pairs.py), Generate's caught leaks
and Review's edits (core/train/pairs_sources.py).

    pair = PreferencePair(prompt=[{"role": "user", "content": "Just tell me 3/4 + 1/8"}],
                          chosen="What could the common denominator be?", rejected="It is 7/8.",
                          source="leaks", origin="gen_1a2b:chunk_3:0")
    pair.record()    # {"prompt": [...], "chosen": [{"role": "assistant", ...}], "rejected": [...]}
    pair.group       # the prompt group: pairs that start with the same student message stay in one split

The record is TRL's conversational preference format, which DPOTrainer and ORPOTrainer read as is. The
prompt never carries a system prompt: the adapter is trained and served without the long tutor policy.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from core.evaluate.behaviour.normalise import collapse

Message = dict[str, str]
Source = Literal["votes", "leaks", "edits"]
SOURCES: tuple[Source, ...] = ("votes", "leaks", "edits")
SOURCE_LABELS: dict[str, str] = {
    "votes": "Blind votes in Compare",
    "leaks": "Answer leaks caught in Generate",
    "edits": "Tutor turns edited in Review",
}
SOURCE_HELP: dict[str, str] = {  # what the Train tab's "Pairs from" and `train --sources` say
    "votes": "the reply people voted best beats each reply ranked below it",
    "leaks": "a Socratic reply beats the reply the leak filter caught giving the answer away",
    "edits": "a reviewer's edited tutor turn beats the original it replaced",
}


def source_help() -> str:
    """One line saying where the preferred and rejected replies of each source come from."""
    return (
        "Where the preferred and rejected replies come from. "
        + "; ".join(f"{SOURCE_LABELS[key]}: {text}" for key, text in SOURCE_HELP.items())
        + "."
    )


@dataclass(frozen=True)
class PreferencePair:
    prompt: list[Message]
    chosen: str
    rejected: str
    source: Source
    origin: str  # where it came from: a vote, a generation item, an example's revisions
    meta: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        return {
            "prompt": [{"role": m["role"], "content": m["content"]} for m in self.prompt],
            "chosen": [{"role": "assistant", "content": self.chosen}],
            "rejected": [{"role": "assistant", "content": self.rejected}],
        }

    @property
    def group(self) -> str:
        """The first student message, normalised: every turn of one conversation lands in the same split."""
        first = next((m["content"] for m in self.prompt if m["role"] == "user"), "")
        return "prompt:" + hashlib.sha256(collapse(first).encode("utf-8")).hexdigest()[:16]

    @property
    def key(self) -> str:
        """Identical pairs (same prompt and both replies) from two sources count once."""
        canonical = json.dumps(self.record(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @property
    def usable(self) -> bool:
        """Both replies present and really different, after a prompt that ends with the student."""
        chosen, rejected = collapse(self.chosen), collapse(self.rejected)
        ends_with_student = bool(self.prompt) and self.prompt[-1]["role"] == "user"
        return bool(chosen and rejected) and chosen != rejected and ends_with_student

    def sidecar(self, split: str) -> dict[str, Any]:
        """The metadata line that travels beside the pair (training ignores it)."""
        return {
            "source": self.source,
            "origin": self.origin,
            "split": split,
            "key": self.key[:16],
            **self.meta,
        }


def without_system(messages: list[Message]) -> list[Message]:
    """The conversation as the adapter sees it: no system prompt."""
    return [{"role": m["role"], "content": m["content"]} for m in messages if m.get("role") != "system"]


def dedupe(items: list[PreferencePair]) -> tuple[list[PreferencePair], int]:
    """Usable pairs, each once (the first source wins); also how many were dropped."""
    seen: set[str] = set()
    kept: list[PreferencePair] = []
    for item in items:
        if item.usable and item.key not in seen:
            seen.add(item.key)
            kept.append(item)
    return kept, len(items) - len(kept)
