"""What this machine can run, found without importing torch (the UI imports this module).

    from core.models.hardware import describe_hardware
    hw = describe_hardware()        # cached: HardwareInfo(device="cpu", name="CPU (2 cores, bf16)", ...)

CUDA is detected from `nvidia-smi` or /proc/driver/nvidia; both are best effort, so a broken driver
reads as "no GPU" rather than an error. CUDA_VISIBLE_DEVICES is honoured. The memory is the container's
cgroup limit where there is one (core/models/memory.py), else the machine's RAM.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from core.models.memory import MemoryLimit, available_memory_gib, read_memory_limit

log = logging.getLogger(__name__)

NVIDIA_SMI_TIMEOUT_S = 5.0
PROC_NVIDIA_GPUS = Path("/proc/driver/nvidia/gpus")
PROC_CPUINFO = Path("/proc/cpuinfo")
CPU_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


@dataclass(frozen=True)
class GpuInfo:
    name: str
    memory_gib: float | None = None


@dataclass(frozen=True)
class HardwareInfo:
    """The accelerator the studio will use by default, in words a person can read."""

    device: Literal["cpu", "cuda"]
    name: str
    gpu_count: int
    cpu_cores: int
    cpu_bf16: bool
    gpus: tuple[GpuInfo, ...] = field(default_factory=tuple)
    # The memory the process may use (a container's cgroup limit, else the RAM); None: not looked up.
    memory: MemoryLimit | None = None

    @property
    def gpu_memory_gib(self) -> float | None:
        """Memory of the first GPU in GiB, where the driver reports it."""
        return self.gpus[0].memory_gib if self.gpus else None

    @property
    def memory_limited(self) -> bool:
        """True when a container's cgroup limit, not the machine's RAM, bounds what a run may use."""
        return self.memory is not None and self.memory.from_cgroup

    def available_memory_gib(self) -> float | None:
        """What a run may use now: free GPU memory on a GPU, else what is free under the memory limit."""
        if self.device == "cuda":
            return self.gpu_memory_gib
        return available_memory_gib(self.memory or read_memory_limit())


@functools.cache
def describe_hardware() -> HardwareInfo:
    """The machine's accelerator, detected once per process (call `describe_hardware.cache_clear()` to redo)."""
    gpus = _visible(detect_gpus())
    cores = cpu_core_count()
    bf16 = cpu_supports_bf16()
    memory = read_memory_limit()
    if gpus:
        name = f"{gpus[0].name} x{len(gpus)}"
        return HardwareInfo("cuda", name, len(gpus), cores, bf16, tuple(gpus), memory)
    name = f"CPU ({cores} cores, bf16)" if bf16 else f"CPU ({cores} cores)"
    return HardwareInfo("cpu", name, 0, cores, bf16, memory=memory)


def detect_gpus() -> list[GpuInfo]:
    """NVIDIA GPUs from nvidia-smi, else from the kernel driver's /proc entries; [] when neither answers."""
    return _gpus_from_nvidia_smi() or _gpus_from_proc()


def cpu_core_count() -> int:
    """Cores this process may run on (the affinity mask, which containers narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cpu_supports_bf16(cpuinfo: Path = PROC_CPUINFO) -> bool:
    """True when the CPU has native bf16 matrix instructions (AVX512-BF16 or AMX-BF16)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags") and ":" in line:
            return bool(CPU_BF16_FLAGS & set(line.split(":", 1)[1].split()))
    return False


def _gpus_from_nvidia_smi() -> list[GpuInfo]:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        done = subprocess.run(
            [exe, "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=NVIDIA_SMI_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("nvidia-smi did not answer (%s); treating this machine as CPU-only", exc)
        return []
    if done.returncode != 0:
        log.info("nvidia-smi exited with %s: %s", done.returncode, done.stderr.strip()[:200])
        return []
    return parse_nvidia_smi(done.stdout)


def parse_nvidia_smi(output: str) -> list[GpuInfo]:
    """Parse `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits` (memory in MiB)."""
    gpus = []
    for line in output.strip().splitlines():
        name, _, memory = line.rpartition(",")
        if not name.strip():
            name, memory = memory, ""
        try:
            memory_gib: float | None = round(float(memory) / 1024, 1)
        except ValueError:
            memory_gib = None
        gpus.append(GpuInfo(name.strip(), memory_gib))
    return gpus


def _gpus_from_proc(root: Path = PROC_NVIDIA_GPUS) -> list[GpuInfo]:
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return []
    gpus = []
    for entry in entries:
        try:
            info = (entry / "information").read_text(errors="replace")
        except OSError:
            continue
        model = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("Model:")), "")
        gpus.append(GpuInfo(model or "NVIDIA GPU"))
    return gpus


def _visible(gpus: list[GpuInfo]) -> list[GpuInfo]:
    """Apply CUDA_VISIBLE_DEVICES: empty or -1 hides every GPU; a list narrows the count."""
    mask = os.environ.get("CUDA_VISIBLE_DEVICES")
    if mask is None:
        return gpus
    wanted = [part for part in mask.split(",") if part.strip()]
    if not wanted or wanted[0].strip() == "-1":
        return []
    indices = [int(p) for p in wanted if p.strip().isdigit() and int(p) < len(gpus)]
    if len(indices) == len(wanted):
        return [gpus[i] for i in indices]
    return gpus[: len(wanted)]
