"""End-to-end fixtures: the real studio in a subprocess, and a headless Debian chromium driven by Playwright.

The browser is never downloaded: tests use /usr/bin/chromium (or $CHROMIUM) and are skipped, with the
reason shown, when it is absent. `.ci/run` installs Debian's chromium before `make test`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.paths import Workspace
from tests.support.studio_server import StudioProcess, running_studio, start_studio

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    return candidate if Path(candidate).exists() else shutil.which("chromium")


@pytest.fixture(scope="session")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StudioProcess]:
    """One running studio for the session, on a fresh workspace with the offline `tiny` base model."""
    workspace = Workspace(tmp_path_factory.mktemp("e2e") / "studio-home").ensure()
    process = start_studio(workspace)
    yield process
    process.kill()


@pytest.fixture(scope="module")
def fresh_studio(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[StudioProcess]:
    """A studio of this test module's own on an empty workspace, so an empty state is what a newcomer
    sees and nothing leaks between tabs' tests."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    workspace = Workspace(tmp_path_factory.mktemp(name) / "studio-home").ensure()
    with running_studio(workspace) as studio:
        yield studio


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); browser tests skipped.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
        yield launched
        launched.close()


class PageWatch:
    """A page plus every console error and page error it produced."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def app_errors(self) -> list[str]:
        # Chromium reports blocked outbound fetches (fonts, analytics) as errors; the network is closed here.
        return [e for e in self.errors if "net::ERR" not in e and "Failed to load resource" not in e]


@pytest.fixture
def page(browser: Any) -> Iterator[PageWatch]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    watched = PageWatch(context.new_page())
    yield watched
    context.close()
