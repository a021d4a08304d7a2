"""Turn generate()'s batched token stream into per-request text events.

`BatchStreamer` is a transformers streamer: generate() calls `put(prompt_ids)` once, then `put(tokens)`
with one new token per batch row, then `end()`. It splits each step by row, decodes every row
incrementally (a byte-level token can end mid-character, so text is held back until it is whole),
and hands out `StreamEvent`s tagged with the request index; a row's last event carries its usage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from core.inference.backend import StreamEvent, Usage

REPLACEMENT_CHAR = "\ufffd"


class IncrementalDecoder:
    """Decode a growing token list piece by piece, re-decoding only a short window each step.

    The window (prefix_offset..) keeps enough left context for tokenizers whose decoding of a token
    depends on its neighbours; a piece that ends in an incomplete UTF-8 sequence waits for more tokens.
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.ids: list[int] = []
        self.prefix_offset = 0
        self.read_offset = 0

    def push(self, token_id: int) -> str:
        self.ids.append(token_id)
        return self._delta(final=False)

    def flush(self) -> str:
        return self._delta(final=True)

    def _delta(self, final: bool) -> str:
        prefix = self._decode(self.ids[self.prefix_offset : self.read_offset])
        text = self._decode(self.ids[self.prefix_offset :])
        if len(text) <= len(prefix) or (text.endswith(REPLACEMENT_CHAR) and not final):
            return ""
        self.prefix_offset, self.read_offset = self.read_offset, len(self.ids)
        return text[len(prefix) :]

    def _decode(self, ids: list[int]) -> str:
        return str(self.tokenizer.decode(ids, skip_special_tokens=True)) if ids else ""


class BatchStreamer:
    """A generate() streamer for a batch whose rows are separate requests (indices `indices`)."""

    def __init__(
        self,
        tokenizer: Any,
        indices: Sequence[int],
        prompt_tokens: Sequence[int],
        eos_ids: set[int],
        emit: Callable[[StreamEvent], None],
        started_at: float,
    ) -> None:
        self.indices = list(indices)
        self.prompt_tokens = list(prompt_tokens)
        self.eos_ids = eos_ids
        self.emit = emit
        self.started_at = started_at
        self.decoders = [IncrementalDecoder(tokenizer) for _ in self.indices]
        self.counts = [0] * len(self.indices)
        self.ttft: list[float | None] = [None] * len(self.indices)
        self.done = [False] * len(self.indices)
        self._seen_prompt = False

    @property
    def all_done(self) -> bool:
        return all(self.done)

    def put(self, value: Any) -> None:
        if not self._seen_prompt:  # the first call carries the prompt ids
            self._seen_prompt = True
            return
        tokens = value.reshape(-1).tolist()
        now = time.perf_counter() - self.started_at
        for row, token in enumerate(tokens[: len(self.indices)]):
            if self.done[row]:
                continue
            self.counts[row] += 1
            if self.ttft[row] is None:
                self.ttft[row] = now
            if token in self.eos_ids:
                self._finish(row, "stop", now)
                continue
            delta = self.decoders[row].push(int(token))
            if delta:
                self.emit(StreamEvent(self.indices[row], delta))

    def end(self, finish_reason: str = "length") -> None:
        """Close every row still open (generate() stopped at max_new_tokens, or was cancelled)."""
        now = time.perf_counter() - self.started_at
        for row in range(len(self.indices)):
            if not self.done[row]:
                self._finish(row, finish_reason, now)

    def _finish(self, row: int, reason: str, now: float) -> None:
        self.done[row] = True
        usage = Usage(self.prompt_tokens[row], self.counts[row], self.ttft[row], now)
        tail = self.decoders[row].flush()
        self.emit(StreamEvent(self.indices[row], tail, usage=usage, done=True, finish_reason=reason))
