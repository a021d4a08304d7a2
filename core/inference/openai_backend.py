"""A ChatBackend over any OpenAI-compatible server (vLLM, Ollama, OpenAI) with plain httpx.

    backend = OpenAICompatibleBackend("http://127.0.0.1:8000/v1", model="Qwen/Qwen2.5-0.5B-Instruct")
    reply = backend.complete(variant, [{"role": "user", "content": "What is a fraction?"}])

An adapter variant is addressed by its LoRA module name in the `model` field, which is how
`vllm serve BASE --enable-lora --lora-modules NAME=PATH` exposes adapters; a prompted variant sends
its system prompt as a system message. The API key is read from the named environment variable at
call time and never stored.

`complete_structured` asks for a JSON object matching a schema (`response_format` with a JSON schema,
which vLLM, OpenAI and Ollama accept). A server that rejects `response_format` with a 400 is asked again
without it, and the backend remembers not to send it again; the caller then parses the plain text.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from core.inference.backend import (
    DEFAULT_GENERATION,
    ChatReply,
    GenerationConfig,
    InferenceError,
    Message,
    Request,
    StreamEvent,
    with_system_prompt,
)
from core.inference.http_retry import (
    Deadline,
    RetryPolicy,
    iter_body,
    open_response,
    status_error,
    with_retries,
)
from core.inference.openai_wire import SseReader, iter_lines, json_object, parse_completion
from core.models.spec import Variant

log = logging.getLogger(__name__)

_FINISHED = object()


class OpenAICompatibleBackend:
    """Chat completions over HTTP: streaming (SSE) and not, with deadlines and bounded retries."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key_env: str | None = None,
        timeout_s: float = 120.0,
        max_retries: int = 3,
        *,
        connect_timeout_s: float = 10.0,
        read_timeout_s: float = 60.0,
        backoff_s: float = 0.5,
        max_concurrency: int = 8,
    ) -> None:
        if timeout_s <= 0 or max_retries < 0:
            raise ValueError("timeout_s must be positive and max_retries at least 0.")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key_env = api_key_env
        self.timeout_s = timeout_s
        self.timeouts = (connect_timeout_s, read_timeout_s)
        self.policy = RetryPolicy(max_retries=max_retries, backoff_s=backoff_s)
        self._client = httpx.Client(limits=httpx.Limits(max_connections=max_concurrency))
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self.structured_output: bool | None = None  # None until a structured request has been answered

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> OpenAICompatibleBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def list_models(self) -> list[str]:
        """The model ids the server offers (for vLLM: the base and every --lora-modules name)."""
        url = f"{self.base_url}/models"
        connect_s, read_s = self.timeouts
        try:
            response = self._client.get(
                url, headers=self._headers(), timeout=httpx.Timeout(read_s, connect=connect_s)
            )
        except httpx.HTTPError as exc:
            raise InferenceError(
                f"Couldn't reach {url} ({type(exc).__name__}: {exc}); is the server running?"
            ) from exc
        if response.status_code >= 400:
            raise status_error(response, response.content, url)
        data = json_object(response.content, url).get("data") or []
        return [str(m.get("id")) for m in data if isinstance(m, dict)]

    def model_name(self, variant: Variant) -> str:
        """The `model` field for a variant: its LoRA module name when it has an adapter, else the base."""
        return variant.spec.adapter_key or self.model

    def request_body(
        self, variant: Variant, messages: Sequence[Message], config: GenerationConfig, *, stream: bool
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model_name(variant),
            "messages": with_system_prompt(variant, messages),
            "max_tokens": config.max_new_tokens,
            "temperature": config.temperature,
            "stream": stream,
        }
        if not config.greedy:
            body["top_p"] = config.top_p
        if config.seed is not None:
            body["seed"] = config.seed
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body

    # -- ChatBackend ---------------------------------------------------------------------------------

    def complete(
        self, variant: Variant, messages: Sequence[Message], config: GenerationConfig = DEFAULT_GENERATION
    ) -> ChatReply:
        """One whole reply from a non-streaming request."""
        return self._complete_body(self.request_body(variant, messages, config, stream=False))

    def _complete_body(self, request: dict[str, Any]) -> ChatReply:
        started = time.perf_counter()
        deadline = Deadline(self.timeout_s)
        args = self._request_args(request)

        def attempt() -> bytes:
            response = open_response(self._client, args, self.timeouts, deadline)
            try:
                return b"".join(iter_body(response, deadline, self.url))
            finally:
                response.close()

        body = with_retries(attempt, self.policy, deadline, f"chat completion at {self.url}")
        return parse_completion(body, self.url, time.perf_counter() - started)

    def complete_structured(
        self,
        variant: Variant,
        messages: Sequence[Message],
        config: GenerationConfig,
        schema: dict[str, Any],
        name: str,
    ) -> ChatReply:
        """One reply constrained to a JSON object matching `schema`, where the server supports it."""
        if self.structured_output is False:
            return self.complete(variant, messages, config)
        body = self.request_body(variant, messages, config, stream=False)
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": True},
        }
        try:
            reply = self._complete_body(body)
        except InferenceError as exc:
            if exc.status != 400 or not rejects_response_format(str(exc)):
                raise
            log.info("%s does not accept response_format; asking for plain text from now on", self.base_url)
            self.structured_output = False
            return self.complete(variant, messages, config)
        self.structured_output = True
        return reply

    def stream(
        self, variant: Variant, messages: Sequence[Message], config: GenerationConfig = DEFAULT_GENERATION
    ) -> Iterator[StreamEvent]:
        """One reply as server-sent events; retried only until a 2xx answer starts (text cannot be replayed)."""
        return self._stream_one(0, variant, messages, config, threading.Event())

    def stream_many(
        self, requests: Sequence[Request], config: GenerationConfig = DEFAULT_GENERATION
    ) -> Iterator[StreamEvent]:
        """Concurrent streaming requests (at most max_concurrency at once), events interleaved."""
        events: queue.Queue[Any] = queue.Queue()
        cancel = threading.Event()
        for index, (variant, messages) in enumerate(requests):
            args = (index, variant, messages, config, events, cancel)
            threading.Thread(target=self._pump, args=args, daemon=True).start()
        open_requests = len(requests)
        try:
            while open_requests:
                item = events.get()
                if item is _FINISHED:
                    open_requests -= 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    yield item
        finally:
            cancel.set()

    def _pump(
        self,
        index: int,
        variant: Variant,
        messages: Sequence[Message],
        config: GenerationConfig,
        events: queue.Queue[Any],
        cancel: threading.Event,
    ) -> None:
        try:
            with self._slots:
                if cancel.is_set():
                    return
                for event in self._stream_one(index, variant, messages, config, cancel):
                    events.put(event)
        except InferenceError as exc:
            events.put(InferenceError(f"{variant.name}: {exc}", status=exc.status))
        except Exception as exc:
            log.exception("streaming request %d failed", index)
            events.put(InferenceError(f"{variant.name}: {type(exc).__name__}: {exc}"))
        finally:
            events.put(_FINISHED)

    def _stream_one(
        self,
        index: int,
        variant: Variant,
        messages: Sequence[Message],
        config: GenerationConfig,
        cancel: threading.Event,
    ) -> Iterator[StreamEvent]:
        started = time.perf_counter()
        deadline = Deadline(self.timeout_s)
        args = self._request_args(self.request_body(variant, messages, config, stream=True))
        response = with_retries(
            lambda: open_response(self._client, args, self.timeouts, deadline),
            self.policy,
            deadline,
            f"streaming chat completion at {self.url}",
        )
        try:
            reader = SseReader(index, self.url, started)
            for line in iter_lines(iter_body(response, deadline, self.url)):
                if cancel.is_set():
                    return
                yield from reader.feed(line)
                if reader.finished:
                    break
            yield reader.close()
        finally:
            response.close()

    def _request_args(self, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/json", **self._headers()}
        return {"url": self.url, "content": json.dumps(body).encode(), "headers": headers}

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json, text/event-stream"}
        if self.api_key_env:
            key = os.environ.get(self.api_key_env, "").strip()
            if not key:
                raise InferenceError(
                    f"The environment variable {self.api_key_env} is empty; set it to your API key and restart."
                )
            headers["Authorization"] = f"Bearer {key}"
        return headers


def rejects_response_format(message: str) -> bool:
    """Whether a 400's message says the server does not take structured output."""
    lowered = message.lower()
    return any(
        word in lowered for word in ("response_format", "json_schema", "response format", "structured")
    )
