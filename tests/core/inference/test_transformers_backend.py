"""The in-process backend: one base in memory, adapters switched per request, batched streaming."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from core.inference import transformers_backend
from core.inference.backend import GenerationConfig, InferenceError, StreamEvent
from core.inference.transformers_backend import TransformersBackend, mixed_batch_blocker
from core.models.loading import count_tokens
from core.models.spec import ModelSpec, ResolvedBase, Variant, comparison_variants
from core.paths import Workspace

SYSTEM_PROMPT = "You are a Socratic tutor. Answer every question with a guiding question."
MESSAGES = [{"role": "user", "content": "Why do plants need sunlight?"}]
GREEDY = GenerationConfig(max_new_tokens=8, temperature=0)


@pytest.fixture(scope="module")
def variants(tiny_adapter_dir: Path) -> list[Variant]:
    return comparison_variants("tiny", SYSTEM_PROMPT, str(tiny_adapter_dir))


def texts_by_index(events: list[StreamEvent]) -> dict[int, str]:
    texts: dict[int, str] = {}
    for event in events:
        texts[event.index] = texts.get(event.index, "") + event.delta
    return texts


def fresh_backend(tiny_model_dir: Path, tmp_path: Path) -> TransformersBackend:
    resolved = ResolvedBase("tiny", "tiny", str(tiny_model_dir), "tiny")
    return TransformersBackend(Workspace(tmp_path), base=resolved, device="cpu", dtype="fp32")


def base_parameters(model: Any) -> dict[str, Any]:
    return {name: p for name, p in model.named_parameters() if "lora_" not in name}


def test_three_variants_share_one_copy_of_the_base_weights(
    tiny_model_dir: Path, tmp_path: Path, variants: list[Variant]
) -> None:
    backend = fresh_backend(tiny_model_dir, tmp_path)
    before = {p.data_ptr() for p in base_parameters(backend.model).values()}
    list(backend.stream_many([(v, MESSAGES) for v in variants], GREEDY))
    after = base_parameters(backend.model)
    assert {p.data_ptr() for p in after.values()} == before
    assert len(after) == len(before)
    assert any("lora_A" in name for name, _ in backend.model.named_parameters())
    assert backend.model.peft_config.keys() == {"tiny-tutor"}


def test_stream_many_streams_three_interleaved_replies(
    tiny_backend: TransformersBackend, variants: list[Variant]
) -> None:
    events = list(tiny_backend.stream_many([(v, MESSAGES) for v in variants], GREEDY))
    texts = texts_by_index(events)
    assert sorted(texts) == [0, 1, 2] and all(texts.values())
    done = [e for e in events if e.done]
    assert sorted(e.index for e in done) == [0, 1, 2]
    first_done = events.index(done[0])
    assert {e.index for e in events[:first_done]} == {0, 1, 2}  # all three columns moved before any ended
    for event in done:
        assert event.usage is not None and 1 <= event.usage.completion_tokens <= GREEDY.max_new_tokens
        assert event.usage.ttft_s is not None and 0 < event.usage.ttft_s <= event.usage.total_s


def test_prompted_prompt_counts_the_system_prompt(
    tiny_backend: TransformersBackend, variants: list[Variant]
) -> None:
    done = {e.index: e for e in tiny_backend.stream_many([(v, MESSAGES) for v in variants], GREEDY) if e.done}
    base, prompted, adapter = (done[i].usage.prompt_tokens for i in range(3))  # type: ignore[union-attr]
    tokenizer = tiny_backend.tokenizer
    with_system = [{"role": "system", "content": SYSTEM_PROMPT}, *MESSAGES]
    system_tokens = count_tokens(tokenizer, with_system) - count_tokens(tokenizer, MESSAGES)
    assert system_tokens > len(tokenizer.encode(SYSTEM_PROMPT, add_special_tokens=False))
    assert adapter == base
    assert prompted == adapter + system_tokens


def test_adapter_changes_the_greedy_reply(tiny_backend: TransformersBackend, variants: list[Variant]) -> None:
    base = tiny_backend.complete(variants[0], MESSAGES, GREEDY)
    adapted = tiny_backend.complete(variants[2], MESSAGES, GREEDY)
    assert base.text and adapted.text
    assert base.text != adapted.text


def test_greedy_decoding_is_deterministic(tiny_backend: TransformersBackend, variants: list[Variant]) -> None:
    requests = [(v, MESSAGES) for v in variants]
    first = texts_by_index(list(tiny_backend.stream_many(requests, GREEDY)))
    second = texts_by_index(list(tiny_backend.stream_many(requests, GREEDY)))
    assert first == second
    assert tiny_backend.complete(variants[2], MESSAGES, GREEDY).text == first[2]


def test_sampling_with_a_seed_repeats(tiny_backend: TransformersBackend, variants: list[Variant]) -> None:
    config = GenerationConfig(max_new_tokens=8, temperature=1.0, top_p=1.0, seed=11)
    first = tiny_backend.complete(variants[0], MESSAGES, config).text
    assert tiny_backend.complete(variants[0], MESSAGES, config).text == first
    others = {
        tiny_backend.complete(variants[0], MESSAGES, GenerationConfig(8, 1.0, 1.0, s)).text for s in range(4)
    }
    assert len(others) > 1


def test_reply_stops_at_max_new_tokens(tiny_backend: TransformersBackend, variants: list[Variant]) -> None:
    reply = tiny_backend.complete(variants[0], MESSAGES, GenerationConfig(max_new_tokens=3, temperature=0))
    assert reply.usage.completion_tokens == 3 and reply.finish_reason == "length"


def test_sequential_fallback_gives_the_same_replies_and_says_why(
    tiny_backend: TransformersBackend, variants: list[Variant], monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    requests = [(v, MESSAGES) for v in variants]
    batched = texts_by_index(list(tiny_backend.stream_many(requests, GREEDY)))
    monkeypatch.setattr(transformers_backend, "mixed_batch_blocker", lambda model, names: "test says no")
    with caplog.at_level(logging.INFO, logger="core.inference.transformers_backend"):
        sequential = texts_by_index(list(tiny_backend.stream_many(requests, GREEDY)))
    assert sequential == batched
    assert "one after another: test says no" in caplog.text


def test_mixed_batch_blocker_explains_dora(
    tiny_backend: TransformersBackend, variants: list[Variant]
) -> None:
    name = tiny_backend.adapter_for(variants[2])  # the session's backend may hold other adapters too
    assert name is not None
    model = tiny_backend.model
    assert mixed_batch_blocker(model, ["__base__", name]) is None
    config = model.peft_config[name]
    original = config.use_dora
    try:
        config.use_dora = True
        assert "DoRA" in (mixed_batch_blocker(model, ["__base__", name]) or "")
    finally:
        config.use_dora = original


def test_closing_a_stream_early_frees_the_model(
    tiny_backend: TransformersBackend, variants: list[Variant]
) -> None:
    stream = tiny_backend.stream(variants[0], MESSAGES, GenerationConfig(max_new_tokens=1000, temperature=0))
    next(stream)
    stream.close()
    acquired = tiny_backend._lock.acquire(timeout=10)
    assert acquired
    tiny_backend._lock.release()
    assert tiny_backend.complete(variants[0], MESSAGES, GREEDY).text


def test_concurrent_callers_get_the_same_replies(
    tiny_backend: TransformersBackend, variants: list[Variant]
) -> None:
    expected = [tiny_backend.complete(v, MESSAGES, GREEDY).text for v in variants]
    results: dict[int, str] = {}

    def call(i: int) -> None:
        results[i] = tiny_backend.complete(variants[i % 3], MESSAGES, GREEDY).text

    threads = [threading.Thread(target=call, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [results[i] for i in range(6)] == expected * 2


def test_score_tokens_rates_the_reply_under_each_variant(
    tiny_backend: TransformersBackend, variants: list[Variant]
) -> None:
    conversation = [*MESSAGES, {"role": "assistant", "content": "What do leaves do with light?"}]
    base = tiny_backend.score_tokens(variants[0], conversation)
    adapted = tiny_backend.score_tokens(variants[2], conversation)
    tokenizer = tiny_backend.tokenizer
    assert tokenizer.decode(base.token_ids) == "What do leaves do with light?<|im_end|>"
    assert len(base.logprobs) == len(base.token_ids) and all(lp <= 0 for lp in base.logprobs)
    assert adapted.token_ids == base.token_ids and adapted.logprobs != base.logprobs


def test_using_variant_activates_the_adapter(
    tiny_backend: TransformersBackend, variants: list[Variant]
) -> None:
    import torch

    ids = torch.tensor([tiny_backend.tokenizer.encode("Hello there", add_special_tokens=False)])
    logits = {}
    for variant in (variants[0], variants[2], variants[0]):
        with tiny_backend.using_variant(variant) as (model, _), torch.inference_mode():
            logits.setdefault(variant.name, []).append(model(input_ids=ids).logits)
    assert torch.equal(logits["base"][0], logits["base"][1])
    assert not torch.allclose(logits["base"][0], logits["adapter"][0])


def test_adapter_without_safetensors_is_refused(tiny_backend: TransformersBackend, tmp_path: Path) -> None:
    (tmp_path / "adapter_config.json").write_text("{}")
    (tmp_path / "adapter_model.bin").write_bytes(b"pickle")
    variant = Variant("adapter", ModelSpec(adapter=str(tmp_path)))
    with pytest.raises(InferenceError, match="only from safetensors"):
        tiny_backend.complete(variant, MESSAGES, GREEDY)


def test_variant_for_another_base_is_refused(tiny_backend: TransformersBackend) -> None:
    variant = Variant("base", ModelSpec(base="Qwen/Qwen2.5-0.5B-Instruct"))
    with pytest.raises(InferenceError, match="start a backend for that base"):
        tiny_backend.complete(variant, MESSAGES, GREEDY)


def test_too_long_conversation_says_what_to_do(
    tiny_backend: TransformersBackend, variants: list[Variant]
) -> None:
    long = [{"role": "user", "content": "word " * 2100}]
    with pytest.raises(InferenceError, match="shorten the conversation"):
        tiny_backend.complete(variants[0], long, GREEDY)
