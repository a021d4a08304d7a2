"""The training monitor: metric records for the plots, progress, stop/cancel decisions, and the final
validation loss read from what the trainer already logged."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from core.train.callbacks import TrainingMonitor
from core.train.checkpoints import is_complete
from core.train.sft_trainer import final_validation_loss
from tests.core.train.conftest import RecordingReporter


def test_training_logs_become_plot_records_with_throughput(tmp_path: Path) -> None:
    reporter = RecordingReporter()
    monitor = TrainingMonitor(reporter, total_steps=10, checkpoints=tmp_path)
    monitor.train_begin(0, 0, 10)
    for step in (1, 2):
        monitor.step_begin()
        monitor.step_end(step, tokens_seen=step * 500)
    record = monitor.on_log(2, {"loss": 2.5, "learning_rate": 1e-4, "epoch": 0.2, "grad_norm": 0.9})
    assert record is not None and record["step"] == 2 and record["loss"] == 2.5
    assert record["tokens_per_second"] and record["tokens_per_second"] > 0
    assert monitor.on_log(2, {"eval_loss": 2.7, "epoch": 0.2}) == {"step": 2, "epoch": 0.2, "eval_loss": 2.7}
    assert monitor.on_log(2, {"train_runtime": 3.0}) is None
    assert [r.get("loss", r.get("eval_loss")) for r in reporter.records if "event" not in r] == [2.5, 2.7]
    assert reporter.progress_reports[-1][:2] == (2, 10) and "step 2 of 10" in reporter.progress_reports[-1][2]
    assert monitor.first_loss == monitor.last_loss == 2.5


def test_stop_saves_and_cancel_does_not(tmp_path: Path) -> None:
    for mode, decision in (("stop", "save-and-stop"), ("cancel", "stop")):
        reporter = RecordingReporter(stop_at_step=3, mode=mode)
        monitor = TrainingMonitor(reporter, total_steps=10, checkpoints=tmp_path)
        results = [monitor.step_end(step, tokens_seen=0) for step in (1, 2, 3)]
        assert results == [None, None, decision] and monitor.stopped_for == mode


def test_each_start_is_recorded_for_the_plots(tmp_path: Path) -> None:
    reporter = RecordingReporter()
    TrainingMonitor(reporter, total_steps=10, checkpoints=tmp_path).train_begin(6, 3000, 10)
    assert reporter.records == [{"event": "start", "step": 6}]


def test_saving_marks_the_checkpoint_complete_and_prunes_older_ones(tmp_path: Path) -> None:
    monitor = TrainingMonitor(RecordingReporter(), total_steps=30, checkpoints=tmp_path, keep=1)
    for step in (10, 20):
        folder = tmp_path / f"checkpoint-{step}"
        folder.mkdir()
        (folder / "adapter_model.safetensors").write_bytes(b"x")
        assert monitor.on_save(step) == folder and is_complete(folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-20"]
    assert monitor.on_save(30) is None  # nothing written at step 30: nothing is marked


class FakeTrainer:
    """The two things the final validation loss reads: the log history and evaluate()."""

    def __init__(self, step: int, history: list[dict[str, Any]]) -> None:
        self.state = SimpleNamespace(global_step=step, log_history=history)
        self.evaluated = 0

    def evaluate(self) -> dict[str, float]:
        self.evaluated += 1
        return {"eval_loss": 1.25}


def test_the_final_validation_loss_reuses_the_last_steps_evaluation_and_evaluates_only_when_missing() -> None:
    history = [{"loss": 2.0, "step": 8}, {"eval_loss": 1.5, "step": 8}, {"loss": 1.9, "step": 10}]
    evaluated_last = FakeTrainer(
        10, [*history, {"eval_loss": 1.4, "step": 10}, {"train_runtime": 3.0, "step": 10}]
    )
    assert final_validation_loss(evaluated_last) == 1.4 and evaluated_last.evaluated == 0
    # Stopped and resumed past the last evaluation (or evaluation at the end skipped): the weights changed.
    unevaluated = FakeTrainer(10, history)
    assert final_validation_loss(unevaluated) == 1.25 and unevaluated.evaluated == 1
