"""Parity against an independent generator: `export --check` talks to a separate process that loads the
merged export with plain transformers (tests/support/generator_server.py), so "agree" is not the studio
agreeing with itself. Breaking the served chat template on purpose must make the check fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from core.cli import main
from core.deploy.exports import export_adapter
from tests.core.deploy.conftest import Shipping

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]
SERVED = "tutor-export"
# A plausible but wrong template: plain "User:/Assistant:" lines instead of the one training used.
BROKEN_TEMPLATE = (
    "{% for message in messages %}{{ message['role'] | capitalize }}: {{ message['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}Assistant:{% endif %}"
)


@contextmanager
def generator_server(model_dir: Path, tmp_path: Path, template: str | None = None) -> Iterator[str]:
    """Start the independent generator in its own process; yields its base URL."""
    port_file = tmp_path / f"port-{time.monotonic_ns()}"
    argv = [sys.executable, "-m", "tests.support.generator_server", "--model", str(model_dir)]
    argv += ["--served-name", SERVED, "--port-file", str(port_file)]
    if template is not None:
        template_file = tmp_path / "broken.jinja"
        template_file.write_text(template, encoding="utf-8")
        argv += ["--chat-template", str(template_file)]
    env = os.environ | {"OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(argv, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while not (port_file.is_file() and port_file.read_text().strip()):
            if process.poll() is not None:
                raise AssertionError(
                    f"the generator server exited: {process.stderr.read() if process.stderr else ''}"
                )
            assert time.monotonic() < deadline, "the generator server did not start within 180 s"
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port_file.read_text().strip()}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_check(shipping: Shipping, url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    argv = ["export", shipping.sft_id, "--check", url, "--served-name", SERVED, "--max-prompts", "3"]
    argv += ["--no-probes", "--workspace", str(shipping.workspace.root), "--json"]
    code = main(argv)
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


@pytest.fixture
def merged_export(shipping: Shipping, tmp_path: Path) -> Path:
    return export_adapter(
        shipping.store, shipping.workspace, shipping.sft_id, "merged", tmp_path / "merged"
    ).path


def test_the_merged_export_served_independently_agrees_with_the_studio(
    shipping: Shipping, merged_export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with generator_server(merged_export, tmp_path) as url:
        code, data = run_check(shipping, url, capsys)
    assert code == 0, data
    assert data["verdict"] in ("agree", "close") and len(data["rows"]) == 3
    assert any(row["studio"].strip() for row in data["rows"])  # real replies were compared, not empty ones


def test_a_broken_chat_template_in_serving_fails_the_check(
    shipping: Shipping, merged_export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with generator_server(merged_export, tmp_path, template=BROKEN_TEMPLATE) as url:
        code, data = run_check(shipping, url, capsys)
    assert code == 1 and data["verdict"] == "drift", data
