"""How a run is executed: in the job's process, across GPUs with `accelerate launch`, or across CPU
processes with torchrun (gloo), and with unsloth's fast kernels or plain peft.

    plan = plan_launch(hardware, run_id="run_1a2b", job_id="job_3c4d")
    plan.mode             # "in-process" | "accelerate" | "torchrun"
    plan.command          # the workers' command when there is more than one rank
    fast = try_fast_path(config, hardware)        # imports unsloth first; any failure -> plain peft
    fast.engine, fast.reason                      # "unsloth" here is a candidate: core/train/fast_path.py
                                                  # trains one step with it before the run may use it

unsloth patches transformers, trl and peft when imported, so it must be imported before them: the
training job calls `try_fast_path` before anything else loads a model. On a CPU `import unsloth`
raises NotImplementedError rather than ImportError, so every exception counts as "not available".
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from dataclasses import dataclass
from typing import Literal

from core.models.hardware import HardwareInfo
from core.train.sft_config import TrainConfig

log = logging.getLogger(__name__)

Engine = Literal["unsloth", "peft"]
WORKER_MODULE = "core.train.worker"
# Set by torchrun / accelerate in each worker process.
DISTRIBUTED_ENV = ("LOCAL_RANK", "WORLD_SIZE")
# Ranks to train with on a CPU machine (gloo). One by default: a CPU rank only pays off on machines with
# many cores, and it is how the multi-rank path (stop agreement, single writer) is tested without GPUs.
CPU_PROCESSES_ENV = "STUDIO_CPU_PROCESSES"


@dataclass(frozen=True)
class FastPath:
    engine: Engine
    reason: str


def try_fast_path(config: TrainConfig, hardware: HardwareInfo, *, distributed: bool = False) -> FastPath:
    """unsloth when it can help and imports; otherwise plain peft, with the reason in words."""
    if config.fast_path == "off":
        return FastPath("peft", "The fast path (unsloth) is switched off in the settings.")
    if hardware.device != "cuda":
        return FastPath("peft", "unsloth needs an NVIDIA GPU; training with plain peft on the CPU.")
    if distributed or hardware.gpu_count > 1:
        return FastPath(
            "peft", "unsloth trains on one GPU; several GPUs train with plain peft via accelerate."
        )
    try:
        importlib.import_module("unsloth")
    except BaseException as exc:  # NotImplementedError, ImportError, CUDA errors...: all mean "not here"
        if isinstance(exc, KeyboardInterrupt):
            raise
        reason = f"unsloth did not load ({type(exc).__name__}: {str(exc)[:200]}); training with plain peft."
        log.warning(reason)
        return FastPath("peft", reason)
    # Importing is not training: the job trains with it only after one step worked (fast_path.py).
    return FastPath("unsloth", "unsloth loaded; it trains the run once its one-step test passes.")


@dataclass(frozen=True)
class LaunchPlan:
    mode: Literal["in-process", "accelerate", "torchrun"]
    processes: int
    command: list[str] | None
    reason: str


def in_distributed_worker() -> bool:
    return all(name in os.environ for name in DISTRIBUTED_ENV) and int(os.environ.get("WORLD_SIZE", "1")) > 1


def plan_launch(hardware: HardwareInfo, *, run_id: str, job_id: str, precision: str = "bf16") -> LaunchPlan:
    """One process per visible GPU via accelerate when there are several; STUDIO_CPU_PROCESSES ranks via
    torchrun on a CPU machine when it asks for more than one; the job's own process otherwise."""
    if in_distributed_worker():
        return LaunchPlan("in-process", 1, None, "Already one of several training workers.")
    cpu_ranks = cpu_processes()
    if hardware.device != "cuda" and cpu_ranks > 1:
        command = torchrun_command(cpu_ranks, run_id, job_id)
        return LaunchPlan("torchrun", cpu_ranks, command, f"{cpu_ranks} CPU workers (gloo), as asked.")
    if hardware.device != "cuda" or hardware.gpu_count <= 1:
        where = "one GPU" if hardware.device == "cuda" else "the CPU"
        return LaunchPlan("in-process", 1, None, f"Training in the job's process on {where}.")
    command = accelerate_command(hardware.gpu_count, run_id, job_id, precision)
    return LaunchPlan(
        "accelerate", hardware.gpu_count, command, f"{hardware.gpu_count} GPUs visible: one worker per GPU."
    )


def accelerate_command(processes: int, run_id: str, job_id: str, precision: str = "bf16") -> list[str]:
    mixed = {"bf16": "bf16", "fp16": "fp16"}.get(precision, "no")
    return [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--multi_gpu",
        "--num_processes",
        str(processes),
        "--num_machines",
        "1",
        "--mixed_precision",
        mixed,
        "--dynamo_backend",
        "no",
        "-m",
        WORKER_MODULE,
        run_id,
        job_id,
    ]


def cpu_processes() -> int:
    """The CPU ranks asked for with STUDIO_CPU_PROCESSES (1 when unset or unreadable)."""
    raw = os.environ.get(CPU_PROCESSES_ENV, "").strip()
    try:
        return max(1, int(raw)) if raw else 1
    except ValueError:
        log.warning("%s=%r is not a whole number; training in one process.", CPU_PROCESSES_ENV, raw)
        return 1


def torchrun_command(processes: int, run_id: str, job_id: str) -> list[str]:
    """CPU ranks: torchrun on this machine only (a free port each time, so two runs never collide); no
    restarts, so one rank dying ends the others and the run resumes from its last complete checkpoint."""
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nnodes",
        "1",
        "--nproc-per-node",
        str(processes),
        "--max-restarts",
        "0",
        "-m",
        WORKER_MODULE,
        run_id,
        job_id,
    ]
