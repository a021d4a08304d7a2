"""Why a run (or a chunk) kept nothing, and what to do, in words a teacher can act on. Pure functions.

    explain_run(reasons={"no_fact": 40}, chunks=40, teacher="template", materials={"list": 31, "short": 9})
    -> "The offline teacher found nothing to ask about in 40 of 40 chunks: the material is mostly bullet
        lists (31 chunks) and very short passages (9) ... Connect a model teacher (Generate → Teacher) or ..."
    explain_chunk(ChunkOutcome(kept=0, reasons={"no_fact": 8}, material="questions"), teacher="template")
    material_kind("1. Simplify 12/16.\n2. Which is larger, 5/6 or 7/9?")   -> "questions"

An empty string means there is nothing to explain (something was kept). The Generate tab's run summary
and `tutor-studio generate` show the message when a run keeps nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from core.generate.filters import REASON_LABELS

MaterialKind = Literal["questions", "list", "table", "short", "statements"]
SHORT_WORDS = 40  # a chunk under this many words rarely holds a full statement with its explanation
FAILED_REASONS = ("teacher_error", "error")
MATERIAL_WORDS: dict[str, str] = {
    "questions": "exercises and questions",
    "list": "bullet lists",
    "table": "tables",
    "short": "very short passages",
    "statements": "sentences the offline teacher's patterns do not read",
}
WHAT_TEMPLATE_READS = (
    'It asks about definitions ("X is ..."), worked sums with "=", dated events ("In 1764, ...") and '
    'explanations ("... because ...").'
)
MODEL_TEACHER_HINT = "connect a model teacher (Generate → Teacher, or `--teacher URL --model NAME`)"


@dataclass(frozen=True)
class ChunkOutcome:
    """What one chunk gave in a run: conversations kept, the other items by reason, what its text is like."""

    kept: int
    reasons: Mapping[str, int] = field(default_factory=dict)
    material: MaterialKind | None = None


def material_kind(text: str) -> MaterialKind:
    """What a chunk's text mostly is: questions, a list, a table, a short passage, or statements."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return "short"
    table = sum(line.startswith("|") for line in lines)
    items = [line for line in lines if re.match(r"^(?:[-*•]|\d+[.)])\s+", line)]
    asks = sum(
        line.rstrip().endswith("?") or bool(re.match(r"^(?:\d+[.)]\s+)?(?:work out|simplify|find|calculate|"
                                                     r"explain|describe|name|list|compare)\b", line, re.I))
        for line in lines
    )  # fmt: skip
    if asks * 2 >= len(lines):
        return "questions"
    if table * 2 >= len(lines):
        return "table"
    if len(items) * 2 >= len(lines):
        return "list"
    if len(text.split()) < SHORT_WORDS:
        return "short"
    return "statements"


def explain_chunk(outcome: ChunkOutcome, teacher: str) -> str:
    """Why this chunk gave no kept conversation, or "" when it gave some."""
    if outcome.kept:
        return ""
    materials: dict[str, int] | None = {outcome.material: 1} if outcome.material else None
    return explain_run(outcome.reasons, chunks=1, teacher=teacher, materials=materials, unit="this chunk")


def explain_nothing_kept(outcomes: Sequence[ChunkOutcome], teacher: str) -> str:
    """Why a whole run kept nothing, from its chunks' outcomes, or "" when any chunk kept something."""
    if any(o.kept for o in outcomes):
        return ""
    reasons: Counter[str] = Counter()
    for outcome in outcomes:
        reasons.update(outcome.reasons)
    empty = [o for o in outcomes if o.reasons.get("no_fact")]
    materials: Counter[str] = Counter(o.material for o in empty if o.material)
    return explain_run(
        reasons, chunks=len(outcomes), teacher=teacher, materials=materials, empty_chunks=len(empty)
    )


def explain_run(
    reasons: Mapping[str, int],
    *,
    chunks: int,
    teacher: str,
    materials: Mapping[str, int] | None = None,
    empty_chunks: int | None = None,
    kept: int = 0,
    unit: str = "",
) -> str:
    """The message for a run with these reason counts (filtered and failed items per reason).

    `empty_chunks` is how many chunks gave nothing to ask about and `materials` counts them by
    material_kind, when the caller knows them."""
    if kept or not reasons:
        return ""
    total = sum(reasons.values())
    top, count = max(reasons.items(), key=lambda item: item[1])
    if top == "no_fact":
        if not unit:
            unit = (
                f"{empty_chunks} of {chunks} chunks"
                if empty_chunks is not None
                else f"the chunks of {count} of {total} conversations"
            )
        return _no_fact(unit, teacher, materials or {})
    if top in FAILED_REASONS:
        return (
            f"Nothing was kept: the teacher failed on {count} of {total} conversations (it could not be reached "
            "or gave an error). Check that its server is running and the address and model name at "
            "Generate → Teacher are right, then resume the run; or switch to the offline teacher."
        )
    if top == "duplicate":
        return (
            f"Nothing was kept: {count} of {total} conversations repeated ones already written. Ask for fewer "
            "conversations per chunk, or add more course material."
        )
    label = REASON_LABELS.get(top, top.replace("_", " ")).rstrip(".").lower()
    return (
        f"Nothing was kept: {count} of {total} conversations failed the tutor checks, most often "
        f'"{label}". A larger or better instruction-following teacher model usually fixes this; the '
        "filtered conversations, with the check each failed, are listed in the run summary."
    )


def _no_fact(where: str, teacher: str, materials: Mapping[str, int]) -> str:
    if teacher != "template":
        return (
            f"Nothing was kept: the teacher found nothing to ask about in {where}. The material may be mostly "
            "exercises, lists or tables; add lessons that explain the topic in full sentences."
        )
    mostly = _materials(materials)
    why = f": the material is mostly {mostly}" if mostly else ""
    return (
        f"The offline teacher found nothing to ask about in {where}{why}. {WHAT_TEMPLATE_READS} "
        f"To make conversations from this material, {MODEL_TEACHER_HINT}, or add lessons that explain "
        "the topic in full sentences."
    )


def _materials(materials: Mapping[str, int]) -> str:
    ranked = [(kind, n) for kind, n in sorted(materials.items(), key=lambda item: -item[1]) if n]
    parts = [
        f"{MATERIAL_WORDS.get(kind, kind)} ({n} {'chunk' if n == 1 else 'chunks'})" for kind, n in ranked[:3]
    ]
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    return parts[0] if parts else ""
