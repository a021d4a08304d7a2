"""Evaluation speed: how the replay batches requests, and how fast the behaviour metrics score replies.

    python -m tests.bench evaluate
Measured side by side in one run (tiny model, CPU, median of 3 alternating rounds): the replay as shipped
(one variant per batch, sorted by length, up to 4 turns x 3 variants = 12 rows a batch, ended rows
leaving the batch) against one batch per variant and against one request at a time. For the whole
Evaluate on the bundled model, section by section, see bench_evaluate_bundled.py.
Targets: the shipped replay at least 1.5x faster than one request at a time; the behaviour metrics score
at least 2,000 replies per second. The per-variant batching is printed for comparison, without a target.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.evaluate.metrics import TurnContext, score_reply
from core.evaluate.replay import EvalVariant, collect_many, replay
from core.inference.backend import GenerationConfig
from core.models.spec import ModelSpec, ResolvedBase, Variant
from core.models.tiny import TINY_NAME, ensure_tiny_at
from core.paths import Workspace
from core.policy import default_policy
from core.review.importing import DEMO_PATH
from tests.support.model_fixtures import build_tiny_adapter

TURNS = 8
ROUNDS = 3
BATCH_TURNS = 4
TARGET_SPEEDUP = 1.5
TARGET_REPLIES_PER_S = 2000.0
CONFIG = GenerationConfig(max_new_tokens=32, temperature=0)


def histories() -> list[list[dict[str, str]]]:
    found = []
    for line in DEMO_PATH.read_text(encoding="utf-8").splitlines():
        messages = json.loads(line)["messages"]
        found += [messages[:i] for i, m in enumerate(messages) if m["role"] == "assistant" and i]
    return found[:TURNS]


def variants(adapter_dir: Path) -> list[EvalVariant]:
    adapter = ModelSpec(adapter=str(adapter_dir), adapter_name="tutor")
    return [
        EvalVariant("base", "base", "Base", Variant("base", ModelSpec())),
        EvalVariant(
            "prompted", "prompted", "Prompted", Variant("prompted", ModelSpec(system_prompt=default_policy()))
        ),
        EvalVariant("tutor", "adapter", "Adapter", Variant("tutor", adapter)),
    ]


def strategies(backend: Any, chosen: list[EvalVariant], turns: list[Any]) -> dict[str, Callable[[], object]]:
    def shipped() -> object:
        return replay(backend, chosen, turns, CONFIG, batch_turns=BATCH_TURNS)

    def per_variant() -> object:
        for first in range(0, len(turns), BATCH_TURNS):
            for v in chosen:
                requests = [(v.variant, h) for h in turns[first : first + BATCH_TURNS]]
                collect_many(backend.stream_many(requests, CONFIG), len(requests))
        return None

    def single() -> object:
        return [backend.complete(v.variant, h, CONFIG) for h in turns for v in chosen]

    return {"shipped": shipped, "per_variant": per_variant, "single": single}


def timed_replay(folder: Path) -> dict[str, float]:
    from core.inference.transformers_backend import TransformersBackend

    model_dir = ensure_tiny_at(folder / TINY_NAME)
    adapter_dir = build_tiny_adapter(model_dir, folder / "adapter")
    resolved = ResolvedBase(TINY_NAME, "tiny", str(model_dir), TINY_NAME)
    backend = TransformersBackend(Workspace(folder / "home").ensure(), resolved, device="cpu", dtype="fp32")
    chosen, turns = variants(adapter_dir), histories()
    replay(backend, chosen, turns[:1], CONFIG)  # load the model and the adapter before timing
    runs = strategies(backend, chosen, turns)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(ROUNDS):  # alternate, so a busy moment on a shared machine hits every strategy
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def scoring_rate() -> float:
    context = TurnContext.build(
        [{"role": "user", "content": "How do I add 1/4 and 2/3?"}],
        reference_answer="1/4 + 2/3 = 11/12",
        intent="confused",
    )
    replies = [
        "Good start! What number could both 4 and 3 divide into?",
        "The answer is 3/12 + 8/12 = 11/12.",
        "It's okay to feel stuck. Which step feels hardest right now?",
    ] * 200
    started = time.perf_counter()
    for reply in replies:
        score_reply(reply, context)
    return len(replies) / (time.perf_counter() - started)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        times = timed_replay(Path(folder))
    speedup = times["single"] / times["shipped"]
    rate = scoring_rate()
    print(
        f"replay of {TURNS} turns x 3 variants, {CONFIG.max_new_tokens} new tokens each (median of {ROUNDS}):"
    )
    print(f"  shipped (one variant a batch, up to {BATCH_TURNS * 3} rows): {times['shipped']:.2f} s")
    print(f"  one batch per variant ({BATCH_TURNS} turns each): {times['per_variant']:.2f} s")
    print(f"  one request at a time: {times['single']:.2f} s  ->  shipped is {speedup:.1f}x faster")
    replay_ok = speedup >= TARGET_SPEEDUP
    print(
        f"  target: shipped >= {TARGET_SPEEDUP}x faster than one at a time -> {'ok' if replay_ok else 'MISSED'}"
    )
    rate_ok = rate >= TARGET_REPLIES_PER_S
    print(
        f"behaviour metrics: {rate:.0f} replies/s (target {TARGET_REPLIES_PER_S:.0f}) -> {'ok' if rate_ok else 'MISSED'}"
    )
    return 0 if replay_ok and rate_ok else 1
