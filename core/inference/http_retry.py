"""HTTP plumbing for OpenAI-compatible servers: deadlines, retries with backoff, readable errors.

A request gets an overall deadline; every connect and read is bounded by the time left, so a hung
server never hangs the caller. Only rate limits (429), server errors (5xx) and failed connections are
retried, with exponential backoff plus jitter, or after the server's Retry-After when it sends one.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from core.inference.backend import InferenceError, InferenceTimeoutError

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRYABLE_CONNECTION_ERRORS = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with jitter for retry number `attempt` (0-based)."""
        step = min(self.max_backoff_s, self.backoff_s * 2**attempt)
        return min(self.max_backoff_s, step + random.uniform(0, self.backoff_s))


class RetryableError(InferenceError):
    """A failure worth another attempt; `retry_after` is the server's requested wait, if it gave one."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, status=status, retryable=True)
        self.retry_after = retry_after


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends_at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.ends_at - time.monotonic()

    def check(self, what: str) -> None:
        if self.remaining() <= 0:
            raise InferenceTimeoutError(f"{what} took longer than the {self.seconds:g} s allowed.")


def with_retries(call: Callable[[], T], policy: RetryPolicy, deadline: Deadline, what: str) -> T:
    """Run `call`, retrying RetryableErrors within the policy and the deadline."""
    for attempt in range(policy.max_retries + 1):
        try:
            return call()
        except RetryableError as exc:
            if attempt == policy.max_retries:
                raise InferenceError(
                    f"{_sentence(exc)} Gave up after {attempt + 1} attempts.", status=exc.status
                ) from exc
            wait = exc.retry_after if exc.retry_after is not None else policy.delay(attempt)
            if wait >= deadline.remaining():
                raise InferenceTimeoutError(
                    f"{_sentence(exc)} The next try would come after the {deadline.seconds:g} s allowed; "
                    "try again later or allow more time.",
                    status=exc.status,
                ) from exc
            log.info("%s: %s; retrying in %.2f s (attempt %d)", what, exc, wait, attempt + 2)
            time.sleep(wait)
    raise AssertionError("unreachable")


def _sentence(exc: Exception) -> str:
    text = str(exc).rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."


def open_response(
    client: httpx.Client, request_args: dict[str, Any], timeouts: tuple[float, float], deadline: Deadline
) -> httpx.Response:
    """Send one request and return the streaming response once its status is 2xx; classify failures."""
    connect_s, read_s = timeouts
    left = max(0.01, deadline.remaining())
    timeout = httpx.Timeout(
        connect=min(connect_s, left), read=min(read_s, left), write=min(read_s, left), pool=left
    )
    url = request_args["url"]
    request = client.build_request("POST", timeout=timeout, **request_args)
    try:
        response = client.send(request, stream=True)
    except httpx.TimeoutException as exc:
        if isinstance(exc, httpx.ConnectTimeout):
            raise RetryableError(f"Couldn't connect to {url} in time.") from exc
        raise InferenceTimeoutError(
            f"The server at {url} did not answer within {min(read_s, left):.1f} s."
        ) from exc
    except RETRYABLE_CONNECTION_ERRORS as exc:
        raise RetryableError(f"The connection to {url} failed ({type(exc).__name__}: {exc}).") from exc
    except httpx.HTTPError as exc:
        raise InferenceError(f"The request to {url} failed: {type(exc).__name__}: {exc}") from exc
    if response.status_code < 400:
        return response
    try:
        body = b"".join(iter_body(response, deadline, url))
    finally:
        response.close()
    raise status_error(response, body, url)


def iter_body(response: httpx.Response, deadline: Deadline, url: str) -> Iterator[bytes]:
    """The response body in network chunks, checking the deadline between chunks."""
    try:
        for chunk in response.iter_bytes():
            deadline.check(f"The reply from {url}")
            yield chunk
    except httpx.TimeoutException as exc:
        raise InferenceTimeoutError(
            f"The server at {url} stopped sending in the middle of its reply."
        ) from exc
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise InferenceError(
            f"The server at {url} closed the connection before its reply was complete (truncated reply); "
            "check the server's log, it may have crashed or run out of memory."
        ) from exc


def status_error(response: httpx.Response, body: bytes, url: str) -> InferenceError:
    """A readable error for a 4xx/5xx answer; 429 and 5xx are retryable."""
    status = response.status_code
    detail = error_detail(body)
    if status == 429 or status >= 500:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        kind = "is rate-limiting requests" if status == 429 else "had an internal error"
        return RetryableError(
            f"The server at {url} {kind} ({status}): {detail}", status=status, retry_after=retry_after
        )
    hints = {
        400: "The server rejected the request; check the model name and the generation settings.",
        401: "The server refused the API key; put a valid key in the environment variable named in the settings.",
        403: "The server refused access; check that the API key may use this model.",
        404: "Not found: check the base URL (it usually ends in /v1) and the model or adapter name "
        "(for vLLM, the NAME in --lora-modules NAME=PATH).",
    }
    hint = hints.get(status, "The server refused the request.")
    return InferenceError(f"{hint} ({status} from {url}: {detail})", status=status)


def error_detail(body: bytes) -> str:
    """The server's own error message, from the usual JSON shapes or the start of the text."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:300] or "no details"
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict):
            return str(error.get("message") or error.get("detail") or error)[:300]
        return str(error)[:300]
    return text[:300]


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds to wait: either a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
