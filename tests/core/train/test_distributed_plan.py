"""The multi-rank plan without starting ranks: STUDIO_CPU_PROCESSES asks for torchrun CPU ranks, and with
no process group the rank helpers are plain functions (no collective, rank 0)."""

from __future__ import annotations

import sys

import pytest

from core.models.hardware import HardwareInfo
from core.train import ranks
from core.train.callbacks import TrainingMonitor
from core.train.launch import plan_launch
from tests.core.train.conftest import RecordingReporter

CPU = HardwareInfo("cpu", "CPU (2 cores)", 0, 2, False)


def test_cpu_processes_setting_launches_torchrun_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.setenv("STUDIO_CPU_PROCESSES", "2")
    plan = plan_launch(CPU, run_id="run_1", job_id="job_1")
    assert plan.mode == "torchrun" and plan.processes == 2
    command = plan.command or []
    assert command[:3] == [sys.executable, "-m", "torch.distributed.run"]
    assert command[-3:] == ["core.train.worker", "run_1", "job_1"]
    assert command[command.index("--nproc-per-node") + 1] == "2"


@pytest.mark.parametrize("value", ["", "1", "many"])
def test_cpu_trains_in_process_unless_several_ranks_are_asked(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("STUDIO_CPU_PROCESSES", value)
    assert plan_launch(CPU, run_id="run_1", job_id="job_1").mode == "in-process"


def test_a_worker_never_launches_more_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_CPU_PROCESSES", "2")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert plan_launch(CPU, run_id="run_1", job_id="job_1").command is None


def test_one_process_agrees_with_itself_without_a_collective() -> None:
    assert ranks.agree_on_stop("cancel") == "cancel" and ranks.agree_on_stop(None) is None
    ranks.wait_for_all_ranks()  # no group: returns at once
    assert ranks.is_main_rank()


class AgreeingReporter(RecordingReporter):
    """A worker-like reporter: its stop takes effect only when the monitor asks the ranks to agree."""

    def __init__(self) -> None:
        super().__init__()
        self.requested: str | None = None
        self.agreements = 0

    def agree_on_stop(self) -> None:
        self.agreements += 1
        self.stop_mode = self.requested


def test_the_monitor_stops_only_on_the_agreed_answer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    reporter = AgreeingReporter()
    monitor = TrainingMonitor(reporter, total_steps=10, checkpoints=tmp_path)
    monitor.train_begin(0, 0)
    assert monitor.step_end(1, 10) is None
    reporter.requested = "stop"
    assert monitor.step_end(2, 20) == "save-and-stop"
    assert reporter.agreements == 3  # at the start and after each step, the same on every rank
