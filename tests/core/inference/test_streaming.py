"""Splitting a batched token stream into per-request text, whole characters only."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.inference.backend import StreamEvent
from core.inference.streaming import BatchStreamer, IncrementalDecoder


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_model_dir))


def test_incremental_decoder_never_emits_half_characters(tokenizer: Any) -> None:
    text = "Une tarte aux pommes, s'il vous plaît: 你好, 🍕 = ½ pizza!"
    ids = tokenizer.encode(text, add_special_tokens=False)
    assert len(ids) > len(text.split())  # multi-byte characters span several tokens
    decoder = IncrementalDecoder(tokenizer)
    pieces = [decoder.push(i) for i in ids] + [decoder.flush()]
    assert "".join(pieces) == text
    assert not any("\ufffd" in piece for piece in pieces)


def test_batch_streamer_splits_rows_and_stops_each_at_its_end(tokenizer: Any) -> None:
    events: list[StreamEvent] = []
    eos = tokenizer.convert_tokens_to_ids("<|im_end|>")
    pad = tokenizer.pad_token_id
    row0 = tokenizer.encode("Why?", add_special_tokens=False)
    row1 = tokenizer.encode("What do you think?", add_special_tokens=False)
    steps = max(len(row0) + 1, len(row1))
    streamer = BatchStreamer(tokenizer, [4, 7], [10, 12], {eos}, events.append, time.perf_counter())
    streamer.put(np.zeros((2, 5), dtype=np.int64))  # the prompt: ignored
    for step in range(steps):
        first = row0[step] if step < len(row0) else (eos if step == len(row0) else pad)
        streamer.put(np.array([first, row1[step] if step < len(row1) else pad]))
    streamer.end()
    text = {i: "".join(e.delta for e in events if e.index == i) for i in (4, 7)}
    assert text == {4: "Why?", 7: "What do you think?"}
    done = {e.index: e for e in events if e.done}
    assert (done[4].finish_reason, done[7].finish_reason) == ("stop", "length")
    assert (
        done[4].usage is not None and done[4].usage.completion_tokens == len(row0) + 1
    )  # the end token counts
    assert done[7].usage is not None and done[7].usage.prompt_tokens == 12
    assert events.index(done[4]) < events.index(done[7])
