"""The OpenAI-compatible backend against a real local HTTP server with scripted failures."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator

import pytest

from core.inference.backend import GenerationConfig, InferenceError, InferenceTimeoutError, StreamEvent
from core.inference.http_retry import parse_retry_after
from core.inference.openai_backend import OpenAICompatibleBackend
from core.models.spec import ModelSpec, Variant, comparison_variants
from tests.support.openai_server import Hang, NotJson, OpenAITestServer, Reply, Reset, Status, Truncate

MESSAGES = [{"role": "user", "content": "What is a fraction?"}]
BASE = Variant("base", ModelSpec())
PROMPTED = Variant("prompted", ModelSpec(system_prompt="Ask one guiding question at a time."))
ADAPTER = Variant("adapter", ModelSpec(adapter="/runs/run_1/adapter", adapter_name="tutor-v1"))
GREEDY = GenerationConfig(max_new_tokens=32, temperature=0, seed=5)


@pytest.fixture
def backend(openai_server: OpenAITestServer) -> Iterator[OpenAICompatibleBackend]:
    client = OpenAICompatibleBackend(
        openai_server.base_url, model="test-model", timeout_s=10, max_retries=3, backoff_s=0.05
    )
    yield client
    client.close()


def joined(events: list[StreamEvent], index: int = 0) -> str:
    return "".join(e.delta for e in events if e.index == index)


def test_complete_returns_the_reply_and_usage(
    backend: OpenAICompatibleBackend, openai_server: OpenAITestServer
) -> None:
    openai_server.script(Reply("What do you think a fraction describes?"))
    reply = backend.complete(BASE, MESSAGES, GREEDY)
    assert reply.text == "What do you think a fraction describes?"
    assert reply.finish_reason == "stop"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (4, 7)
    body = openai_server.chat_bodies[0]
    assert body["model"] == "test-model" and body["messages"] == MESSAGES
    assert (body["max_tokens"], body["temperature"], body["seed"], body["stream"]) == (32, 0, 5, False)
    assert "top_p" not in body  # greedy


def test_stream_yields_pieces_then_usage(
    backend: OpenAICompatibleBackend, openai_server: OpenAITestServer
) -> None:
    openai_server.script(Reply("Think about sharing a pizza."))
    events = list(backend.stream(BASE, MESSAGES, GenerationConfig(temperature=0.5, top_p=0.8)))
    assert joined(events) == "Think about sharing a pizza."
    assert len([e for e in events if e.delta]) == 5
    last = events[-1]
    assert last.done and last.finish_reason == "stop" and last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (4, 5)
    assert last.usage.ttft_s is not None and last.usage.ttft_s <= last.usage.total_s
    body = openai_server.chat_bodies[0]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert (body["temperature"], body["top_p"]) == (0.5, 0.8)


def test_adapter_variant_is_addressed_by_its_lora_module_name(
    backend: OpenAICompatibleBackend, openai_server: OpenAITestServer
) -> None:
    backend.complete(ADAPTER, MESSAGES, GREEDY)
    folder_named = Variant("adapter", ModelSpec(adapter="/runs/run_1/tutor-v2"))
    list(backend.stream(folder_named, MESSAGES, GREEDY))
    assert [b["model"] for b in openai_server.chat_bodies] == ["tutor-v1", "tutor-v2"]
    assert all(b["messages"] == MESSAGES for b in openai_server.chat_bodies)


def test_prompted_variant_sends_the_system_message_first(
    backend: OpenAICompatibleBackend, openai_server: OpenAITestServer
) -> None:
    backend.complete(PROMPTED, MESSAGES, GREEDY)
    sent = openai_server.chat_bodies[0]["messages"]
    assert sent == [{"role": "system", "content": "Ask one guiding question at a time."}, *MESSAGES]
    assert openai_server.chat_bodies[0]["model"] == "test-model"


def test_stream_many_runs_three_variants_at_once(
    backend: OpenAICompatibleBackend, openai_server: OpenAITestServer
) -> None:
    openai_server.reply_fn = lambda body: f"reply from {body['model']} with {len(body['messages'])} messages"
    openai_server.script(*[Reply(token_delay_s=0.02)] * 3)
    variants = comparison_variants(None, "Be Socratic.", None, adapter_name="tutor-v1")
    started = time.perf_counter()
    events = list(backend.stream_many([(v, MESSAGES) for v in variants], GREEDY))
    elapsed = time.perf_counter() - started
    assert joined(events, 0) == "reply from test-model with 1 messages"
    assert joined(events, 1) == "reply from test-model with 2 messages"
    assert joined(events, 2) == "reply from tutor-v1 with 1 messages"
    assert sorted(e.index for e in events if e.done) == [0, 1, 2]
    assert elapsed < 3 * 7 * 0.02  # concurrent, not one after another


def test_rate_limit_honours_retry_after_seconds(
    backend: OpenAICompatibleBackend, openai_server: OpenAITestServer
) -> None:
    openai_server.script(Status(429, "slow down", retry_after="0.4"), Reply("finally"))
    started = time.perf_counter()
    assert backend.complete(BASE, MESSAGES, GREEDY).text == "finally"
    assert time.perf_counter() - started >= 0.4
    assert len(openai_server.chat_bodies) == 2


def test_rate_limit_retry_after_http_date_is_understood() -> None:
    in_three_seconds = email.utils.formatdate(time.time() + 3, usegmt=True)
    assert 1.5 < parse_retry_after(in_three_seconds) <= 3.0
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("soon") is None


def test_server_error_is_retried_then_succeeds(
    backend: OpenAICompatibleBackend, openai_server: OpenAITestServer
) -> None:
    openai_server.script(Status(500), Status(503), Reply("recovered"))
    assert backend.complete(BASE, MESSAGES, GREEDY).text == "recovered"
    assert len(openai_server.chat_bodies) == 3


def test_streaming_request_is_retried_before_the_first_token(
    backend: OpenAICompatibleBackend, openai_server: OpenAITestServer
) -> None:
    openai_server.script(Status(502), Reply("streamed after a retry"))
    assert joined(list(backend.stream(BASE, MESSAGES, GREEDY))) == "streamed after a retry"
    assert len(openai_server.chat_bodies) == 2


def test_connection_reset_is_retried(
    backend: OpenAICompatibleBackend, openai_server: OpenAITestServer
) -> None:
    openai_server.script(Reset(), Reply("back again"))
    assert backend.complete(BASE, MESSAGES, GREEDY).text == "back again"
    assert len(openai_server.chat_bodies) == 2


def test_retries_stop_after_max_retries(openai_server: OpenAITestServer) -> None:
    openai_server.script(*[Status(500, "model crashed")] * 5)
    client = OpenAICompatibleBackend(openai_server.base_url, "test-model", max_retries=2, backoff_s=0.01)
    with (
        client,
        pytest.raises(InferenceError, match=r"internal error.*model crashed.*Gave up after 3 attempts"),
    ):
        client.complete(BASE, MESSAGES, GREEDY)
    assert len(openai_server.chat_bodies) == 3


def test_bad_request_is_not_retried(
    backend: OpenAICompatibleBackend, openai_server: OpenAITestServer
) -> None:
    openai_server.script(Status(400, "max_tokens is too large"), Reply("never sent"))
    with pytest.raises(InferenceError, match=r"rejected the request.*max_tokens is too large") as caught:
        backend.complete(BASE, MESSAGES, GREEDY)
    assert caught.value.status == 400
    assert len(openai_server.chat_bodies) == 1


def test_unknown_adapter_name_explains_the_lora_modules_flag(
    backend: OpenAICompatibleBackend, openai_server: OpenAITestServer
) -> None:
    openai_server.script(Status(404, "The model `tutor-v1` does not exist."))
    with pytest.raises(InferenceError, match="--lora-modules"):
        list(backend.stream(ADAPTER, MESSAGES, GREEDY))
    assert len(openai_server.chat_bodies) == 1


def test_hung_server_times_out_within_the_deadline(openai_server: OpenAITestServer) -> None:
    openai_server.script(Hang(30))
    with OpenAICompatibleBackend(openai_server.base_url, "test-model", timeout_s=1.0) as client:
        started = time.perf_counter()
        with pytest.raises(InferenceTimeoutError):
            client.complete(BASE, MESSAGES, GREEDY)
        assert time.perf_counter() - started < 1.5
    assert len(openai_server.chat_bodies) == 1


def test_server_stalling_mid_stream_times_out(openai_server: OpenAITestServer) -> None:
    openai_server.script(Reply("one two three four five six", token_delay_s=5))
    with OpenAICompatibleBackend(openai_server.base_url, "test-model", timeout_s=0.8) as client:
        started = time.perf_counter()
        with pytest.raises(InferenceTimeoutError):
            list(client.stream(BASE, MESSAGES, GREEDY))
        assert time.perf_counter() - started < 1.5


def test_truncated_reply_is_a_clear_error(
    backend: OpenAICompatibleBackend, openai_server: OpenAITestServer
) -> None:
    openai_server.script(Truncate(), Truncate())
    with pytest.raises(InferenceError, match="truncated"):
        backend.complete(BASE, MESSAGES, GREEDY)
    received: list[str] = []
    with pytest.raises(InferenceError, match=r"truncated|before it was complete"):
        for event in backend.stream(BASE, MESSAGES, GREEDY):
            received.append(event.delta)
    assert "Half a" in received
    assert len(openai_server.chat_bodies) == 2


def test_non_json_reply_is_a_clear_error(
    backend: OpenAICompatibleBackend, openai_server: OpenAITestServer
) -> None:
    openai_server.script(NotJson(), NotJson())
    with pytest.raises(InferenceError, match=r"did not answer with JSON.*ends in /v1"):
        backend.complete(BASE, MESSAGES, GREEDY)
    with pytest.raises(InferenceError, match=r"did not answer with an event stream.*Bad Gateway"):
        list(backend.stream(BASE, MESSAGES, GREEDY))
    assert len(openai_server.chat_bodies) == 2


def test_retry_after_longer_than_the_deadline_fails_at_once(openai_server: OpenAITestServer) -> None:
    openai_server.script(Status(429, "quota exceeded", retry_after="120"))
    with OpenAICompatibleBackend(openai_server.base_url, "test-model", timeout_s=5) as client:
        started = time.perf_counter()
        with pytest.raises(InferenceTimeoutError, match=r"rate-limiting.*quota exceeded.*allow more time"):
            client.complete(BASE, MESSAGES, GREEDY)
        assert time.perf_counter() - started < 1.0


def test_api_key_is_read_from_the_environment_at_call_time(
    openai_server: OpenAITestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TUTOR_TEST_KEY", raising=False)
    client = OpenAICompatibleBackend(openai_server.base_url, "test-model", api_key_env="TUTOR_TEST_KEY")
    with pytest.raises(InferenceError, match="TUTOR_TEST_KEY is empty"):
        client.complete(BASE, MESSAGES, GREEDY)
    assert openai_server.chat_bodies == []
    monkeypatch.setenv("TUTOR_TEST_KEY", "sk-test-123")
    client.complete(BASE, MESSAGES, GREEDY)
    assert openai_server.requests[-1].headers["Authorization"] == "Bearer sk-test-123"
    assert "sk-test-123" not in repr(vars(client))
    client.close()


def test_list_models_shows_base_and_lora_modules(
    backend: OpenAICompatibleBackend, openai_server: OpenAITestServer
) -> None:
    openai_server.models = ["test-model", "tutor-v1"]
    assert backend.list_models() == ["test-model", "tutor-v1"]
    openai_server.stop()
    with pytest.raises(InferenceError, match="is the server running"):
        backend.list_models()
