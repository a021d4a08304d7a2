"""The parity check against a local OpenAI-compatible server scripted to answer like the studio (agree), like
the base without the adapter, like the base with the system prompt, or from another template (drift)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.deploy.parity import ParityConfig, parity_prompts, studio_replies, studio_variants
from core.deploy.parity_run import check_parity, read_parity_report, save_parity
from core.deploy.records import list_parity_checks
from core.inference.backend import GenerationConfig, StreamEvent, Usage
from core.train.records import get_adapter
from tests.core.deploy.conftest import Shipping
from tests.support.openai_server import OpenAITestServer

pytestmark = pytest.mark.slow


def config(shipping: Shipping, server: OpenAITestServer, **overrides: Any) -> ParityConfig:
    values = {
        "adapter_id": shipping.sft_id,
        "server_url": server.base_url,
        "max_prompts": 3,
        "max_new_tokens": 16,
    }
    return ParityConfig(**(values | overrides))


def script_as(
    shipping: Shipping, server: OpenAITestServer, backend: Any, column: int, cfg: ParityConfig
) -> None:
    """Make the server answer each prompt as one of the studio's columns (0 adapter, 1 base, 2 prompted)."""
    adapter = get_adapter(shipping.store, shipping.sft_id)
    assert adapter is not None
    variants = studio_variants(shipping.store, adapter)
    generation = GenerationConfig(max_new_tokens=cfg.max_new_tokens, temperature=0.0)
    answers = {
        p.message: studio_replies(backend, variants, p.message, generation)[column]
        for p in parity_prompts(shipping.store, adapter, cfg.max_prompts, cfg.include_probes)
    }
    server.models = ["tiny", shipping.sft_id]
    server.reply_fn = lambda body: answers[body["messages"][-1]["content"]]


def test_a_server_that_answers_like_the_studio_agrees(
    shipping: Shipping, openai_server: OpenAITestServer, tiny_backend: Any
) -> None:
    cfg = config(shipping, openai_server)
    script_as(shipping, openai_server, tiny_backend, 0, cfg)
    report = check_parity(shipping.store, shipping.workspace, cfg, studio=tiny_backend)
    assert report.verdict == "agree" and report.agreement == 1.0
    sources = {row.prompt.source for row in report.rows}
    assert (
        sources == {"test split", "probe"} and sum(r.prompt.source == "test split" for r in report.rows) == 3
    )
    body = openai_server.chat_bodies[0]
    assert body["model"] == shipping.sft_id and body["temperature"] == 0
    assert [m["role"] for m in body["messages"]] == ["user"]  # no system prompt is sent
    check_id, path = save_parity(shipping.store, shipping.workspace, report, None)
    assert read_parity_report(path).verdict == "agree"
    assert list_parity_checks(shipping.store)[0].id == check_id


def test_a_server_without_the_adapter_is_named_as_the_cause(
    shipping: Shipping, openai_server: OpenAITestServer, tiny_backend: Any
) -> None:
    cfg = config(shipping, openai_server, include_probes=False)
    script_as(shipping, openai_server, tiny_backend, 1, cfg)
    report = check_parity(shipping.store, shipping.workspace, cfg, studio=tiny_backend)
    assert report.verdict == "drift" and "not serving the adapter" in report.message
    assert report.causes == {"no_adapter": len(report.rows)}


class ColumnsBackend:
    """A studio stand-in whose columns answer differently (tiny's base and prompted replies are both empty)."""

    def stream_many(self, requests: Any, config: Any) -> Iterator[StreamEvent]:
        for index, (variant, messages) in enumerate(requests):
            prompted = " (with the policy)" if variant.spec.system_prompt else ""
            text = f"{variant.name}{prompted} answers {messages[-1]['content']}"
            yield StreamEvent(index, text, Usage(1, 1, 0.0, 0.0), done=True, finish_reason="stop")


def test_a_system_prompt_added_in_serving_is_named_as_the_cause(
    shipping: Shipping, openai_server: OpenAITestServer
) -> None:
    cfg = config(shipping, openai_server, include_probes=False)
    script_as(shipping, openai_server, ColumnsBackend(), 2, cfg)
    report = check_parity(shipping.store, shipping.workspace, cfg, studio=ColumnsBackend())  # type: ignore[arg-type]
    assert report.verdict == "drift" and "system prompt drift" in report.message
    assert report.rows[0].server.startswith("prompted (with the policy) answers")


def test_replies_that_part_late_are_close_not_drift(
    shipping: Shipping, openai_server: OpenAITestServer
) -> None:
    cfg = config(shipping, openai_server, include_probes=False, max_prompts=4)
    script_as(shipping, openai_server, ColumnsBackend(), 0, cfg)
    first = parity_prompts(shipping.store, get_adapter(shipping.store, shipping.sft_id), 1, False)[0].message  # type: ignore[arg-type]
    scripted = openai_server.reply_fn
    openai_server.reply_fn = lambda body: (
        "adapter answers something else" if body["messages"][-1]["content"] == first else scripted(body)
    )
    report = check_parity(shipping.store, shipping.workspace, cfg, studio=ColumnsBackend())  # type: ignore[arg-type]
    assert report.verdict == "close" and report.causes == {"numeric": 1} and report.agreement == 0.75


def test_replies_that_part_at_the_first_word_point_at_the_template(
    shipping: Shipping, openai_server: OpenAITestServer, tiny_backend: Any
) -> None:
    openai_server.models = [shipping.sft_id]
    openai_server.reply_fn = lambda body: "<|im_start|>assistant Sure, the answer is 42."
    report = check_parity(
        shipping.store, shipping.workspace, config(shipping, openai_server), studio=tiny_backend
    )
    assert report.verdict == "drift" and "template drift" in report.message
    assert all(not row.agree and row.shared_words == 0 for row in report.rows)


def test_an_unreachable_or_unserved_model_is_said_plainly(
    shipping: Shipping, openai_server: OpenAITestServer, tiny_backend: Any
) -> None:
    openai_server.models = ["tiny"]
    report = check_parity(
        shipping.store, shipping.workspace, config(shipping, openai_server), studio=tiny_backend
    )
    assert report.verdict == "unreachable" and f"--lora-modules {shipping.sft_id}=PATH" in report.message
    down = ParityConfig(adapter_id=shipping.sft_id, server_url="http://127.0.0.1:9/v1")
    report = check_parity(shipping.store, shipping.workspace, down, studio=tiny_backend)
    assert report.verdict == "unreachable" and "is the server running" in report.message
