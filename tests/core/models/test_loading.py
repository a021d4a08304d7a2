"""Loading a resolved base: tiny on first use, safetensors only, the model's own chat template."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.models.loading import (
    ModelLoadError,
    choose_dtype,
    count_tokens,
    estimate_parameters,
    load_causal_lm,
    load_tokenizer,
    render_prompt,
)
from core.models.spec import resolve_base
from core.paths import Workspace


def test_fallback_base_builds_and_loads_tiny_on_first_use(workspace: Workspace) -> None:
    resolved = resolve_base("HuggingFaceTB/SmolLM2-360M-Instruct", workspace)
    assert resolved.is_fallback
    model = load_causal_lm(resolved, device="cpu")
    assert (workspace.models_dir / "tiny" / "model.safetensors").is_file()
    assert model.config.model_type == "qwen2"
    assert not model.training
    assert str(next(model.parameters()).device) == "cpu"


def test_tiny_loads_in_fp32_on_cpu_by_default(tiny_model_dir: Path) -> None:
    import torch

    assert estimate_parameters(tiny_model_dir) < 1_000_000
    assert choose_dtype("cpu", "auto", n_params=estimate_parameters(tiny_model_dir)) == torch.float32
    assert choose_dtype("cpu", "bf16") == torch.bfloat16


def test_load_refuses_weights_that_are_not_safetensors(workspace: Workspace, tiny_model_dir: Path) -> None:
    import torch
    from safetensors.torch import load_file

    folder = workspace.root / "pickled-model"
    shutil.copytree(tiny_model_dir, folder)
    torch.save(load_file(str(folder / "model.safetensors")), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="safetensors"):
        load_causal_lm(resolve_base(str(folder), workspace), device="cpu")


def test_render_prompt_uses_the_models_template(tiny_model_dir: Path, workspace: Workspace) -> None:
    tokenizer = load_tokenizer(resolve_base(str(tiny_model_dir), workspace))
    messages = [{"role": "user", "content": "Why is the sky blue?"}]
    assert (
        render_prompt(tokenizer, messages)
        == "<|im_start|>user\nWhy is the sky blue?<|im_end|>\n<|im_start|>assistant\n"
    )
    with_prompt = count_tokens(tokenizer, messages, add_generation_prompt=True)
    assert with_prompt == count_tokens(tokenizer, messages) + count_tokens(
        tokenizer, "<|im_start|>assistant\n"
    )


def test_render_prompt_without_template_says_what_to_do(tiny_model_dir: Path, workspace: Workspace) -> None:
    folder = workspace.root / "no-template"
    shutil.copytree(tiny_model_dir, folder)
    (folder / "chat_template.jinja").unlink()
    tokenizer = load_tokenizer(resolve_base(str(folder), workspace))
    with pytest.raises(ModelLoadError, match="no chat template"):
        render_prompt(tokenizer, [{"role": "user", "content": "hi"}])


def test_estimate_parameters_is_none_for_unreadable_configs(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"hidden_size": 8}))
    assert estimate_parameters(tmp_path) is None


def test_tiny_workspace_fixture_reuses_the_session_build(
    tiny_workspace: Workspace, tiny_model_dir: Path
) -> None:
    from core.models.tiny import ensure_tiny_model

    weights = tiny_workspace.models_dir / "tiny" / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert ensure_tiny_model(tiny_workspace) == weights.parent
    assert weights.stat().st_mtime_ns == before
    assert weights.read_bytes() == (tiny_model_dir / "model.safetensors").read_bytes()
