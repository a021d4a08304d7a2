"""`serve --root-path` behind a prefix-stripping proxy, without a browser: the config's links carry the
prefix, /healthz answers through the proxy and directly (for Kubernetes probes), and gradio_client runs
a queued call through the proxy's event stream."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from gradio_client import Client

from core.paths import Workspace
from tests.support.proxy import PrefixProxy
from tests.support.studio_server import StudioProcess, running_studio

pytestmark = pytest.mark.slow
PREFIX = "/notebook/course/ada/proxy/7860"


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StudioProcess, PrefixProxy]]:
    workspace = Workspace(tmp_path_factory.mktemp("root-path") / "studio-home").ensure()
    with (
        running_studio(workspace, env={"STUDIO_ROOT_PATH": f"{PREFIX}/"}) as studio,
        PrefixProxy(studio.url, PREFIX) as proxy,
    ):
        yield studio, proxy


def test_config_links_carry_the_proxy_prefix(behind_proxy: tuple[StudioProcess, PrefixProxy]) -> None:
    _, proxy = behind_proxy
    config = httpx.get(proxy.url + "config", timeout=30).json()
    assert config["root"] == f"http://127.0.0.1:{proxy.port}{PREFIX}"
    header = next(c for c in config["components"] if c.get("props", {}).get("elem_id") == "header")
    assert f"Root path: {PREFIX} (from STUDIO_ROOT_PATH)" in header["props"]["value"]


def test_health_answers_directly_and_through_the_proxy(
    behind_proxy: tuple[StudioProcess, PrefixProxy],
) -> None:
    studio, proxy = behind_proxy
    for url in (studio.url + "healthz", proxy.url + "healthz"):
        answer = httpx.get(url, timeout=10)
        assert answer.status_code == 200 and answer.json() == {"status": "ok", "app": "tutor-studio"}


def test_serve_prints_where_to_open_it_behind_the_proxy(
    behind_proxy: tuple[StudioProcess, PrefixProxy],
) -> None:
    studio, _ = behind_proxy
    assert f"Behind your proxy, open {PREFIX}/" in studio.log()


def test_queued_call_streams_back_through_the_proxy(behind_proxy: tuple[StudioProcess, PrefixProxy]) -> None:
    _, proxy = behind_proxy
    client = Client(proxy.url, verbose=False)
    table, _choices, _log = client.predict(None, api_name="/jobs")
    assert "No background jobs yet" in table or "<table" in table
    assert proxy.log.streamed_event_streams > 0 and proxy.log.outside_prefix == []
