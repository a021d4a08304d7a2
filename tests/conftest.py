"""Shared fixtures: an offline environment, a fresh workspace and store per test.

Model fixtures (`tiny_model_dir`, `tiny_adapter_dir`, `bundled_model_dir`) and the local
OpenAI-compatible server live in tests/support and are loaded as plugins here.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Offline by default: no hub, no datasets pings, no gradio analytics. Set before anything imports them.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
# Unit tests run the random-weight `tiny` model: the studio's real default (the bundled SmolLM2) takes
# about 20 s to unpack. Tests of the default itself clear this; slow tests of the real model set their own.
os.environ["STUDIO_BASE_MODEL"] = "tiny"
os.environ["STUDIO_EXTRA_JOB_TARGETS"] = "tests.support.job_targets"  # the job-system exercisers

from core.paths import Workspace
from core.store import Store

pytest_plugins = ["tests.support.model_fixtures", "tests.support.openai_server"]

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A fresh workspace in tmp_path, set as STUDIO_HOME for this test and the jobs it starts."""
    ws = Workspace(tmp_path / "studio-home").ensure()
    monkeypatch.setenv("STUDIO_HOME", str(ws.root))
    monkeypatch.setenv("HF_HOME", str(ws.hf_home))
    return ws


@pytest.fixture
def store(workspace: Workspace) -> Iterator[Store]:
    opened = Store.open(workspace)
    yield opened
    opened.close()


@pytest.fixture
def artifacts_dir(request: pytest.FixtureRequest) -> Path:
    """tests/artifacts/<test name>/: screenshots and reports a person can look at after the run."""
    folder = ARTIFACTS / request.node.name.replace("/", "_").replace("[", "_").replace("]", "")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
