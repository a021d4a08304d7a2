"""Replay: every variant answers the same conversations, turn by turn, greedily and with a length cap.

    variants = evaluation_variants(store, adapter_ids, include_base=True, include_prompted=True)
    replies = replay(backend, variants, histories, GenerationConfig(max_new_tokens=160, temperature=0),
                     batch_turns=4, on_batch=lambda done: ...)
    replies["prompted"][0].text, replies["prompted"][0].prompt_tokens

Each variant's requests are sorted by length and cut into even batches of at most
`batch_turns x variants` rows, each one stream_many() call. One variant per batch keeps the prompted
variant's long system prompt (about 540 tokens) out of the other variants' batches, where every short
row would be padded to it (on the bundled model that padding tripled the prefill of a mixed batch), and
lets the backend run a batch without peft's per-layer split of a mixed-adapter batch (a third slower
per step); the backend then reads the shared system prompt once and drops rows as they end
(core.inference.greedy), so one large batch per variant costs little more per step than a small one.
tests/bench/bench_evaluate.py measures the replay against one request at a time. Inside a batch every
row gets its first token at the same moment, which would hide what a long system prompt costs, so time
to first token is measured apart, one request at a time, on a sample of turns (`measure_ttft`).
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
    """Each variant's reply to each history, in history order. Stops early (shorter lists) when asked.

    `on_batch` gets the number of histories' worth of replies done so far (replies / variants).
    """
    if not variants:
        return {}
    found: dict[tuple[int, int], Reply] = {}
    for batch in replay_batches(variants, histories, max(1, batch_turns) * len(variants)):
        if should_stop and should_stop():
            break
        requests = [(variants[v].variant, histories[h]) for v, h in batch]
        for key, reply in zip(
            batch, collect_many(backend.stream_many(requests, config), len(batch)), strict=True
        ):
            found[key] = reply
        if on_batch:
            on_batch(len(found) // len(variants))
    # After a stop, every variant keeps the histories all of them answered (the lists stay aligned).
    answered = next(
        (h for h in range(len(histories)) if any((v, h) not in found for v in range(len(variants)))),
        len(histories),
    )
    return {v.name: [found[(p, h)] for h in range(answered)] for p, v in enumerate(variants)}


def replay_batches(
    variants: Sequence[EvalVariant], histories: Sequence[Sequence[Message]], max_rows: int
) -> list[list[tuple[int, int]]]:
    """(variant position, history index) pairs in batches of <= max_rows, each batch one variant's.

    Within a variant the pairs go by length (characters stand in for tokens: the order only has to
    put similar lengths together), cut into even batches (25 and 25 rather than 48 and 2) so that no
    batch runs nearly empty.
    """
    batches = []
    for v, variant in enumerate(variants):
        pairs = sorted(
            ((v, h) for h in range(len(histories))), key=lambda p: prompt_chars(variant, histories[p[1]])
        )
        count = -(-len(pairs) // max(1, max_rows))
        if not count:
            continue
        size, extra = divmod(len(pairs), count)
        first = 0
        for index in range(count):
            last = first + size + (1 if index < extra else 0)
            batches.append(pairs[first:last])
            first = last
    return batches


def prompt_chars(variant: EvalVariant, history: Sequence[Message]) -> int:
    """The request's length in characters: the system prompt and every message."""
    system = variant.variant.spec.system_prompt or ""
    return len(system) + sum(len(m.get("content", "")) for m in history)


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
