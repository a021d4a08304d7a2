"""A scriptable OpenAI-compatible HTTP server on 127.0.0.1 for tests (real sockets, a background thread).

    def test_retries(openai_server):
        openai_server.script(Status(429, retry_after="0.2"), Status(500), Reply("Hello"))
        backend = OpenAICompatibleBackend(openai_server.base_url, model="test-model")
        assert backend.complete(variant, msgs).text == "Hello"
        assert len(openai_server.chat_bodies) == 3

Each POST /v1/chat/completions takes the next scripted behaviour (then `Reply()` once the script is
used up): a normal reply (streaming when the request asks for it), an HTTP error status with an optional
Retry-After, a connection reset, a hang, a truncated body, a body that is not JSON. GET /v1/models
lists `models`. Every request is recorded. The server listens on loopback only and the fixture stops it.
With `structured_output = False` it answers a request carrying `response_format` with a 400 naming it,
as servers without structured output do (the body is recorded, the script is not consumed).

It also speaks the files and fine-tuning jobs API of hosted fine-tuning:

    openai_server.script_fine_tuning("validating_files", "running", "succeeded")   # one status per GET
    openai_server.api_key = "sk-test"            # these routes then need "Authorization: Bearer sk-test"
    openai_server.files, openai_server.jobs      # what was uploaded (bytes) and created

POST /v1/files (multipart: purpose, file), POST /v1/fine_tuning/jobs, GET /v1/fine_tuning/jobs/{id}
(each read moves the job to its next scripted status), GET .../events, POST .../cancel.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.support.fine_tuning_api import FineTuningRoutes


@dataclass(frozen=True)
class Reply:
    """A normal completion; `text=None` asks the server's reply function."""

    text: str | None = None
    delay_s: float = 0.0  # before the response starts
    token_delay_s: float = 0.0  # between streamed pieces
    finish_reason: str = "stop"
    include_usage: bool = True


@dataclass(frozen=True)
class Status:
    """An HTTP error answer with an OpenAI-style error body."""

    code: int
    message: str = "scripted error"
    retry_after: str | None = None


@dataclass(frozen=True)
class Reset:
    """Read the request, then reset the connection without answering."""


@dataclass(frozen=True)
class Hang:
    """Read the request, then send nothing for `seconds` (or until the server stops)."""

    seconds: float = 30.0


@dataclass(frozen=True)
class Truncate:
    """Start a 200 reply and close the connection half-way through its body."""


@dataclass(frozen=True)
class NotJson:
    """A 200 answer whose body is not JSON (e.g. a proxy's HTML page)."""

    body: str = "<html><body>502 Bad Gateway</body></html>"


Behaviour = Reply | Status | Reset | Hang | Truncate | NotJson


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the parsed JSON body, or None


def default_reply(body: dict[str, Any]) -> str:
    """Echo the last user message, so tests can tell requests apart."""
    users = [m.get("content", "") for m in body.get("messages", []) if m.get("role") == "user"]
    return f"You said: {users[-1] if users else ''}"


def split_pieces(text: str) -> list[str]:
    """Stream pieces: one word with its trailing space each, like a tokenizer's output."""
    return re.findall(r"\S+\s*|\s+", text) or [""]


@dataclass
class OpenAITestServer:
    models: list[str] = field(default_factory=lambda: ["test-model"])
    reply_fn: Callable[[dict[str, Any]], str] = default_reply
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.api_key: str | None = None
        self.structured_output = True  # False: refuse `response_format` with a 400, like older servers
        self.files: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self._statuses: list[str] = ["validating_files", "queued", "running", "succeeded"]
        self._script: list[Behaviour] = []
        self._lock = threading.Lock()
        self.stop_event = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._connections: set[socket.socket] = set()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._httpd is not None, "start() the server first"
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def chat_bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.path.endswith("/chat/completions")]

    def script(self, *behaviours: Behaviour) -> None:
        """Queue behaviours for the next chat requests, in order."""
        with self._lock:
            self._script.extend(behaviours)

    def script_fine_tuning(self, *statuses: str) -> None:
        """The statuses a new fine-tuning job goes through, one per GET (the last one stays)."""
        with self._lock:
            self._statuses = list(statuses)

    def fine_tuning_statuses(self) -> list[str]:
        with self._lock:
            return list(self._statuses)

    def next_behaviour(self) -> Behaviour:
        with self._lock:
            return self._script.pop(0) if self._script else Reply()

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def start(self) -> OpenAITestServer:
        handler = type("Handler", (_Handler,), {"owner": self})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def stop(self) -> None:
        self.stop_event.set()  # wakes hanging and delayed handlers
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:  # keep-alive connections would otherwise go on being served
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)


class _Handler(FineTuningRoutes, BaseHTTPRequestHandler):
    owner: OpenAITestServer
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as real model servers (uvicorn, vLLM) set it: without it the body, written after the
    # headers, waits for the client's delayed ACK and every reply takes ~40 ms longer.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return

    def setup(self) -> None:
        super().setup()
        self.owner.track(self.connection, True)

    def finish(self) -> None:
        self.owner.track(self.connection, False)
        with contextlib.suppress(OSError, ValueError):  # a behaviour closed the socket on purpose
            super().finish()

    def record_request(self, method: str, body: Any) -> None:
        self.owner.record(RecordedRequest(method, self.path, dict(self.headers), body))

    def do_GET(self) -> None:
        self.owner.record(RecordedRequest("GET", self.path, dict(self.headers), None))
        if "/fine_tuning/jobs/" in self.path:
            self._fine_tuning_get()
        elif self.path.rstrip("/").endswith("/models"):
            data = [{"id": m, "object": "model", "owned_by": "tests"} for m in self.owner.models]
            self._send_json(200, {"object": "list", "data": data})
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/").endswith("/files") or "/fine_tuning/jobs" in self.path:
            self._fine_tuning_post(raw)
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        self.owner.record(RecordedRequest("POST", self.path, dict(self.headers), body))
        if not self.path.rstrip("/").endswith("/chat/completions") or not isinstance(body, dict):
            self._send_json(404 if isinstance(body, dict) else 400, {"error": {"message": "bad request"}})
            return
        if "response_format" in body and not self.owner.structured_output:
            message = "response_format is not supported by this server"
            self._send_json(400, {"error": {"message": message, "param": "response_format", "code": 400}})
            return
        behaviour = self.owner.next_behaviour()
        if isinstance(behaviour, Reply):
            self._reply(body, behaviour)
        elif isinstance(behaviour, Status):
            headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
            self._send_json(
                behaviour.code, {"error": {"message": behaviour.message, "code": behaviour.code}}, headers
            )
        elif isinstance(behaviour, Reset):
            self._reset()
        elif isinstance(behaviour, Hang):
            self.owner.stop_event.wait(behaviour.seconds)
            self._reset()
        elif isinstance(behaviour, Truncate):
            self._truncate(body)
        else:
            self._send_bytes(200, behaviour.body.encode(), "text/html")

    # -- behaviours --------------------------------------------------------------------------------

    def _reply(self, body: dict[str, Any], reply: Reply) -> None:
        if reply.delay_s and self.owner.stop_event.wait(reply.delay_s):
            return
        text = reply.text if reply.text is not None else self.owner.reply_fn(body)
        if body.get("stream"):
            include_usage = reply.include_usage and (body.get("stream_options") or {}).get("include_usage")
            self._stream(body, text, reply, bool(include_usage))
        else:
            self._send_json(200, completion(body, text, reply.finish_reason))

    def _stream(self, body: dict[str, Any], text: str, reply: Reply, include_usage: bool) -> None:
        self._start_chunked()
        pieces = split_pieces(text)
        self._send_event(chunk(body, {"role": "assistant", "content": ""}, None))
        for piece in pieces:
            if reply.token_delay_s and self.owner.stop_event.wait(reply.token_delay_s):
                return
            self._send_event(chunk(body, {"content": piece}, None))
        self._send_event(chunk(body, {}, reply.finish_reason))
        if include_usage:
            usage_chunk = chunk(body, {}, None) | {"choices": [], "usage": usage(body, len(pieces))}
            self._send_event(usage_chunk)
        self._send_chunk(b"data: [DONE]\n\n")
        self._send_chunk(b"")

    def _truncate(self, body: dict[str, Any]) -> None:
        if body.get("stream"):
            self._start_chunked()
            self._send_event(chunk(body, {"role": "assistant", "content": "Half a"}, None))
        else:
            payload = json.dumps(completion(body, "This reply will be cut off", "stop")).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
        self._reset()

    def _reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), as a crashed server would."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    # -- wire helpers ------------------------------------------------------------------------------

    def _send_json(self, code: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(code, json.dumps(data).encode(), "application/json", headers)

    def _send_bytes(
        self, code: int, payload: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    def _start_chunked(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def _send_event(self, data: dict[str, Any]) -> None:
        self._send_chunk(f"data: {json.dumps(data)}\n\n".encode())

    def _send_chunk(self, payload: bytes) -> None:
        self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        self.wfile.flush()


def usage(body: dict[str, Any], completion_tokens: int) -> dict[str, int]:
    """Word counts stand in for tokens: enough for tests to compare prompts."""
    prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens,
    }


def completion(body: dict[str, Any], text: str, finish_reason: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish_reason}
        ],
        "usage": usage(body, len(split_pieces(text))),
    }


def chunk(body: dict[str, Any], delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


@pytest.fixture
def openai_server() -> Iterator[OpenAITestServer]:
    """A fresh scriptable OpenAI-compatible server on 127.0.0.1:<free port>, stopped after the test."""
    server = OpenAITestServer().start()
    try:
        yield server
    finally:
        server.stop()
