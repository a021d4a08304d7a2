"""How a run executes: unsloth only where it imports (any failure -> peft, with the reason), and
accelerate workers only when several GPUs are visible."""

from __future__ import annotations

import importlib
import sys
import types

import pytest

from core.models.hardware import GpuInfo, HardwareInfo
from core.train.launch import plan_launch, try_fast_path
from core.train.sft_config import TrainConfig

CPU = HardwareInfo("cpu", "CPU (2 cores)", 0, 2, False)
ONE_GPU = HardwareInfo("cuda", "NVIDIA L4 x1", 1, 8, False, (GpuInfo("NVIDIA L4", 22.5),))
TWO_GPUS = HardwareInfo("cuda", "NVIDIA A100 x2", 2, 32, False, (GpuInfo("NVIDIA A100", 80.0),) * 2)


def _unsloth_import(
    monkeypatch: pytest.MonkeyPatch, behaviour: BaseException | types.ModuleType
) -> list[str]:
    calls: list[str] = []
    real = importlib.import_module

    def fake(name: str, package: str | None = None) -> types.ModuleType:
        if name != "unsloth":
            return real(name, package)
        calls.append(name)
        if isinstance(behaviour, BaseException):
            raise behaviour
        return behaviour

    monkeypatch.setattr(importlib, "import_module", fake)
    return calls


def test_cpu_trains_with_peft_without_trying_unsloth(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _unsloth_import(monkeypatch, NotImplementedError("no GPU"))
    fast = try_fast_path(TrainConfig(), CPU)
    assert fast.engine == "peft" and "NVIDIA GPU" in fast.reason and calls == []


def test_unsloth_failing_to_import_falls_back_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    _unsloth_import(monkeypatch, NotImplementedError("Unsloth: No NVIDIA GPU found"))
    fast = try_fast_path(TrainConfig(), ONE_GPU)
    assert fast.engine == "peft"
    assert "NotImplementedError: Unsloth: No NVIDIA GPU found" in fast.reason and "plain peft" in fast.reason


def test_any_import_error_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    _unsloth_import(monkeypatch, RuntimeError("CUDA driver too old"))
    assert try_fast_path(TrainConfig(), ONE_GPU).engine == "peft"


def test_unsloth_is_used_when_it_imports_on_one_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _unsloth_import(monkeypatch, types.ModuleType("unsloth"))
    assert try_fast_path(TrainConfig(), ONE_GPU).engine == "unsloth" and calls == ["unsloth"]


def test_switched_off_or_several_gpus_use_peft(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _unsloth_import(monkeypatch, types.ModuleType("unsloth"))
    assert try_fast_path(TrainConfig(fast_path="off"), ONE_GPU).engine == "peft"
    assert "accelerate" in try_fast_path(TrainConfig(), TWO_GPUS).reason
    assert calls == []


def test_one_gpu_or_cpu_trains_in_the_job_process() -> None:
    for hardware in (CPU, ONE_GPU):
        plan = plan_launch(hardware, run_id="run_1", job_id="job_1")
        assert plan.mode == "in-process" and plan.command is None


def test_several_gpus_launch_one_accelerate_worker_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    plan = plan_launch(TWO_GPUS, run_id="run_1", job_id="job_1")
    assert plan.mode == "accelerate" and plan.processes == 2
    command = plan.command or []
    assert command[:3] == [sys.executable, "-m", "accelerate.commands.launch"]
    assert "--multi_gpu" in command and command[command.index("--num_processes") + 1] == "2"
    assert command[-4:] == ["-m", "core.train.worker", "run_1", "job_1"]


def test_inside_an_accelerate_worker_nothing_is_launched_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert plan_launch(TWO_GPUS, run_id="run_1", job_id="job_1").mode == "in-process"


def test_the_accelerate_command_parses() -> None:
    from accelerate.commands.launch import launch_command_parser

    command = plan_launch(TWO_GPUS, run_id="run_1", job_id="job_1").command or []
    args = launch_command_parser().parse_args(command[3:])
    assert args.multi_gpu and args.num_processes == 2 and args.module
    assert args.training_script == "core.train.worker" and args.training_script_args == ["run_1", "job_1"]
