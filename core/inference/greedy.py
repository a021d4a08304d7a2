"""Greedy decoding of a left-padded batch in which finished rows leave the batch.

    if plain_greedy(generation_config):
        input_ids, attention_mask, shared = shared_prefix_batch(token_lists, tokenizer.pad_token_id)
        decode_greedy(model, input_ids, attention_mask, shared=shared, max_new_tokens=160,
                      eos_ids={2}, on_step=streamer.put, cancel=cancel, adapter_names=names)

generate() keeps computing a row after its end-of-turn token until every row of the batch has ended,
so a batch runs as long as its longest reply: on the bundled model replaying 8 test turns, the rows
produced a third (base) to a half (prompted) of the tokens their batch computed. Here a row that ends is dropped from the batch
and from the key-value cache at once, and the next step runs only the rows still writing. The tokens
are the same as generate()'s greedy ones (tests/core/inference/test_greedy.py checks it); only models
whose generation defaults change the scores (a repetition penalty, banned words...) keep generate().

Rows that open with the same tokens (the prompted variant's ~540-token tutor policy) share them: the
common prefix is read once, its cache copied to every row, and each row's own tokens follow it, padded
on their left ([prefix][pads][row], the pads masked; positions count only real tokens, as with left
padding). The policy is most of a prompted row's prompt (about 520 of 580 tokens on the test split).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

PREFILL_CHUNK_TOKENS = 128
MIN_SHARED_TOKENS = 32  # a shorter common prefix is not worth a separate pass
# Generation settings that change the scores before the argmax; any of them set keeps generate().
SCORE_CHANGING = (
    "no_repeat_ngram_size",
    "encoder_no_repeat_ngram_size",
    "bad_words_ids",
    "suppress_tokens",
    "begin_suppress_tokens",
    "forced_bos_token_id",
    "forced_eos_token_id",
    "forced_decoder_ids",
    "sequence_bias",
    "min_new_tokens",
    "exponential_decay_length_penalty",
    "guidance_scale",
    "watermarking_config",
)


def plain_greedy(generation_config: Any) -> bool:
    """Whether greedy decoding under this config is the argmax of the raw scores (no processors)."""
    if (
        getattr(generation_config, "do_sample", False)
        or (getattr(generation_config, "num_beams", 1) or 1) > 1
    ):
        return False
    if (getattr(generation_config, "repetition_penalty", None) or 1.0) != 1.0:
        return False
    if (getattr(generation_config, "min_length", 0) or 0) > 0:
        return False
    return not any(getattr(generation_config, name, None) for name in SCORE_CHANGING)


def decode_greedy(
    model: Any,
    input_ids: Any,
    attention_mask: Any,
    *,
    max_new_tokens: int,
    eos_ids: set[int],
    on_step: Callable[[Any], None],
    cancel: threading.Event | None = None,
    adapter_names: Sequence[str] | None = None,
    shared: int = 0,
) -> None:
    """Call `on_step` with one token per original row per step (an end-of-turn id for rows that ended).

    `on_step` first receives the prompt ids, as a transformers streamer does. Ends when every row has
    written an end-of-turn token, after `max_new_tokens` steps, or when `cancel` is set. The first
    `shared` columns are the same in every row (see shared_prefix_batch) and are read once.
    """
    import torch
    from transformers import DynamicCache

    on_step(input_ids)
    rows = input_ids.shape[0]
    filler = min(eos_ids)
    eos = torch.tensor(sorted(eos_ids), device=input_ids.device)
    positions = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
    cache = DynamicCache(config=model.config)
    names = list(adapter_names) if adapter_names is not None else None
    with torch.inference_mode():
        logits = _prefill(model, input_ids, attention_mask, positions, cache, names, shared)
        alive = torch.arange(rows, device=input_ids.device)
        mask, last_position = attention_mask, positions[:, -1]
        for step in range(max_new_tokens):
            chosen = logits.argmax(-1)
            full = torch.full((rows,), filler, dtype=input_ids.dtype, device=input_ids.device)
            full[alive] = chosen
            on_step(full)
            if step == max_new_tokens - 1 or (cancel is not None and cancel.is_set()):
                return
            keep = ~torch.isin(chosen, eos)
            if not bool(keep.any()):
                return
            if not bool(keep.all()):
                # Drop the ended rows everywhere: the cache, the mask, the positions, the adapters.
                cache.batch_select_indices(keep.nonzero().squeeze(1))
                alive, chosen, mask, last_position = (
                    alive[keep],
                    chosen[keep],
                    mask[keep],
                    last_position[keep],
                )
                if names is not None:
                    names = [n for n, k in zip(names, keep.tolist(), strict=True) if k]
            mask = torch.cat([mask, mask.new_ones((mask.shape[0], 1))], dim=1)
            last_position = last_position + 1
            logits = _forward(model, chosen[:, None], mask, last_position[:, None], cache, names)


def _prefill(
    model: Any,
    input_ids: Any,
    attention_mask: Any,
    positions: Any,
    cache: Any,
    names: list[str] | None,
    shared: int,
) -> Any:
    """The prompt in chunks (activations stay near one chunk's); a shared prefix once, for one row."""
    rows, length = input_ids.shape
    logits = None
    if shared:
        # An adapter changes the keys and values, so rows share a prefix only under one adapter
        # (the caller's rule); the prefix row runs under the first row's.
        for start in range(0, shared, PREFILL_CHUNK_TOKENS):
            end = min(shared, start + PREFILL_CHUNK_TOKENS)
            _forward(
                model,
                input_ids[:1, start:end],
                attention_mask[:1, :end],
                positions[:1, start:end],
                cache,
                names[:1] if names is not None else None,
            )
        cache.batch_repeat_interleave(rows)
    for start in range(shared, length, PREFILL_CHUNK_TOKENS):
        end = min(length, start + PREFILL_CHUNK_TOKENS)
        logits = _forward(
            model, input_ids[:, start:end], attention_mask[:, :end], positions[:, start:end], cache, names
        )
    return logits


def _forward(
    model: Any, input_ids: Any, attention_mask: Any, position_ids: Any, cache: Any, names: list[str] | None
) -> Any:
    """The last position's scores in float32 (logits_to_keep=1: the full vocabulary per token is large)."""
    extra = {"adapter_names": names} if names is not None else {}
    output = model(
        input_ids=input_ids,
        attention_mask=attention_mask,
        position_ids=position_ids,
        past_key_values=cache,
        use_cache=True,
        logits_to_keep=1,
        **extra,
    )
    return output.logits[:, -1, :].float()


def shared_prefix_batch(
    token_lists: Sequence[Sequence[int]], pad_id: int, *, min_shared: int = MIN_SHARED_TOKENS
) -> tuple[Any, Any, int]:
    """(input_ids, attention_mask, shared): the rows as [common prefix][left pads][rest of the row].

    `shared` is the common prefix's length, 0 when it is shorter than `min_shared` (then it is plain
    left padding). Every row keeps at least one token of its own, whose scores start its reply.
    """
    import torch

    shortest = min(len(row) for row in token_lists)
    shared = 0
    if len(token_lists) > 1:
        first = token_lists[0]
        while shared < shortest - 1 and all(row[shared] == first[shared] for row in token_lists):
            shared += 1
        if shared < min_shared:
            shared = 0
    tails = [list(row[shared:]) for row in token_lists]
    width = max(len(tail) for tail in tails)
    prefix = list(token_lists[0][:shared])
    ids = [prefix + [pad_id] * (width - len(tail)) + tail for tail in tails]
    mask = [[1] * shared + [0] * (width - len(tail)) + [1] * len(tail) for tail in tails]
    return torch.tensor(ids), torch.tensor(mask), shared
