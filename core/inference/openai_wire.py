"""The OpenAI chat-completions wire format: server-sent event streams and whole completions.

Parsing only; the HTTP requests, deadlines and retries live in openai_backend.py and http_retry.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from core.inference.backend import ChatReply, InferenceError, StreamEvent, Usage


def iter_lines(chunks: Iterator[bytes]) -> Iterator[str]:
    """Split a byte stream into text lines (SSE uses \\n or \\r\\n)."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            yield line.rstrip(b"\r").decode("utf-8", errors="replace")
    if buffer:
        yield buffer.rstrip(b"\r").decode("utf-8", errors="replace")


class SseReader:
    """Turns `data:` lines of an OpenAI chat-completion stream into StreamEvents."""

    def __init__(self, index: int, url: str, started: float) -> None:
        self.index, self.url, self.started = index, url, started
        self.ttft: float | None = None
        self.usage: dict[str, Any] = {}
        self.finish_reason: str | None = None
        self.finished = False
        self.saw_data = False
        self.first_line = ""

    def feed(self, line: str) -> Iterator[StreamEvent]:
        self.first_line = self.first_line or line.strip()
        if not line.startswith("data:"):
            return  # blank separators, comments (": ping"), event names
        self.saw_data = True
        payload = line[5:].strip()
        if payload == "[DONE]":
            self.finished = True
            return
        chunk = json_object(payload.encode(), self.url)
        if "error" in chunk:
            raise InferenceError(f"The server at {self.url} reported an error mid-reply: {chunk['error']}")
        self.usage = chunk.get("usage") or self.usage
        for choice in chunk.get("choices") or []:
            self.finish_reason = choice.get("finish_reason") or self.finish_reason
            text = (choice.get("delta") or {}).get("content")
            if text:
                if self.ttft is None:
                    self.ttft = time.perf_counter() - self.started
                yield StreamEvent(self.index, text)

    def close(self) -> StreamEvent:
        if not self.saw_data and self.first_line:
            raise InferenceError(
                f"The server at {self.url} did not answer with an event stream (it began {self.first_line[:80]!r}); "
                "check that the base URL points at an OpenAI-compatible API (it usually ends in /v1)."
            )
        if not self.finished and self.finish_reason is None:
            raise InferenceError(
                f"The reply from {self.url} stopped before it was complete (no finish signal); "
                "check the server's log, it may have crashed or restarted."
            )
        total = time.perf_counter() - self.started
        usage = Usage(self.usage.get("prompt_tokens"), self.usage.get("completion_tokens"), self.ttft, total)
        return StreamEvent(self.index, "", usage=usage, done=True, finish_reason=self.finish_reason)


def parse_completion(body: bytes, url: str, elapsed: float) -> ChatReply:
    """A non-streaming chat completion, or a readable error when it is not one."""
    data = json_object(body, url)
    try:
        choice = data["choices"][0]
        text = choice["message"].get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise InferenceError(
            f"The server at {url} answered, but not with a chat completion (no choices[0].message); "
            "is this an OpenAI-compatible /v1 endpoint?"
        ) from exc
    usage = data.get("usage") or {}
    return ChatReply(
        str(text),
        Usage(usage.get("prompt_tokens"), usage.get("completion_tokens"), elapsed, elapsed),
        choice.get("finish_reason"),
    )


def json_object(body: bytes, url: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        start = body[:80].decode("utf-8", errors="replace")
        raise InferenceError(
            f"The server at {url} did not answer with JSON (it began {start!r}); check that the base URL "
            "points at an OpenAI-compatible API (it usually ends in /v1)."
        ) from exc
    if not isinstance(data, dict):
        raise InferenceError(f"The server at {url} answered with JSON that is not an object.")
    return data
