"""The PDF pipeline is chosen without a long hang: the standard one when its layout weights are cached
(or downloadable), else the text-only one with a visible warning; a broken model falls back too."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.documents import converter
from core.documents.converter import choose_pdf_pipeline, hub_reachable, standard_weights_cached


@pytest.fixture
def hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from huggingface_hub import constants

    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.delenv("DOCLING_ARTIFACTS_PATH", raising=False)
    return cache


@pytest.fixture
def silent_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A hub address that accepts connections and never answers (the worst case for a probe)."""
    from huggingface_hub import constants

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.getsockname()[1]}"
    monkeypatch.setattr(constants, "ENDPOINT", endpoint)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    yield endpoint
    stop.set()
    thread.join(timeout=2)
    for connection in accepted:
        connection.close()
    server.close()


def test_offline_without_weights_uses_the_text_only_pipeline_at_once(hub_cache: Path) -> None:
    import docling.document_converter  # noqa: F401  (importing Docling is not what is timed)

    started = time.monotonic()
    choice = choose_pdf_pipeline()
    assert time.monotonic() - started < 2.0
    assert choice.pipeline == "native-pdf"
    assert "not downloaded" in (choice.warning or "") and "tables may be lost" in (choice.warning or "")


def test_an_unanswering_hub_is_given_up_on_within_seconds(hub_cache: Path, silent_endpoint: str) -> None:
    import docling.document_converter  # noqa: F401

    started = time.monotonic()
    assert hub_reachable(timeout_s=1.0) is False
    choice = choose_pdf_pipeline()
    assert time.monotonic() - started < 1.0 + converter.HUB_PROBE_TIMEOUT_S + 2.0
    assert choice.pipeline == "native-pdf"


def test_cached_weights_are_detected(hub_cache: Path) -> None:
    assert standard_weights_cached() is False
    snapshot = hub_cache / "models--docling-project--docling-layout-heron" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    assert standard_weights_cached() is True


def test_broken_cached_weights_fall_back_to_the_text_only_pipeline(hub_cache: Path) -> None:
    snapshot = hub_cache / "models--docling-project--docling-layout-heron" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    choice = choose_pdf_pipeline()
    assert choice.pipeline == "native-pdf"
    assert "failed to load" in (choice.warning or "")


def test_the_standard_pipeline_is_used_when_its_models_load(
    hub_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCLING_ARTIFACTS_PATH", str(hub_cache))
    monkeypatch.setattr(converter, "_ready_standard_option", lambda offline: ("standard option", offline))
    choice = choose_pdf_pipeline()
    assert choice.pipeline == "standard-pdf" and choice.warning is None
    assert choice.format_option == ("standard option", True), "cached weights load with the hub switched off"
