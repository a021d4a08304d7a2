"""What the trainer reports while it runs: live metrics, progress, stop requests and checkpoint markers.

    monitor = TrainingMonitor(reporter=ctx, total_steps=200, checkpoints=run_dir / "checkpoints")
    trainer = SFTTrainer(..., callbacks=[trainer_callback(monitor)])

`TrainingMonitor` is plain Python (tested without a trainer); `trainer_callback` wraps it in a
transformers TrainerCallback. The reporter is the job's JobContext (or anything with the same four
members), so the same monitor serves jobs, the multi-rank workers and in-process tests.

With several ranks every rank runs a monitor: the worker's reporter has `agree_on_stop` (a collective,
called here at the start and at the end of every step, on every rank), and only rank 0 marks
checkpoints complete and prunes them, after every rank has written its files (core/train/ranks.py).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Protocol

from core.train import ranks
from core.train.checkpoints import mark_complete, prune_checkpoints

log = logging.getLogger(__name__)

KEEP_CHECKPOINTS = 2


class Reporter(Protocol):
    @property
    def stop_mode(self) -> str | None: ...

    def progress(self, done: float, total: float | None = None, message: str = "") -> None: ...

    def log_metrics(self, record: dict[str, Any]) -> None: ...

    def should_stop(self) -> bool: ...


class TrainingMonitor:
    """Turns trainer events into metric records and progress, and trainer decisions into stops."""

    def __init__(
        self,
        reporter: Reporter,
        total_steps: int,
        checkpoints: Path,
        keep: int = KEEP_CHECKPOINTS,
        extra_metrics: dict[str, str] | None = None,
    ) -> None:
        self.reporter = reporter
        # Trainer log keys recorded too, under the given names (preference tuning: "rewards/margins" ...).
        self.extra_metrics = extra_metrics or {}
        self.total_steps = total_steps
        self.checkpoints = checkpoints
        self.keep = keep
        self.train_seconds = 0.0
        self.tokens_seen = 0
        self.first_loss: float | None = None
        self.last_loss: float | None = None
        self.last_eval_loss: float | None = None
        self.last_step = 0
        self.stopped_for: str | None = None
        self._step_started: float | None = None
        self._last_log = (0.0, 0)  # (train seconds, tokens) at the previous training log
        self._session_tokens = 0
        self._start_tokens = 0

    @property
    def tokens_per_second(self) -> float | None:
        """This session's training throughput (model loading, evaluation and saving left out)."""
        if self.train_seconds <= 0 or not self._session_tokens:
            return None
        return self._session_tokens / self.train_seconds

    def train_begin(self, step: int, tokens_seen: int, total_steps: int | None = None) -> None:
        """Training (re)starts at `step` (0 or a checkpoint's); recorded so the plots drop the lost steps after it."""
        self.total_steps = total_steps if total_steps and total_steps > 0 else self.total_steps
        self.last_step = step
        self.tokens_seen = tokens_seen
        self._start_tokens = tokens_seen
        self._last_log = (0.0, tokens_seen)
        self._agree_on_stop()  # a stop asked while the model loaded: every rank hears it before step one
        self.reporter.log_metrics({"event": "start", "step": step})
        self.reporter.progress(step, self.total_steps, f"Training: step {step} of {self.total_steps}")

    def step_begin(self) -> None:
        self._step_started = time.perf_counter()

    def step_end(self, step: int, tokens_seen: int) -> str | None:
        """Account for one optimiser step; returns "save-and-stop", "stop" or None."""
        if self._step_started is not None:
            self.train_seconds += time.perf_counter() - self._step_started
            self._step_started = None
        self.tokens_seen = tokens_seen
        self._session_tokens = tokens_seen - (self._start_tokens or 0)
        self.last_step = step
        self.reporter.progress(step, self.total_steps, self._progress_message(step))
        self._agree_on_stop()
        if not self.reporter.should_stop():
            return None
        self.stopped_for = self.reporter.stop_mode or "cancel"
        return "save-and-stop" if self.stopped_for == "stop" else "stop"

    def _agree_on_stop(self) -> None:
        agree = getattr(self.reporter, "agree_on_stop", None)
        if agree is not None:
            agree()

    def on_log(self, step: int, logs: dict[str, Any]) -> dict[str, Any] | None:
        """A metric record for the plots (training or validation), or None for the end-of-run summary."""
        if "loss" in logs:
            return self._train_record(step, logs)
        if "eval_loss" in logs:
            self.last_eval_loss = float(logs["eval_loss"])
            record = {
                "step": step,
                "epoch": _round(logs.get("epoch")),
                "eval_loss": self.last_eval_loss,
                **self._extra(logs, "eval_"),
            }
            self.reporter.log_metrics(record)
            log.info("step %d · validation loss %.4f", step, self.last_eval_loss)
            return record
        return None

    def _train_record(self, step: int, logs: dict[str, Any]) -> dict[str, Any]:
        loss = float(logs["loss"])
        self.first_loss = loss if self.first_loss is None else self.first_loss
        self.last_loss = loss
        seconds, tokens = self.train_seconds - self._last_log[0], self.tokens_seen - self._last_log[1]
        self._last_log = (self.train_seconds, self.tokens_seen)
        record = {
            "step": step,
            "epoch": _round(logs.get("epoch")),
            "loss": loss,
            "learning_rate": float(logs.get("learning_rate", 0.0)),
            "tokens_per_second": round(tokens / seconds, 1) if seconds > 0 and tokens > 0 else None,
            "grad_norm": _round(logs.get("grad_norm")),
            "tokens_seen": self.tokens_seen,
            **self._extra(logs),
        }
        self.reporter.log_metrics(record)
        speed = f" · {record['tokens_per_second']:.0f} tokens/s" if record["tokens_per_second"] else ""
        log.info(
            "step %d of %d · loss %.4f · learning rate %.2e%s",
            step,
            self.total_steps,
            loss,
            record["learning_rate"],
            speed,
        )
        return record

    def _extra(self, logs: dict[str, Any], prefix: str = "") -> dict[str, float]:
        return {
            f"{prefix}{name}": round(float(logs[prefix + key]), 4)
            for key, name in self.extra_metrics.items()
            if logs.get(prefix + key) is not None
        }

    def on_save(self, step: int) -> Path | None:
        """The trainer has written checkpoint-<step>: mark it complete, then drop the ones no longer needed.

        Every rank writes into the folder (its RNG state at least), so all wait for each other first; then
        rank 0 alone marks and prunes: two writers would race on the marker and on the deletions."""
        ranks.wait_for_all_ranks()
        if not ranks.is_main_rank():
            return None
        folder = self.checkpoints / f"checkpoint-{step}"
        if not folder.is_dir():
            log.warning("the trainer reported a checkpoint at step %d but %s is missing", step, folder)
            return None
        mark_complete(folder)
        prune_checkpoints(self.checkpoints, keep=self.keep)
        log.info("checkpoint at step %d is complete", step)
        return folder

    def _progress_message(self, step: int) -> str:
        loss = f" · loss {self.last_loss:.3f}" if self.last_loss is not None else ""
        return f"Training: step {step} of {self.total_steps}{loss}"


def _round(value: Any, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def trainer_callback(monitor: TrainingMonitor) -> Any:
    """A transformers TrainerCallback that forwards the trainer's events to `monitor`."""
    from transformers import TrainerCallback

    class StudioCallback(TrainerCallback):  # type: ignore[misc]
        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            monitor.train_begin(state.global_step, int(state.num_input_tokens_seen or 0), state.max_steps)

        def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            monitor.step_begin()

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            decision = monitor.step_end(state.global_step, int(state.num_input_tokens_seen or 0))
            if decision is not None:
                control.should_training_stop = True
                control.should_save = decision == "save-and-stop"
                control.should_evaluate = False
            return control

        def on_log(
            self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any
        ) -> None:
            monitor.on_log(state.global_step, logs or {})

        def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            monitor.on_save(state.global_step)

    return StudioCallback()
