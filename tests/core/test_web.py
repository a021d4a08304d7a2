"""The studio behind a notebook's proxy: root paths are normalised or refused, and printed URLs are usable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.commands.serve import start_lines
from core.web import RootPathError, notebook_root_path, public_url, resolve_root_path, studio_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/proxy/7860/", "/proxy/7860"),
        ("/notebook/course/ada/proxy/7860", "/notebook/course/ada/proxy/7860"),
        ("//proxy//7860//", "/proxy//7860"),
        ("/", ""),
        ("", ""),
        (
            "https://lab.example.org/notebook/course/ada/proxy/7860/",
            "https://lab.example.org/notebook/course/ada/proxy/7860",
        ),
    ],
)
def test_root_path_is_normalised_without_a_trailing_slash(given: str, expected: str) -> None:
    assert resolve_root_path(given, env={}) == expected


def test_root_path_comes_from_the_environment_when_no_flag_is_given() -> None:
    assert resolve_root_path(None, env={"STUDIO_ROOT_PATH": "/proxy/7860/"}) == "/proxy/7860"
    assert resolve_root_path("/other/", env={"STUDIO_ROOT_PATH": "/proxy/7860/"}) == "/other"


def test_relative_root_path_is_refused_naming_the_flag_and_an_example() -> None:
    with pytest.raises(RootPathError, match=r"--root-path 'proxy/7860' must start with '/' \(for example"):
        resolve_root_path("proxy/7860", env={})
    with pytest.raises(RootPathError, match="STUDIO_ROOT_PATH"):
        resolve_root_path(None, env={"STUDIO_ROOT_PATH": "proxy 7860"})


def test_wildcard_host_prints_an_address_other_machines_can_open() -> None:
    url = studio_url("0.0.0.0", 7860)
    assert url.startswith("http://") and url.endswith(":7860")
    assert "127.0.0.1" not in url and "0.0.0.0" not in url
    assert studio_url("127.0.0.1", 7860) == "http://127.0.0.1:7860"


def test_notebook_prefix_suggests_the_proxy_root_path() -> None:
    assert (
        notebook_root_path(7860, {"NB_PREFIX": "/notebook/course/ada"}) == "/notebook/course/ada/proxy/7860"
    )
    assert notebook_root_path(7860, {}) is None


def test_serve_says_where_to_open_the_studio_behind_the_proxy() -> None:
    lines = start_lines("http://127.0.0.1:7860", "/proxy/7860", 7860, "/ws")
    assert "open /proxy/7860/" in lines[1] and "http://127.0.0.1:7860/healthz" in lines[1]
    assert public_url("", "http://h:1") == "http://h:1"


def test_serve_refuses_a_relative_root_path_before_starting(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli",
            "serve",
            "--root-path",
            "proxy/7860",
            "--workspace",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0
    assert "--root-path 'proxy/7860' must start with '/'" in out.stderr
