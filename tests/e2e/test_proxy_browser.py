"""The studio behind a notebook's proxy: a real browser opens it at /proxy/7860/ through a reverse proxy
that strips the prefix and streams, clicks every tab, uploads a file, runs a job (a dataset build) and
downloads its export; no request of the page leaves the prefix. Screenshots go to tests/artifacts/<test>/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.paths import Workspace
from studio.app import TABS
from tests.e2e.conftest import PageWatch
from tests.support.proxy import PrefixProxy
from tests.support.studio_server import running_studio

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PREFIX = "/proxy/7860"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefixProxy]:
    workspace = Workspace(tmp_path_factory.mktemp("proxy") / "studio-home").ensure()
    with (
        running_studio(workspace, extra_args=("--root-path", f"{PREFIX}/")) as studio,
        PrefixProxy(studio.url, PREFIX) as proxy,
    ):
        yield proxy


def wait_text(page: object, selector: str, text: str) -> str:
    page.wait_for_function(  # type: ignore[attr-defined]
        "([s, t]) => { const e = document.querySelector(s); return e && e.innerText.includes(t); }",
        arg=[selector, text],
        timeout=TIMEOUT_MS,
    )
    return str(page.inner_text(selector))  # type: ignore[attr-defined]


def test_studio_works_end_to_end_behind_a_prefix_stripping_proxy(
    proxied: PrefixProxy, page: PageWatch, artifacts_dir: Path, tmp_path: Path
) -> None:
    p = page.page
    p.goto(proxied.url, wait_until="load")
    p.wait_for_selector("#studio-header")
    assert f"Root path: {PREFIX}" in (p.get_attribute("#studio-header", "title") or "")
    p.wait_for_selector("#jobs-panel")
    for number, (label, module) in enumerate(TABS, start=1):
        p.get_by_role("tab", name=label).click()
        p.wait_for_selector(f"#tab-{module}", state="visible")
        p.wait_for_timeout(400)
        p.screenshot(path=str(artifacts_dir / f"{number:02d}-{module}.png"), full_page=True)
        assert p.locator(".toast-body.error").count() == 0, f"error toast on {label}"

    # An upload: a JSONL file imported on the Review tab travels through the proxy's prefix.
    p.get_by_role("tab", name="Review").click()
    p.wait_for_selector("#review-table", state="visible")
    conversation = {
        "messages": [
            {"role": "user", "content": "Why does ice float on water?"},
            {"role": "assistant", "content": "What do you know about how dense ice is compared with water?"},
        ]
    }
    upload = tmp_path / "proxied.jsonl"
    upload.write_text(json.dumps(conversation) + "\n")
    p.click("#review-import-section")
    p.locator("#review-import-files input[type=file]").set_input_files(str(upload))
    p.wait_for_timeout(1000)
    p.click("#review-import-accept input")
    p.click("#review-import")
    assert "1" in wait_text(p, "#review-import-report", "mported")

    # A job: build a dataset version; its progress streams back through the proxy.
    p.click("#review-demo")
    wait_text(p, "#review-notice", "demo conversations")
    p.fill("#review-build-name input", "proxied")
    p.click("#review-build")
    assert "train" in wait_text(p, "#review-build-status", "proxied@v")

    # A download: the export's link carries the prefix and fetches the file through the proxy.
    p.click("#review-export")
    wait_text(p, "#review-build-status", "Exported")
    link = p.locator("#review-download a").first
    href = link.get_attribute("href") or ""
    assert f"{PREFIX}/" in href, href
    fetched = httpx.get(
        href if href.startswith("http") else f"http://127.0.0.1:{proxied.port}{href}", timeout=30
    )
    assert fetched.status_code == 200 and len(fetched.content) > 0
    p.screenshot(path=str(artifacts_dir / "08-dataset-downloaded.png"), full_page=True)

    # Browsers ask for /favicon.ico at the site's root by themselves; every other path is the studio's.
    outside = [path for path in proxied.log.outside_prefix if path != "/favicon.ico"]
    assert outside == [], "the page asked for paths outside the proxy's prefix"
    assert proxied.log.streamed_event_streams > 0, "no event stream went through the proxy"
    assert p.locator(".toast-body.error").count() == 0
    assert page.app_errors() == []
