"""The ChatBackend protocol every stage talks to, and the plain data it exchanges.

    backend: ChatBackend = TransformersBackend(workspace, base="tiny")   # or OpenAICompatibleBackend(...)
    reply = backend.complete(variant, [{"role": "user", "content": "What is a fraction?"}])
    for event in backend.stream_many([(base, msgs), (prompted, msgs), (adapter, msgs)], config):
        columns[event.index] += event.delta        # the Compare tab: three columns at once

A variant's system prompt is prepended to the conversation as a system message, so it counts in
`Usage.prompt_tokens`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.models.spec import Variant

Message = Mapping[str, str]
Request = tuple[Variant, Sequence[Message]]


class InferenceError(RuntimeError):
    """A request failed; the message says what happened and what to fix."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class InferenceTimeoutError(InferenceError):
    """The backend did not answer within the time allowed."""


@dataclass(frozen=True)
class GenerationConfig:
    """Sampling settings; temperature 0 means greedy (deterministic) decoding."""

    max_new_tokens: int = 256
    temperature: float = 0.7
    top_p: float = 0.9
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be at least 1, got {self.max_new_tokens}.")
        if self.temperature < 0:
            raise ValueError(f"temperature must be 0 (greedy) or more, got {self.temperature}.")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}.")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


DEFAULT_GENERATION = GenerationConfig()


@dataclass(frozen=True)
class Usage:
    """Token counts (None when a server does not report them) and timings in seconds."""

    prompt_tokens: int | None
    completion_tokens: int | None
    ttft_s: float | None  # time to the first generated token; None when nothing was generated
    total_s: float


@dataclass(frozen=True)
class ChatReply:
    text: str
    usage: Usage
    finish_reason: str | None = None  # "stop" (end of turn) or "length" (hit max_new_tokens)


@dataclass(frozen=True)
class StreamEvent:
    """A piece of reply `index`; the last event of each request has done=True and carries its usage."""

    index: int
    delta: str
    usage: Usage | None = None
    done: bool = False
    finish_reason: str | None = None


class ChatBackend(Protocol):
    def stream(
        self, variant: Variant, messages: Sequence[Message], config: GenerationConfig = ...
    ) -> Iterator[StreamEvent]:
        """One reply as it is generated (every event has index 0)."""
        ...

    def complete(
        self, variant: Variant, messages: Sequence[Message], config: GenerationConfig = ...
    ) -> ChatReply:
        """One whole reply."""
        ...

    def stream_many(
        self, requests: Sequence[Request], config: GenerationConfig = ...
    ) -> Iterator[StreamEvent]:
        """Several replies at once, events interleaved and tagged with the request's index."""
        ...


def with_system_prompt(variant: Variant, messages: Sequence[Message]) -> list[dict[str, str]]:
    """The conversation the model sees: the variant's system prompt first (merged with a leading one)."""
    conversation = [dict(m) for m in messages]
    prompt = variant.spec.system_prompt
    if not prompt:
        return conversation
    if conversation and conversation[0].get("role") == "system":
        merged = f"{prompt}\n\n{conversation[0]['content']}"
        return [{"role": "system", "content": merged}, *conversation[1:]]
    return [{"role": "system", "content": prompt}, *conversation]


def collect_reply(events: Iterable[StreamEvent]) -> ChatReply:
    """Join a single request's stream into one ChatReply."""
    parts: list[str] = []
    for event in events:
        parts.append(event.delta)
        if event.done:
            usage = event.usage or Usage(None, None, None, 0.0)
            return ChatReply("".join(parts), usage, event.finish_reason)
    raise InferenceError("The reply ended without its closing event; the backend stopped mid-way.")
