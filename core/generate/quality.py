"""The substance of generated training data, measured before anyone trains on it.

    figures = measure_substance(conversations, course_text)
    figures.specific        -> 0.97   share of tutor turns whose question is about the student's problem
    figures.top_opening     -> 0.06   share of first replies that open with the most common sentence
    figures.ungrounded      -> 0      tutor turns that point to a section the course does not have
    figures.unfair_praise   -> 0      tutor turns that praise effort before the student tried anything

A model learns what its data does: a phrase bank that opens every reply with "Good effort!" and asks
"What information does the question give you?" trains a tutor that does the same to every student. The
same detectors (core/evaluate/behaviour/substance.py) score the tutor benchmark's replies after training, so the
figures a teacher sees in the Generate tab predict what the adapter will do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from core.documents.records import list_documents, markdown_file
from core.evaluate.behaviour.refusals import asks_for_answer
from core.evaluate.behaviour.substance import (
    effort_praise,
    opening_share,
    specific_questions,
    student_attempted,
    ungrounded_references,
)
from core.paths import Workspace
from core.store import Store

Message = Mapping[str, str]
# Below these a teacher is warned before training (the tutor benchmark's targets for the trained tutor).
MIN_SPECIFIC = 0.8
MAX_TOP_OPENING = 0.1


@dataclass(frozen=True)
class SubstanceFigures:
    conversations: int
    tutor_turns: int
    specific: float  # share of tutor turns asking about the student's own problem
    top_opening: float  # share of first tutor replies opening with the most common sentence
    ungrounded: int  # tutor turns sending the student to a section, page or example the course lacks
    unfair_praise: int  # tutor turns praising effort before the student had tried anything

    @property
    def warnings(self) -> list[str]:
        """What a teacher should fix before training, in plain words (empty when the data looks right)."""
        found = []
        if self.tutor_turns and self.specific < MIN_SPECIFIC:
            found.append(
                f"Only {self.specific:.0%} of tutor turns ask about the student's own problem; the tutor will "
                "learn stock questions. Use a model teacher or edit the generic turns in Review."
            )
        if self.conversations >= 10 and self.top_opening > MAX_TOP_OPENING:
            found.append(
                f"{self.top_opening:.0%} of conversations open with the same sentence; the tutor will repeat it "
                "to every student. Generate more varied conversations or edit them in Review."
            )
        if self.ungrounded:
            found.append(
                f"{self.ungrounded} tutor turn(s) point to a section or page the course does not have; "
                "reject or edit them in Review."
            )
        if self.unfair_praise:
            found.append(
                f"{self.unfair_praise} tutor turn(s) praise effort before the student tried anything; "
                "edit them in Review."
            )
        return found

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "warnings": self.warnings}


def run_substance(store: Store, workspace: Workspace, run_id: str) -> SubstanceFigures:
    """The substance figures of the conversations a generation run kept (its examples as they are now)."""
    rows = store.query(
        "SELECT e.messages FROM generation_items AS g JOIN examples AS e ON e.id = g.example_id "
        "WHERE g.run_id = ? AND g.state = 'kept'",
        (run_id,),
    )
    conversations = [json.loads(row["messages"]) for row in rows]
    return measure_substance(conversations, course_markdown(store, workspace))


_CACHE: dict[tuple[str, str, int, float], SubstanceFigures] = {}


def cached_run_substance(store: Store, workspace: Workspace, run_id: str) -> SubstanceFigures:
    """run_substance, measured again only when the run's kept examples changed (the tab polls every second)."""
    row = store.query_one(
        "SELECT count(*) AS n, coalesce(max(e.updated_at), 0) AS changed FROM generation_items AS g "
        "JOIN examples AS e ON e.id = g.example_id WHERE g.run_id = ? AND g.state = 'kept'",
        (run_id,),
    )
    key = (str(workspace.root), run_id, int(row["n"]) if row else 0, float(row["changed"]) if row else 0.0)
    if key not in _CACHE:
        _CACHE.clear()  # one run is shown at a time
        _CACHE[key] = run_substance(store, workspace, run_id)
    return _CACHE[key]


def course_markdown(store: Store, workspace: Workspace) -> str:
    """Every ready document's markdown, joined: the sections a tutor may point a student to."""
    parts = []
    for document in list_documents(store):
        path = markdown_file(workspace, document) if document.status == "ready" else None
        if path is not None and path.is_file():
            parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n\n".join(parts)


def measure_substance(conversations: Sequence[Sequence[Message]], course_text: str = "") -> SubstanceFigures:
    """The four substance figures over every tutor turn of `conversations` (OpenAI chat messages)."""
    turns = specific = ungrounded = unfair = 0
    first_replies: list[str] = []
    for messages in conversations:
        said: list[str] = []
        for message in messages:
            content = message.get("content", "")
            if message.get("role") == "user":
                said.append(content)
                continue
            if message.get("role") != "assistant" or not said:
                continue
            if len(said) == 1:
                first_replies.append(content)
            turns += 1
            # The problem is in what the student has said so far: usually the first message, but after an
            # off-topic opener the tutor asks which question it is, and later turns build on the last one.
            about = "\n".join(said)
            specific += bool(specific_questions(content, about))
            ungrounded += bool(course_text and ungrounded_references(content, course_text, said[0]))
            unfair += bool(effort_praise(content)) and not _tried(said)
    return SubstanceFigures(
        conversations=len(conversations),
        tutor_turns=turns,
        specific=specific / turns if turns else 0.0,
        top_opening=opening_share(first_replies),
        ungrounded=ungrounded,
        unfair_praise=unfair,
    )


def _tried(said: Sequence[str]) -> bool:
    """Has the student tried anything yet? The opener may carry an attempt; any later reply to the tutor's
    question is one, unless it only asks for the answer again."""
    return student_attempted(said[0]) or any(not asks_for_answer(reply) for reply in said[1:])
