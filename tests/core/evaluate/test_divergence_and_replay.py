"""KL to the prompted model with teacher forcing, and the batched replay of the variants (tiny model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.evaluate.divergence import assistant_spans, kl_to_reference
from core.evaluate.replay import EvalVariant, measure_ttft, replay, replay_batches
from core.inference.backend import GenerationConfig
from core.models.spec import ModelSpec, Variant

pytestmark = pytest.mark.slow

POLICY = "You are a patient Socratic tutor. Never give the answer; ask one guiding question at a time. " * 8
CONVERSATION = [
    {"role": "user", "content": "How do I add 1/4 and 2/3?"},
    {"role": "assistant", "content": "What number could both 4 and 3 divide into?"},
    {"role": "user", "content": "12?"},
    {"role": "assistant", "content": "Yes! How many twelfths is 1/4?"},
]
BASE = Variant("base", ModelSpec())
PROMPTED = Variant("prompted", ModelSpec(system_prompt=POLICY))


def test_assistant_spans_cover_exactly_each_reply_and_its_end_token(tiny_backend: Any) -> None:
    tokenizer = tiny_backend.tokenizer

    ids, spans = assistant_spans(tokenizer, CONVERSATION)

    assert len(spans) == 2 and all(span is not None for span in spans)
    for span, message in zip(spans, [CONVERSATION[1], CONVERSATION[3]], strict=True):
        start, end = span
        assert ids[end - 1] == tokenizer.eos_token_id
        assert tokenizer.decode(ids[start : end - 1]) == message["content"]


def test_kl_is_zero_against_itself_and_positive_for_the_unprompted_base(tiny_backend: Any) -> None:
    same = kl_to_reference(tiny_backend, PROMPTED, PROMPTED, [CONVERSATION])
    base = kl_to_reference(tiny_backend, BASE, PROMPTED, [CONVERSATION])

    assert same.mean_per_token == pytest.approx(0.0, abs=1e-5)
    assert base.mean_per_token is not None and base.mean_per_token > 1e-4
    assert base.turns == 2 and base.skipped_turns == 0
    assert base.tokens == sum(
        end - start for start, end in assistant_spans(tiny_backend.tokenizer, CONVERSATION)[1]
    )


def test_an_adapter_moves_away_from_the_prompted_model(tiny_backend: Any, tiny_adapter_dir: Path) -> None:
    adapter = Variant("tutor", ModelSpec(adapter=str(tiny_adapter_dir), adapter_name="tutor"))

    result = kl_to_reference(tiny_backend, adapter, PROMPTED, [CONVERSATION, CONVERSATION[:2]])

    assert result.turns == 3 and result.mean_per_token is not None and result.mean_per_token > 0


def test_replay_answers_every_history_for_every_variant_in_order(
    tiny_backend: Any, tiny_adapter_dir: Path
) -> None:
    variants = [
        EvalVariant("base", "base", "Base", BASE),
        EvalVariant("prompted", "prompted", "Prompted", PROMPTED),
        EvalVariant(
            "tutor",
            "adapter",
            "Adapter",
            Variant("tutor", ModelSpec(adapter=str(tiny_adapter_dir), adapter_name="tutor")),
        ),
    ]
    histories = [CONVERSATION[:1], CONVERSATION[:3], [{"role": "user", "content": "Hi"}]]
    batches: list[int] = []
    config = GenerationConfig(max_new_tokens=8, temperature=0)

    replies = replay(tiny_backend, variants, histories, config, batch_turns=2, on_batch=batches.append)
    one_by_one = [tiny_backend.complete(BASE, h, config).text for h in histories]

    assert batches == [1, 2, 3]  # one batch per variant; histories' worth of replies done
    assert {name: len(found) for name, found in replies.items()} == {"base": 3, "prompted": 3, "tutor": 3}
    assert [r.text for r in replies["base"]] == one_by_one  # batching does not mix up or change replies
    assert replies["prompted"][0].prompt_tokens > replies["base"][0].prompt_tokens + 50
    assert all(r.completion_tokens and r.completion_tokens <= 8 for found in replies.values() for r in found)
    ttft = measure_ttft(tiny_backend, variants, histories[:1])
    assert set(ttft) == {"base", "prompted", "tutor"} and all(v is not None and v > 0 for v in ttft.values())


def test_replay_stops_between_batches_when_asked(tiny_backend: Any) -> None:
    variants = [EvalVariant("base", "base", "Base", BASE)]
    histories = [CONVERSATION[:1]] * 4
    calls = {"n": 0}

    def stop() -> bool:
        calls["n"] += 1
        return calls["n"] > 1

    replies = replay(
        tiny_backend, variants, histories, GenerationConfig(max_new_tokens=4, temperature=0), should_stop=stop
    )

    assert len(replies["base"]) == 1


def test_replay_batches_hold_one_variant_each_in_even_batches() -> None:
    variants = [
        EvalVariant("base", "base", "Base", BASE),
        EvalVariant("prompted", "prompted", "Prompted", PROMPTED),
        EvalVariant("tutor", "adapter", "Adapter", Variant("tutor", ModelSpec(adapter_name="tutor"))),
    ]
    histories = [CONVERSATION[:3], CONVERSATION[:1]] * 5  # 10 histories x 3 variants: 30 requests

    batches = replay_batches(variants, histories, max_rows=4)

    assert [len(b) for b in batches] == [4, 3, 3] * 3  # not 4, 4 and 2
    assert all(len({v for v, _ in batch}) == 1 for batch in batches)  # the long system prompt apart
    assert sorted(pair for batch in batches for pair in batch) == sorted(
        (v, h) for v in range(3) for h in range(10)
    )
    first = [h for _, h in batches[0]]
    assert all(histories[h] == CONVERSATION[:1] for h in first)  # the shortest histories together
