"""Hardware detection: torch-free, and it reads GPUs and CPU features correctly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.models import hardware
from core.models.hardware import cpu_supports_bf16, describe_hardware, parse_nvidia_smi

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def fresh_hardware_cache() -> None:
    describe_hardware.cache_clear()
    yield
    describe_hardware.cache_clear()


def fake_nvidia_smi(folder: Path, output: str, exit_code: int = 0) -> None:
    script = folder / "nvidia-smi"
    lines = "".join(f"echo '{line}'\n" for line in output.splitlines())  # shell builtins only: PATH is faked
    script.write_text(f"#!/bin/sh\n{lines}exit {exit_code}\n")
    script.chmod(0o755)


NO_TORCH_SCRIPT = """
import sys
from core.models.hardware import describe_hardware
from core.models.spec import resolve_base
from core.paths import Workspace
import core.models.loading, core.inference.transformers_backend, core.inference.openai_backend
workspace = Workspace.from_env(sys.argv[1])
describe_hardware()
resolve_base("tiny", workspace)
resolve_base("nobody/nothing-here", workspace)
heavy = [m for m in ("torch", "transformers", "peft") if m in sys.modules]
assert not heavy, heavy
"""


def test_model_modules_import_without_torch(tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", NO_TORCH_SCRIPT, str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_describe_hardware_reports_cpu_when_no_gpu(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(hardware, "PROC_NVIDIA_GPUS", tmp_path / "missing")
    monkeypatch.setattr(hardware, "_gpus_from_proc", lambda root=tmp_path / "missing": [])
    info = describe_hardware()
    assert info.device == "cpu"
    assert info.gpu_count == 0
    assert info.name.startswith(f"CPU ({info.cpu_cores} cores")
    assert ("bf16" in info.name) == info.cpu_bf16


def test_describe_hardware_reads_nvidia_smi(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_nvidia_smi(tmp_path, "NVIDIA H200, 143771")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    info = describe_hardware()
    assert info.device == "cuda"
    assert info.name == "NVIDIA H200 x1"
    assert info.gpu_memory_gib == pytest.approx(140.4, abs=0.1)


def test_describe_hardware_honours_cuda_visible_devices(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_nvidia_smi(tmp_path, "NVIDIA A100-SXM4-80GB, 81920\nNVIDIA A100-SXM4-80GB, 81920")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    assert describe_hardware().name == "NVIDIA A100-SXM4-80GB x1"
    describe_hardware.cache_clear()
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert describe_hardware().device == "cpu"


def test_describe_hardware_survives_broken_driver(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_nvidia_smi(tmp_path, "NVIDIA-SMI has failed because it couldn't communicate with the driver", 9)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(hardware, "_gpus_from_proc", lambda root=tmp_path: [])
    assert describe_hardware().device == "cpu"


def test_gpus_from_proc_reads_model_names(tmp_path: Path) -> None:
    gpu = tmp_path / "0000:01:00.0"
    gpu.mkdir()
    (gpu / "information").write_text("Model: \t\t NVIDIA H100 80GB HBM3\nIRQ: 42\n")
    assert [g.name for g in hardware._gpus_from_proc(tmp_path)] == ["NVIDIA H100 80GB HBM3"]


def test_parse_nvidia_smi_keeps_commas_in_names() -> None:
    gpus = parse_nvidia_smi("NVIDIA GeForce RTX 4090, 24564\nWeird, Name GPU, [N/A]\n")
    assert gpus[0].name == "NVIDIA GeForce RTX 4090" and gpus[0].memory_gib == pytest.approx(24.0, abs=0.1)
    assert gpus[1].name == "Weird, Name GPU" and gpus[1].memory_gib is None


@pytest.mark.parametrize(
    ("flags", "expected"),
    [("fpu sse2 avx512f avx512_bf16", True), ("fpu amx_bf16 amx_tile", True), ("fpu sse2 avx2", False)],
)
def test_cpu_supports_bf16_reads_cpuinfo_flags(tmp_path: Path, flags: str, expected: bool) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: {flags}\n")
    assert cpu_supports_bf16(cpuinfo) is expected
    assert cpu_supports_bf16(tmp_path / "missing") is False
