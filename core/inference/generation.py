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
from core.inference.streaming import BatchStreamer
from core.models.loading import render_prompt

PREFILL_CHUNK_TOKENS = 128


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
    kwargs: dict[str, Any] = {
        **encoded,
        "generation_config": generation_config,
        "streamer": streamer,
        "stopping_criteria": StoppingCriteriaList([cancel_criteria(cancel)]),
    }
    if adapter_names is not None and hasattr(model, "peft_config"):
        kwargs["adapter_names"] = adapter_names
    if plan.config.seed is not None:
        torch.manual_seed(plan.config.seed)
    with torch.inference_mode():
        model.generate(**kwargs)
    if not streamer.all_done:  # generate() ends the streamer itself; this covers an early return
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
