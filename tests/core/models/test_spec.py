"""Resolving a base model: tiny, a local folder, the hub cache, the hub, or a plain-words fallback."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.models import spec
from core.models.hardware import HardwareInfo
from core.models.spec import (
    CPU_DEFAULT_BASE,
    GPU_DEFAULT_BASE,
    ModelSpec,
    comparison_variants,
    configured_base_model,
    resolve_base,
)
from core.paths import Workspace
from core.store import Store

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def fake_cached_model(workspace: Workspace, repo_id: str, files: tuple[str, ...]) -> Path:
    """Lay out the hub cache the way huggingface_hub writes it."""
    repo = workspace.hf_home / "hub" / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / COMMIT
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    for name in files:
        (snapshot / name).write_text("{}")
    return snapshot


def test_resolve_base_tiny_points_at_the_workspace_build(workspace: Workspace) -> None:
    resolved = resolve_base("tiny", workspace)
    assert resolved.kind == "tiny"
    assert Path(resolved.source) == workspace.models_dir / "tiny"
    assert not resolved.is_fallback and resolved.reason == ""


def test_resolve_base_local_folder_with_config(workspace: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    resolved = resolve_base(str(folder), workspace)
    assert (resolved.kind, resolved.source, resolved.display_name) == ("local", str(folder), "my-model")


def test_resolve_base_folder_without_config_falls_back(workspace: Workspace, tmp_path: Path) -> None:
    resolved = resolve_base(str(tmp_path), workspace)
    assert resolved.is_fallback and resolved.kind == "tiny"
    assert "has no config.json" in resolved.reason


def test_resolve_base_unknown_hub_id_offline_falls_back_quickly(workspace: Workspace) -> None:
    started = time.perf_counter()
    resolved = resolve_base("HuggingFaceTB/SmolLM2-360M-Instruct", workspace)
    assert time.perf_counter() - started < 1.0
    assert resolved.is_fallback and resolved.kind == "tiny"
    assert resolved.requested == "HuggingFaceTB/SmolLM2-360M-Instruct"
    assert resolved.reason == (
        "Couldn't load HuggingFaceTB/SmolLM2-360M-Instruct (offline and not in the cache), "
        "so the studio is using the small offline test model `tiny`."
    )


def test_resolve_base_finds_the_hub_cache_with_its_revision(workspace: Workspace) -> None:
    snapshot = fake_cached_model(workspace, "org/cached-model", ("config.json", "model.safetensors"))
    resolved = resolve_base("org/cached-model", workspace)
    assert (resolved.kind, resolved.revision, resolved.is_fallback) == ("cache", COMMIT, False)
    assert Path(resolved.source) == snapshot


def test_resolve_base_ignores_a_cache_entry_without_safetensors(workspace: Workspace) -> None:
    fake_cached_model(workspace, "org/partial-model", ("config.json",))
    assert resolve_base("org/partial-model", workspace).is_fallback


def test_resolve_base_online_marks_hub_models_for_download(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    info = SimpleNamespace(sha=COMMIT, siblings=[SimpleNamespace(rfilename="model.safetensors")])
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", lambda self, name, timeout=None: info)
    resolved = resolve_base("org/online-model", workspace)
    assert (resolved.kind, resolved.revision, resolved.needs_download) == ("hub", COMMIT, True)


def test_resolve_base_online_without_safetensors_falls_back(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    info = SimpleNamespace(sha=COMMIT, siblings=[SimpleNamespace(rfilename="pytorch_model.bin")])
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", lambda self, name, timeout=None: info)
    resolved = resolve_base("org/bin-only", workspace)
    assert resolved.is_fallback and "safetensors" in resolved.reason


def test_resolve_base_unreachable_hub_falls_back(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    def unreachable(self: object, name: str, timeout: float | None = None) -> None:
        raise ConnectionError("no route to host")

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", unreachable)
    resolved = resolve_base("org/some-model", workspace)
    assert resolved.is_fallback and "did not answer" in resolved.reason


def test_resolve_base_rejects_names_that_are_not_models(workspace: Workspace) -> None:
    assert "neither a folder nor" in resolve_base("not a model!", workspace).reason


def test_configured_base_model_prefers_setting_then_env_then_hardware(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    gpu = HardwareInfo("cuda", "NVIDIA H200 x1", 1, 16, False)
    cpu = HardwareInfo("cpu", "CPU (2 cores)", 0, 2, False)
    monkeypatch.delenv("STUDIO_BASE_MODEL", raising=False)
    monkeypatch.setattr(spec, "describe_hardware", lambda: cpu)
    assert configured_base_model(store) == CPU_DEFAULT_BASE
    monkeypatch.setattr(spec, "describe_hardware", lambda: gpu)
    assert configured_base_model(store) == GPU_DEFAULT_BASE
    monkeypatch.setenv("STUDIO_BASE_MODEL", "tiny")
    assert configured_base_model(store) == "tiny"
    store.set_setting("base_model", "org/chosen")
    assert configured_base_model(store) == "org/chosen"


def test_comparison_variants_are_base_prompted_adapter() -> None:
    variants = comparison_variants("tiny", "Be Socratic.", "/runs/r1/adapter")
    assert [v.name for v in variants] == ["base", "prompted", "adapter"]
    assert variants[1].spec.system_prompt == "Be Socratic." and variants[1].spec.adapter is None
    assert variants[2].spec.system_prompt is None and variants[2].spec.adapter_key == "adapter"
    assert [v.name for v in comparison_variants("tiny", None, None)] == ["base"]


def test_model_spec_rejects_blank_system_prompt() -> None:
    with pytest.raises(ValueError, match="system prompt is empty"):
        ModelSpec(system_prompt="   ")
    assert ModelSpec(adapter="/x/tutor.v2", adapter_name="tutor-v2").adapter_key == "tutor-v2"
