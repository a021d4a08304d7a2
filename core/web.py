"""How a browser reaches the studio: the path prefix of a reverse proxy, and the URL to print.

    root = resolve_root_path("/proxy/7860/")   # "/proxy/7860" (also read from $STUDIO_ROOT_PATH)
    studio_url("0.0.0.0", 7860)                 # "http://10.128.3.7:7860": an address others can open

In a notebook workbench (Jupyter, OpenShift AI) the studio is reached through the notebook server's proxy
at `/proxy/7860/` or `/notebook/<namespace>/<name>/proxy/7860/`; the proxy strips that prefix, so the
studio still answers at `/` and only the links it writes (assets, uploads, downloads, the queue) need the
prefix. Kubeflow-style workbenches set $NB_PREFIX to the `/notebook/<namespace>/<name>` part.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)

ROOT_PATH_ENV = "STUDIO_ROOT_PATH"
NOTEBOOK_PREFIX_ENV = "NB_PREFIX"
HEALTH_PATH = "/healthz"
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class RootPathError(ValueError):
    """A root path that a browser could not use; the message says what it should look like."""


def resolve_root_path(value: str | None = None, *, env: dict[str, str] | None = None) -> str:
    """The proxy's path prefix without a trailing slash ("" when the studio owns `/`).

    `value` (the --root-path flag) wins over $STUDIO_ROOT_PATH. A full http(s) URL is kept as it is, for
    proxies that rewrite the host too.
    """
    environ = os.environ if env is None else env
    source = "--root-path" if value is not None else ROOT_PATH_ENV
    raw = (value if value is not None else environ.get(ROOT_PATH_ENV, "")).strip()
    if not raw or raw == "/":
        return ""
    if raw.startswith(("http://", "https://")):
        return raw.rstrip("/")
    if not raw.startswith("/"):
        raise RootPathError(
            f"{source} {raw!r} must start with '/' (for example /proxy/7860/) or be a full http(s) URL."
        )
    if any(char in raw for char in "?#\\ "):
        raise RootPathError(
            f"{source} {raw!r} must be a plain path such as /proxy/7860/, without spaces, '?' or '#'."
        )
    return "/" + raw.strip("/")


def notebook_root_path(port: int, env: dict[str, str] | None = None) -> str | None:
    """The root path a Jupyter workbench's proxy gives port `port`, when $NB_PREFIX says we are in one."""
    prefix = (os.environ if env is None else env).get(NOTEBOOK_PREFIX_ENV, "").strip().rstrip("/")
    return f"{prefix}/proxy/{port}" if prefix.startswith("/") else None


def reachable_host(host: str) -> str:
    """An address other machines can open for a server listening on `host` (the wildcard becomes this
    machine's outward address; a socket is connected without sending anything to learn which one)."""
    if host not in WILDCARD_HOSTS:
        return host
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 1))  # UDP connect only picks a route; no packet leaves
            address = str(probe.getsockname()[0])
        except OSError:
            address = ""
    if address and not address.startswith("127."):
        return address
    try:
        return socket.getfqdn() or "localhost"
    except OSError:
        return "localhost"


def studio_url(host: str, port: int) -> str:
    """The URL to open: on this machine for a loopback host, else an address others can reach."""
    shown = reachable_host(host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def public_url(root_path: str, direct_url: str) -> str:
    """Where a person opens the studio: the proxy's URL when the root path is a full URL, the proxy's path
    when it is a path (the host is the notebook's, which the studio cannot know), else the direct URL."""
    if root_path.startswith(("http://", "https://")):
        return root_path + "/"
    if root_path:
        return root_path + "/"
    return direct_url
