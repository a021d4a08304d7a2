"""What a teacher is: it derives a question and answer from a chunk, then writes the conversation.

    teacher.derive(source, slot, seed)                               -> Derivation
    teacher.write(source, derivation, intent, policy, seed)          -> [{"role": ..., "content": ...}]

Two kinds implement it: the offline TemplateTeacher (core/generate/template.py) and ModelTeacher here,
which asks any ChatBackend (an OpenAI-compatible server, or a local model through transformers) with
the prompts of core/generate/prompts.py. A teacher raises ParseError when its answer cannot be read (the
item is filtered), NoFactError when a chunk gives it nothing to ask (filtered), and InferenceError
when the backend failed (the item failed and a resume retries it).

A non-streaming ModelTeacher asks for structured output (a JSON schema) where its backend offers it
(`complete_structured`, OpenAI-compatible servers); the backend falls back to plain text when the server
refuses it, and the same parsers read both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from core.generate.intents import Intent
from core.generate.prompts import (
    CONVERSATION_SCHEMA,
    DERIVATION_SCHEMA,
    ParseError,
    conversation_messages,
    derive_messages,
    parse_conversation,
    parse_derivation,
)
from core.inference.backend import ChatBackend, GenerationConfig, collect_reply
from core.models.spec import ModelSpec, Variant

Message = dict[str, str]
TEACHER_VARIANT = Variant("teacher", ModelSpec())
HEADING_PREFIX = re.compile(r"^(?:lesson|chapter|unit|part|section|module|week|topic)\s*\d+\s*[:.-]\s*", re.I)
__all__ = [
    "Derivation",
    "ModelTeacher",
    "NoFactError",
    "ParseError",
    "RepeatedQuestion",
    "SourceChunk",
    "Teacher",
]


class NoFactError(ValueError):
    """The teacher found nothing in the chunk to ask about."""


class RepeatedQuestion(NoFactError):
    """Every question a chunk gives is already asked there for this student intent: the item is left out as
    a duplicate rather than teaching the same exchange twice."""


@dataclass(frozen=True)
class SourceChunk:
    """A chunk as a teacher sees it: its text and where it comes from."""

    chunk_id: str
    document_id: str
    document_name: str
    heading_path: tuple[str, ...]
    text: str
    # The student intents planned for this chunk's conversations, in slot order: lets a teacher that
    # derives several questions from one chunk give each slot its own question (core/generate/facts.pick_fact).
    slot_intents: tuple[str, ...] = ()

    @property
    def topic(self) -> str:
        """The section the chunk is in, in plain words ("Fractions", not "Lesson 1: Fractions")."""
        heading = self.heading_path[-1] if self.heading_path else self.document_name.rsplit(".", 1)[0]
        return HEADING_PREFIX.sub("", heading).strip() or heading


@dataclass(frozen=True)
class Derivation:
    """A question a student could ask about the chunk, and its answer."""

    question: str
    reference_answer: str
    short_answer: str = ""  # what the student must finally say: a value ("3 A") or a few words


class Teacher(Protocol):
    label: str

    def derive(self, source: SourceChunk, slot: int, seed: int) -> Derivation: ...

    def write(
        self, source: SourceChunk, derivation: Derivation, intent: Intent, policy: str, seed: int
    ) -> list[Message]: ...


@dataclass
class ModelTeacher:
    """A teacher that asks a chat model for JSON (streaming or not), then parses it."""

    backend: ChatBackend
    label: str
    stream: bool = False
    temperature: float = 0.8
    derive_tokens: int = 400
    write_tokens: int = 1200

    def derive(self, source: SourceChunk, slot: int, seed: int) -> Derivation:
        text = self._ask(
            derive_messages(source, slot), self.derive_tokens, seed, DERIVATION_SCHEMA, "derivation"
        )
        question, reference, short = parse_derivation(text)
        return Derivation(question, reference, short)

    def write(
        self, source: SourceChunk, derivation: Derivation, intent: Intent, policy: str, seed: int
    ) -> list[Message]:
        messages = conversation_messages(source, derivation, intent, policy)
        return parse_conversation(
            self._ask(messages, self.write_tokens, seed, CONVERSATION_SCHEMA, "conversation")
        )

    def _ask(
        self, messages: list[Message], max_tokens: int, seed: int, schema: dict[str, Any], name: str
    ) -> str:
        config = GenerationConfig(
            max_new_tokens=max_tokens, temperature=self.temperature, top_p=0.95, seed=seed
        )
        structured = getattr(self.backend, "complete_structured", None)
        if self.stream:
            reply = collect_reply(self.backend.stream(TEACHER_VARIANT, messages, config))
        elif callable(structured):
            reply = structured(TEACHER_VARIANT, messages, config, schema, name)
        else:
            reply = self.backend.complete(TEACHER_VARIANT, messages, config)
        if reply.finish_reason == "length" and not reply.text.rstrip().endswith(("}", "]")):
            raise ParseError(
                f"the teacher's reply was cut off at {max_tokens} tokens before the JSON was complete"
            )
        return reply.text
