"""Per-token log-probabilities of a reply under a model, for evaluation (perplexity, KL, preferences).

    with backend.using_variant(variant) as (model, tokenizer):
        scores = score_last_message(model, tokenizer, variant, messages)
    scores.logprobs   # one float per token of the final assistant message (its end-of-turn token included)

`TransformersBackend.score_tokens(variant, messages)` does the same in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.inference.backend import InferenceError, Message, with_system_prompt
from core.models.loading import render_prompt
from core.models.spec import Variant


@dataclass(frozen=True)
class TokenScores:
    """The scored reply's tokens and each one's log-probability given everything before it."""

    token_ids: list[int]
    logprobs: list[float]

    @property
    def total(self) -> float:
        return sum(self.logprobs)

    @property
    def mean(self) -> float:
        return self.total / len(self.logprobs) if self.logprobs else 0.0


def reply_span(tokenizer: Any, conversation: Sequence[Message]) -> tuple[Any, int, int]:
    """Token ids of the rendered conversation and the [start, end) token span of its final reply.

    The span runs from the first token after the generation prompt through the model's end-of-turn token.
    """
    if not conversation or conversation[-1].get("role") != "assistant":
        raise InferenceError("Scoring needs a conversation that ends with an assistant message.")
    prompt = render_prompt(tokenizer, conversation[:-1], add_generation_prompt=True)
    full = render_prompt(tokenizer, conversation, add_generation_prompt=False)
    if not full.startswith(prompt):
        raise InferenceError("This model's chat template renders the reply in a way the scorer cannot split.")
    encoded = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = encoded["input_ids"], encoded["offset_mapping"]
    start = next((i for i, (begin, _) in enumerate(offsets) if begin >= len(prompt)), len(ids))
    end = len(ids)
    eos = tokenizer.eos_token_id
    for i in range(start, len(ids)):
        if ids[i] == eos:
            end = i + 1
            break
    if start >= end:
        raise InferenceError("The reply to score is empty.")
    return ids, start, end


def score_last_message(
    model: Any, tokenizer: Any, variant: Variant, messages: Sequence[Message]
) -> TokenScores:
    """Log-probabilities of the final assistant message's tokens, with the variant's system prompt."""
    import torch

    ids, start, end = reply_span(tokenizer, with_system_prompt(variant, messages))
    device = next(model.parameters()).device
    input_ids = torch.tensor([ids[:end]], device=device)
    with torch.inference_mode():
        logits = model(input_ids=input_ids).logits[0].float()
    logprobs = torch.log_softmax(logits[start - 1 : end - 1], dim=-1)
    targets = input_ids[0, start:end]
    picked = logprobs.gather(1, targets.unsqueeze(1)).squeeze(1)
    return TokenScores(targets.tolist(), picked.tolist())
