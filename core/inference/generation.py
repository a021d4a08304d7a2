"""One batched generate() call: prompts, sampling settings, stopping, and the per-row streamer.

Used by TransformersBackend; kept apart so the backend reads as policy (which adapter, batch or not)
and this module as mechanics (tensors and generate() arguments).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.inference.backend import GenerationConfig, InferenceError, Request, StreamEvent, with_system_prompt
from core.inference.greedy import (
    MIN_SHARED_TOKENS,
    PREFILL_CHUNK_TOKENS,
    decode_greedy,
    plain_greedy,
    shared_prefix_batch,
)
from core.inference.streaming import BatchStreamer
from core.models.loading import render_prompt


@dataclass(frozen=True)
class GenerationPlan:
    """Rendered prompts for a batch of requests, in request order."""

    indices: list[int]
    prompts: list[str]
    adapter_names: list[str]
    config: GenerationConfig

    def split(self) -> list[GenerationPlan]:
        """One plan per request, for running them one after another."""
        return [
            GenerationPlan([i], [p], [a], self.config)
            for i, p, a in zip(self.indices, self.prompts, self.adapter_names, strict=True)
        ]


def plan_batch(
    model: Any,
    tokenizer: Any,
    requests: Sequence[Request],
    adapter_names: Sequence[str],
    config: GenerationConfig,
) -> GenerationPlan:
    """Render each request (system prompt first) with the model's chat template."""
    prompts = [
        render_prompt(tokenizer, with_system_prompt(variant, messages)) for variant, messages in requests
    ]
    return GenerationPlan(list(range(len(requests))), prompts, list(adapter_names), config)


def run_generate(
    model: Any,
    tokenizer: Any,
    plan: GenerationPlan,
    adapter_names: list[str] | None,
    emit: Callable[[StreamEvent], None],
    cancel: threading.Event,
    started_at: float,
) -> None:
    """Generate for every prompt of `plan` in one left-padded batch, streaming events through `emit`.

    `adapter_names` (one per row) asks peft for a mixed-adapter batch; None runs the active adapter.
    """
    import torch
    from transformers import StoppingCriteriaList

    tokenizer.padding_side = "left"
    device = next(model.parameters()).device
    encoded = tokenizer(plan.prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
    prompt_tokens = [int(n) for n in encoded["attention_mask"].sum(dim=1).tolist()]
    _check_context(model, encoded["input_ids"].shape[1], plan.config.max_new_tokens)
    generation_config, eos_ids = build_generation_config(model, tokenizer, plan.config)
    if len(plan.prompts) > 1:
        # Rows are left-padded to the longest prompt (the prompted column's long policy): prefilling in
        # chunks keeps the batch's activations near one row's, so three columns cost little more memory
        # than one.
        generation_config.prefill_chunk_size = PREFILL_CHUNK_TOKENS
    streamer = BatchStreamer(tokenizer, plan.indices, prompt_tokens, eos_ids, emit, started_at)
    mixed = adapter_names is not None and hasattr(model, "peft_config")
    if plain_greedy(generation_config):
        # Greedy replies end at different lengths: dropping ended rows (greedy.py) saves the steps
        # generate() would spend on them, and gives the same tokens.
        run_greedy(model, encoded, plan, adapter_names if mixed else None, streamer, cancel, eos_ids)
        return
    kwargs: dict[str, Any] = {
        **encoded,
        "generation_config": generation_config,
        "streamer": streamer,
        "stopping_criteria": StoppingCriteriaList([cancel_criteria(cancel)]),
    }
    if mixed:
        kwargs["adapter_names"] = adapter_names
    if plan.config.seed is not None:
        torch.manual_seed(plan.config.seed)
    with torch.inference_mode():
        model.generate(**kwargs)
    if not streamer.all_done:  # generate() ends the streamer itself; this covers an early return
        streamer.end()


def run_greedy(
    model: Any,
    encoded: Any,
    plan: GenerationPlan,
    adapter_names: list[str] | None,
    streamer: BatchStreamer,
    cancel: threading.Event,
    eos_ids: set[int],
) -> None:
    """The batch through decode_greedy; rows under one adapter (or none) read a common prefix once."""
    token_lists = [
        row[mask.bool()].tolist()
        for row, mask in zip(encoded["input_ids"], encoded["attention_mask"], strict=True)
    ]
    one_adapter = adapter_names is None or len(set(adapter_names)) == 1
    pad_id = min(eos_ids)  # masked out: any id will do
    input_ids, attention_mask, shared = shared_prefix_batch(
        token_lists, pad_id, min_shared=MIN_SHARED_TOKENS if one_adapter else 10**9
    )
    device = encoded["input_ids"].device
    decode_greedy(
        model,
        input_ids.to(device),
        attention_mask.to(device),
        shared=shared,
        max_new_tokens=plan.config.max_new_tokens,
        eos_ids=eos_ids,
        on_step=streamer.put,
        cancel=cancel,
        adapter_names=adapter_names,
    )
    streamer.end()


def build_generation_config(model: Any, tokenizer: Any, config: GenerationConfig) -> tuple[Any, set[int]]:
    """The model's own generation defaults (e.g. repetition penalty) with our sampling settings on top."""
    generation_config = copy.deepcopy(model.generation_config)
    eos = generation_config.eos_token_id
    eos_ids = {int(t) for t in (eos if isinstance(eos, list) else [eos]) if t is not None}
    if tokenizer.eos_token_id is not None:
        eos_ids.add(int(tokenizer.eos_token_id))
    generation_config.eos_token_id = sorted(eos_ids)
    generation_config.pad_token_id = tokenizer.pad_token_id
    generation_config.max_new_tokens = config.max_new_tokens
    generation_config.max_length = None
    generation_config.do_sample = not config.greedy
    if config.greedy:
        generation_config.temperature = generation_config.top_p = generation_config.top_k = None
    else:
        generation_config.temperature, generation_config.top_p = config.temperature, config.top_p
    return generation_config, eos_ids


def cancel_criteria(cancel: threading.Event) -> Any:
    """A stopping criterion that ends every row once `cancel` is set (the caller stopped listening)."""
    import torch
    from transformers import StoppingCriteria

    class _Cancelled(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full(
                (input_ids.shape[0],), cancel.is_set(), dtype=torch.bool, device=input_ids.device
            )

    return _Cancelled()


def _check_context(model: Any, prompt_length: int, max_new_tokens: int) -> None:
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit and prompt_length + max_new_tokens > limit:
        raise InferenceError(
            f"The conversation is {prompt_length} tokens long and the reply may add {max_new_tokens}, but this "
            f"model reads at most {limit}; shorten the conversation or lower the reply length."
        )
