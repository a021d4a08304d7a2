"""How close a variant stays to the prompted model: mean per-token KL divergence on the reference turns.

    result = kl_to_reference(backend, adapter_variant, prompted_variant, conversations)
    result.mean_per_token    # nats per token; 0 means the adapter predicts exactly what the prompt does

This is the prompt-baking measure. Each test conversation is read once by each model with teacher
forcing (the curated tutor turns are fed in, nothing is generated): the variant without a system prompt,
the prompted model with the tutor policy as its system prompt. At every token of every reference tutor
turn, KL(variant || prompted) = sum over the vocabulary of p_variant * (log p_variant - log p_prompted);
the result is the mean over all those tokens. A turn whose tokens differ between the two renderings
(a template that rewrites earlier turns) is skipped and counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.inference.backend import Message, with_system_prompt
from core.models.loading import render_prompt
from core.models.spec import Variant

Span = tuple[int, int]


@dataclass(frozen=True)
class KLResult:
    mean_per_token: float | None
    tokens: int
    turns: int
    skipped_turns: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean_per_token": self.mean_per_token,
            "tokens": self.tokens,
            "turns": self.turns,
            "skipped_turns": self.skipped_turns,
        }


def assistant_spans(tokenizer: Any, conversation: Sequence[Message]) -> tuple[list[int], list[Span | None]]:
    """Token ids of the rendered conversation and each assistant turn's [start, end) token span.

    A span runs from the first token of the reply through its end-of-turn token; None marks a turn the
    template renders in a way that cannot be located (it then does not count).
    """
    full = render_prompt(tokenizer, conversation, add_generation_prompt=False)
    encoded = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = list(encoded["input_ids"]), encoded["offset_mapping"]
    spans: list[Span | None] = []
    for index, message in enumerate(conversation):
        if message.get("role") != "assistant":
            continue
        before = render_prompt(tokenizer, conversation[:index], add_generation_prompt=True) if index else ""
        through = render_prompt(tokenizer, conversation[: index + 1], add_generation_prompt=False)
        if not (index and full.startswith(through) and through.startswith(before)):
            spans.append(None)
            continue
        spans.append(_token_span(ids, offsets, len(before), len(through), tokenizer.eos_token_id))
    return ids, spans


def _token_span(ids: list[int], offsets: Any, begin: int, finish: int, eos: int | None) -> Span | None:
    start = next((i for i, (b, _) in enumerate(offsets) if b >= begin), len(ids))
    end = start
    while end < len(ids) and offsets[end][0] < finish:
        end += 1
        if ids[end - 1] == eos:
            break
    return (start, end) if start < end else None


def turn_logprobs(model: Any, ids: list[int], spans: Sequence[Span | None]) -> list[Any]:
    """Log-softmax rows predicting each span's tokens (one tensor per span; None for missing spans)."""
    import torch

    device = next(model.parameters()).device
    with torch.inference_mode():
        logits = model(input_ids=torch.tensor([ids], device=device)).logits[0]
        rows: list[Any] = []
        for span in spans:
            if span is None:
                rows.append(None)
                continue
            start, end = span
            rows.append(torch.log_softmax(logits[start - 1 : end - 1].float(), dim=-1).cpu())
    return rows


def conversation_kl(
    backend: Any, variant: Variant, reference: Variant, messages: Sequence[Message]
) -> tuple[float, int, int, int]:
    """(sum of per-token KL, tokens, turns, skipped turns) for one conversation."""
    sides = []
    for side in (variant, reference):
        with backend.using_variant(side) as (model, tokenizer):
            ids, spans = assistant_spans(tokenizer, with_system_prompt(side, messages))
            if len(ids) > getattr(model.config, "max_position_embeddings", len(ids)):
                return 0.0, 0, 0, sum(1 for _ in spans)
            sides.append((ids, spans, turn_logprobs(model, ids, spans)))
    (ids_v, spans_v, rows_v), (ids_r, spans_r, rows_r) = sides
    total, tokens, skipped = 0.0, 0, 0
    for span_v, span_r, lp_v, lp_r in zip(spans_v, spans_r, rows_v, rows_r, strict=True):
        if span_v is None or span_r is None or ids_v[slice(*span_v)] != ids_r[slice(*span_r)]:
            skipped += 1
            continue
        total += float((lp_v.exp() * (lp_v - lp_r)).sum())
        tokens += span_v[1] - span_v[0]
    return total, tokens, len(spans_v), skipped


def kl_to_reference(
    backend: Any,
    variant: Variant,
    reference: Variant,
    conversations: Sequence[Sequence[Message]],
    on_conversation: Callable[[int], None] | None = None,
) -> KLResult:
    """Mean KL(variant || reference) per token over every reference tutor turn of the conversations."""
    total, tokens, turns, skipped = 0.0, 0, 0, 0
    for number, messages in enumerate(conversations, start=1):
        part = conversation_kl(backend, variant, reference, messages)
        total, tokens, turns, skipped = total + part[0], tokens + part[1], turns + part[2], skipped + part[3]
        if on_conversation:
            on_conversation(number)
    return KLResult(total / tokens if tokens else None, tokens, turns, skipped)
