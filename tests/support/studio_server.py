"""Start the real studio (`tutor-studio serve`) in a subprocess for end-to-end tests.

    with running_studio(workspace) as studio:
        client = gradio_client.Client(studio.url)

The studio runs in its own process group, so a test can kill it hard while its jobs live on.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from core.paths import Workspace

STARTUP_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class StudioProcess:
    process: subprocess.Popen[bytes]
    url: str
    workspace: Workspace
    log_path: Path
    startup_s: float

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        self.process.wait(timeout=30)


def start_studio(
    workspace: Workspace,
    *,
    port: int | None = None,
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> StudioProcess:
    port = port or free_port()
    log_path = workspace.root / f"studio-{port}.log"
    full_env = {**os.environ, "STUDIO_BASE_MODEL": "tiny", "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    started = time.monotonic()
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "core.cli",
                "serve",
                "--port",
                str(port),
                "--workspace",
                str(workspace.root),
                *extra_args,
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=full_env,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    studio = StudioProcess(process, url, workspace, log_path, 0.0)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"studio exited early ({process.returncode}):\n{studio.log()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code in (200, 401):
                studio.startup_s = time.monotonic() - started
                return studio
        time.sleep(0.2)
    studio.kill()
    raise RuntimeError(f"studio did not answer within {STARTUP_TIMEOUT_S:.0f} s:\n{studio.log()}")


@contextlib.contextmanager
def running_studio(workspace: Workspace, **kwargs: object) -> Iterator[StudioProcess]:
    studio = start_studio(workspace, **kwargs)  # type: ignore[arg-type]
    try:
        yield studio
    finally:
        studio.kill(signal.SIGTERM)
