"""A prefix-stripping reverse proxy like a notebook server's `/proxy/7860/`, for end-to-end tests.

    with PrefixProxy(upstream="http://127.0.0.1:7861", prefix="/proxy/7860") as proxy:
        page.goto(proxy.url)        # http://127.0.0.1:<port>/proxy/7860/

It behaves as jupyter-server-proxy does: requests under the prefix go to the upstream with the prefix
removed and the browser's Host header kept; responses stream through chunk by chunk (server-sent events
arrive as they are sent, never buffered); websocket upgrades are relayed both ways. Anything outside the
prefix is a 404, so a link the studio wrote without its root path fails loudly. Loopback only. Every
request is recorded so a test can assert which paths the browser used.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

# Headers that describe one hop, not the message (RFC 9110 7.6.1); a proxy never forwards them.
HOP_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)
CHUNK = 16 * 1024


@dataclass
class ProxyLog:
    """What passed through: (method, path as the browser asked, upstream status)."""

    requests: list[tuple[str, str, int]] = field(default_factory=list)
    outside_prefix: list[str] = field(default_factory=list)
    websockets: int = 0
    streamed_event_streams: int = 0


class PrefixProxy:
    """Serve `upstream` under `prefix` on a free loopback port, in a thread of its own."""

    def __init__(self, upstream: str, prefix: str = "/proxy/7860") -> None:
        self.upstream = upstream.rstrip("/")
        self.prefix = "/" + prefix.strip("/")
        self.port = _free_port()
        self.log = ProxyLog()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="prefix-proxy")
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}/"

    def __enter__(self) -> PrefixProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _start(self) -> None:
        # No total timeout: event streams stay open as long as the page does.
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10), auto_decompress=False
        )
        app = web.Application(client_max_size=1024**3)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def _upstream_path(self, request: web.Request) -> str | None:
        path = request.rel_url.raw_path
        if path == self.prefix:
            return "/"
        if not path.startswith(self.prefix + "/"):
            return None
        stripped = path[len(self.prefix) :]
        query = request.rel_url.raw_query_string
        return stripped + (f"?{query}" if query else "")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        target = self._upstream_path(request)
        if target is None:
            self.log.outside_prefix.append(request.rel_url.raw_path)
            return web.Response(status=404, text=f"outside {self.prefix}/")
        if request.headers.get("upgrade", "").lower() == "websocket":
            return await self._relay_websocket(request, target)
        return await self._relay_http(request, target)

    def _forward_headers(self, request: web.Request) -> dict[str, str]:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        # As jupyter-server-proxy: the browser's Host goes through, so the app builds links to the proxy.
        headers["Host"] = request.headers.get("Host", f"127.0.0.1:{self.port}")
        headers["X-Forwarded-For"] = request.remote or "127.0.0.1"
        return headers

    async def _relay_http(self, request: web.Request, target: str) -> web.StreamResponse:
        assert self._session is not None
        body = request.content.iter_chunked(CHUNK) if request.body_exists else None
        async with self._session.request(
            request.method,
            self.upstream + target,
            headers=self._forward_headers(request),
            data=body,
            allow_redirects=False,
        ) as upstream:
            self.log.requests.append((request.method, request.rel_url.raw_path, upstream.status))
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for key, value in upstream.headers.items():
                if key.lower() not in HOP_HEADERS:
                    response.headers.add(key, self._rewrite_location(key, value))
            if "text/event-stream" in upstream.headers.get("Content-Type", ""):
                self.log.streamed_event_streams += 1
            await response.prepare(request)
            try:
                async for chunk in upstream.content.iter_any():  # as it arrives: no buffering of streams
                    await response.write(chunk)
                await response.write_eof()
            except (ConnectionResetError, aiohttp.ClientConnectionResetError):
                pass  # the browser left (a closed tab ends its event streams): nothing to deliver to
            return response

    def _rewrite_location(self, key: str, value: str) -> str:
        """A redirect to an upstream path gets the prefix back, as proxies that strip one do."""
        if key.lower() == "location" and value.startswith("/") and not value.startswith(self.prefix + "/"):
            return self.prefix + value
        if key.lower() == "location" and value.startswith(self.upstream):
            return self.prefix + value[len(self.upstream) :]
        return value

    async def _relay_websocket(self, request: web.Request, target: str) -> web.StreamResponse:
        assert self._session is not None
        self.log.websockets += 1
        browser_side = web.WebSocketResponse()
        await browser_side.prepare(request)
        url = "ws" + self.upstream[len("http") :] + target
        headers = {
            k: v for k, v in self._forward_headers(request).items() if not k.lower().startswith("sec-")
        }
        async with self._session.ws_connect(url, headers=headers) as app_side:
            await asyncio.gather(_pump(browser_side, app_side), _pump(app_side, browser_side))
        return browser_side


async def _pump(source: Any, sink: Any) -> None:
    async for message in source:
        if message.type == aiohttp.WSMsgType.TEXT:
            await sink.send_str(message.data)
        elif message.type == aiohttp.WSMsgType.BINARY:
            await sink.send_bytes(message.data)
        else:
            break
    await sink.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
