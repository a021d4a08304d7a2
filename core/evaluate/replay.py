"""Replay: every variant answers the same conversations, turn by turn, greedily and with a length cap.

    variants = evaluation_variants(store, adapter_ids, include_base=True, include_prompted=True)
    replies = replay(backend, variants, histories, GenerationConfig(max_new_tokens=160, temperature=0),
                     batch_turns=4, on_batch=lambda done: ...)
    replies["prompted"][0].text, replies["prompted"][0].prompt_tokens

The variants of `batch_turns` turns go into one stream_many() call: the transformers backend runs them
as one mixed-adapter batch (tests/bench/bench_evaluate.py measures it against one request at a time and
against one batch per variant). Inside a batch every row gets its first token at the same moment, which
would hide what a long system prompt costs, so time to first token is measured apart, one request at a
time, on a sample of turns (`measure_ttft`).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from core.compare.variants import ADAPTER_PREFIX, VariantError, resolve_variant
from core.inference.backend import ChatBackend, GenerationConfig, Message, StreamEvent
from core.models.spec import ModelSpec, Variant
from core.policy import current_policy
from core.store import Store

BASE, PROMPTED = "base", "prompted"
VariantKind = Literal["base", "prompted", "adapter"]


@dataclass(frozen=True)
class EvalVariant:
    """A variant under evaluation: its report name (base, prompted, or the adapter id) and how it runs."""

    name: str
    kind: VariantKind
    label: str
    variant: Variant
    adapter_path: Path | None = None


@dataclass(frozen=True)
class Reply:
    text: str
    prompt_tokens: int | None
    completion_tokens: int | None
    finish_reason: str | None

    @property
    def cut_off(self) -> bool:
        return self.finish_reason == "length"


def evaluation_variants(
    store: Store, adapter_ids: Sequence[str], *, include_base: bool = True, include_prompted: bool = True
) -> list[EvalVariant]:
    """base, prompted (with the workspace's tutor policy) and each adapter, in that order."""
    found = []
    if include_base:
        found.append(EvalVariant(BASE, "base", "Base model (no system prompt)", Variant(BASE, ModelSpec())))
    if include_prompted:
        spec = ModelSpec(system_prompt=current_policy(store))
        found.append(
            EvalVariant(PROMPTED, "prompted", "Prompted (base + tutor policy)", Variant(PROMPTED, spec))
        )
    for adapter_id in dict.fromkeys(adapter_ids):
        resolved = resolve_variant(store, f"{ADAPTER_PREFIX}{adapter_id}")
        path = Path(resolved.spec.adapter or "")
        variant = Variant(adapter_id, resolved.spec)
        found.append(EvalVariant(adapter_id, "adapter", f"Adapter {adapter_id}", variant, path))
    if not found:
        raise VariantError(
            "Pick at least one variant to evaluate: the base model, the prompted model or an adapter."
        )
    return found


def replay(
    backend: ChatBackend,
    variants: Sequence[EvalVariant],
    histories: Sequence[Sequence[Message]],
    config: GenerationConfig,
    *,
    batch_turns: int = 1,
    on_batch: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, list[Reply]]:
    """Each variant's reply to each history, in history order. Stops early (shorter lists) when asked."""
    replies: dict[str, list[Reply]] = {v.name: [] for v in variants}
    step = max(1, batch_turns)
    for first in range(0, len(histories), step):
        if should_stop and should_stop():
            break
        chunk = histories[first : first + step]
        requests = [(v.variant, h) for h in chunk for v in variants]
        collected = collect_many(backend.stream_many(requests, config), len(requests))
        for offset in range(len(chunk)):
            for position, v in enumerate(variants):
                replies[v.name].append(collected[offset * len(variants) + position])
        if on_batch:
            on_batch(first + len(chunk))
    return replies


def collect_many(events: Iterable[StreamEvent], count: int) -> list[Reply]:
    """Join interleaved stream events into one Reply per request index."""
    parts: list[list[str]] = [[] for _ in range(count)]
    done: list[Reply | None] = [None] * count
    for event in events:
        parts[event.index].append(event.delta)
        if event.done:
            usage = event.usage
            done[event.index] = Reply(
                "".join(parts[event.index]),
                usage.prompt_tokens if usage else None,
                usage.completion_tokens if usage else None,
                event.finish_reason,
            )
    missing = [i for i, reply in enumerate(done) if reply is None]
    if missing:
        raise RuntimeError(f"The backend ended without finishing {len(missing)} of {count} replies.")
    return [reply for reply in done if reply is not None]


def measure_ttft(
    backend: ChatBackend, variants: Sequence[EvalVariant], histories: Sequence[Sequence[Message]]
) -> dict[str, float | None]:
    """Median time to first token per variant, one request at a time (a one-token reply each)."""
    one_token = GenerationConfig(max_new_tokens=1, temperature=0)
    timings: dict[str, list[float]] = {v.name: [] for v in variants}
    for history in histories:
        for v in variants:
            usage = backend.complete(v.variant, history, one_token).usage
            if usage.ttft_s is not None:
                timings[v.name].append(usage.ttft_s)
    return {name: (statistics.median(values) if values else None) for name, values in timings.items()}
