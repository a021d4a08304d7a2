"""Train a LoRA adapter with TRL's SFTTrainer and peft (torch, transformers, trl and peft load lazily).

    outcome = train_adapter(TrainInputs(workspace, run, config, dataset, resolved), reporter=ctx)
    outcome.status          # "finished" | "stopped" | "cancelled"
    outcome.adapter_dir     # <run>/adapter: adapter_model.safetensors + adapter_config.json

Loss is on the tutor's turns only, with the base model's own chat template (core/train/chat_format.py);
checkpoints go to <run>/checkpoints and count once marked complete (core/train/checkpoints.py); a
resume starts from the newest complete one. The job around this (records, model card) is core/train/sft_job.py.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core.models.download import ensure_base_local
from core.models.hardware import HardwareInfo
from core.train.callbacks import Reporter, TrainingMonitor, trainer_callback
from core.train.chat_format import MaskingPlan, plan_loss_masking
from core.train.checkpoints import checkpoint_step, discard_partial, latest_complete
from core.train.components import (
    ADAPTER_DIR,
    CHECKPOINTS_DIR,
    TrainInputs,
    build_trainer,
    load_model,
    load_training_tokenizer,
    param_count,
    training_datasets,
)
from core.train.estimate import count_steps, memory_advice, resolve_precision, use_packing
from core.train.fast_path import prove_fast_path
from core.train.sft_config import TrainConfig, TrainingError

__all__ = ["ADAPTER_DIR", "CHECKPOINTS_DIR", "TrainInputs", "TrainOutcome", "train_adapter"]

log = logging.getLogger(__name__)

OOM_WORDS = ("out of memory", "can't allocate memory", "cannot allocate memory")


@dataclass
class TrainOutcome:
    status: Literal["finished", "stopped", "cancelled"]
    steps: int
    total_steps: int
    first_loss: float | None
    final_loss: float | None
    eval_loss: float | None
    tokens_per_second: float | None
    train_seconds: float
    resumed_from: int | None
    adapter_dir: Path | None
    masking: MaskingPlan
    precision: str
    device: str
    engine: str
    packing: bool
    trainable_parameters: int
    trainable_names: list[str]
    engine_reason: str = ""
    model: Any = None  # the trained PeftModel, kept only when asked (tests)

    def summary(self) -> dict[str, Any]:
        """What the run row and the model card keep (JSON)."""
        return {
            "steps": self.steps,
            "total_steps": self.total_steps,
            "first_loss": self.first_loss,
            "final_loss": self.final_loss,
            "eval_loss": self.eval_loss,
            "tokens_per_second": None if self.tokens_per_second is None else round(self.tokens_per_second, 1),
            "train_seconds": round(self.train_seconds, 1),
            "resumed_from": self.resumed_from,
            "precision": self.precision,
            "device": self.device,
            "engine": self.engine,
            "engine_reason": self.engine_reason,
            "packing": self.packing,
            "loss_masking": self.masking.strategy,
            "trainable_parameters": self.trainable_parameters,
        }


def train_adapter(inputs: TrainInputs, reporter: Reporter, *, keep_model: bool = False) -> TrainOutcome:
    """Run (or resume) the training of `inputs.run` to its end, a stop, or a cancel."""
    folder = ensure_base_local(inputs.resolved, progress=_download_progress(reporter))
    quiet_progress_bars()
    with out_of_memory_explained(inputs):
        tokenizer = load_training_tokenizer(folder)
        masking = plan_loss_masking(tokenizer)
        log.info("loss masking: %s (%s)", masking.strategy, masking.reason)
        train_rows, eval_rows = training_datasets(inputs, tokenizer, masking)
        precision = resolve_precision(inputs.config, inputs.hardware, param_count(folder))
        packing = use_packing(inputs.config, inputs.hardware)
        # unsloth trains the run only after one step with it worked here (core/train/fast_path.py).
        inputs.fast = prove_fast_path(inputs, folder, precision, tokenizer, train_rows, packing, masking)
        model, peft_config = load_model(inputs, folder, precision)
        monitor = TrainingMonitor(reporter, count_steps(inputs.config, len(train_rows)), inputs.checkpoints)
        trainer = build_trainer(
            inputs, model, tokenizer, (train_rows, eval_rows), peft_config, precision, packing, masking
        )
        trainer.add_callback(trainer_callback(monitor))
        replace_printer(trainer)
        resume = resume_checkpoint(inputs.checkpoints)
        if not reporter.should_stop():  # a stop may have come while the model was loading
            trainer.train(resume_from_checkpoint=str(resume) if resume else None)
        return _outcome(inputs, monitor, masking, precision, packing, trainer, resume, keep_model)


@contextmanager
def out_of_memory_explained(inputs: TrainInputs) -> Iterator[None]:
    """Turn an out-of-memory error anywhere in loading or training into what to lower."""
    try:
        yield
    except Exception as exc:
        if is_out_of_memory(exc):
            raise TrainingError(out_of_memory_message(inputs.config, inputs.hardware)) from exc
        raise


def quiet_progress_bars() -> None:
    """No tqdm bars in the job's log (a log tail of bar redraws tells a teacher nothing); the monitor logs
    one readable line per logging step instead."""
    import datasets
    from transformers.utils import logging as hf_logging

    datasets.disable_progress_bars()
    hf_logging.disable_progress_bar()


def replace_printer(trainer: Any) -> None:
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)


def resume_checkpoint(root: Path) -> Path | None:
    """The newest complete checkpoint; partial ones (from a kill during a save) are removed first."""
    discard_partial(root)
    found = latest_complete(root)
    if found is not None:
        log.info("resuming from %s", found.name)
    return found


def is_out_of_memory(exc: BaseException) -> bool:
    if type(exc).__name__ == "OutOfMemoryError":
        return True
    return isinstance(exc, RuntimeError | MemoryError) and (
        isinstance(exc, MemoryError) or any(word in str(exc).lower() for word in OOM_WORDS)
    )


def out_of_memory_message(config: TrainConfig, hardware: HardwareInfo) -> str:
    where = "the GPU" if hardware.device == "cuda" else "the machine"
    return (
        f"Training ran out of memory on {where}. {memory_advice(config, hardware)} Then start the run again."
    )


def _download_progress(reporter: Reporter) -> Any:
    def report(done: float, total: float | None, message: str) -> None:
        reporter.progress(0, None, message)

    return report


def _outcome(
    inputs: TrainInputs,
    monitor: TrainingMonitor,
    masking: MaskingPlan,
    precision: str,
    packing: bool,
    trainer: Any,
    resume: Path | None,
    keep_model: bool,
) -> TrainOutcome:
    stopped = monitor.stopped_for
    unfinished = trainer.state.global_step < (trainer.state.max_steps or monitor.total_steps)
    if stopped is None and unfinished and monitor.reporter.should_stop():
        stopped = monitor.reporter.stop_mode or "cancel"
    status: Literal["finished", "stopped", "cancelled"] = (
        "finished" if stopped is None else ("stopped" if stopped == "stop" else "cancelled")
    )
    adapter_dir = None
    eval_loss = monitor.last_eval_loss
    if status == "finished":
        if trainer.is_world_process_zero():
            adapter_dir = save_adapter(trainer, inputs.adapter_dir)
        # Every rank takes this path: when it evaluates, evaluation is a collective and rank 0 alone would hang.
        eval_loss = final_validation_loss(trainer) if trainer.eval_dataset is not None else eval_loss
    names = [name for name, param in trainer.model.named_parameters() if param.requires_grad]
    return TrainOutcome(
        status=status,
        steps=int(trainer.state.global_step),
        total_steps=monitor.total_steps,
        first_loss=monitor.first_loss,
        final_loss=monitor.last_loss,
        eval_loss=eval_loss,
        tokens_per_second=monitor.tokens_per_second,
        train_seconds=monitor.train_seconds,
        resumed_from=_step_of(resume),
        adapter_dir=adapter_dir,
        masking=masking,
        precision=precision,
        device=inputs.hardware.device,
        engine=inputs.fast.engine,
        engine_reason=inputs.fast.reason,
        packing=packing,
        trainable_parameters=sum(p.numel() for p in trainer.model.parameters() if p.requires_grad),
        trainable_names=names,
        model=trainer.model if keep_model else None,
    )


def _step_of(checkpoint: Path | None) -> int | None:
    return None if checkpoint is None else checkpoint_step(checkpoint)


def final_validation_loss(trainer: Any) -> float | None:
    """The saved weights' validation loss. The trainer evaluates at its last step whenever evaluation is on,
    so that figure is reused (a second pass cost seconds per run for the same number); only a run whose last
    step went unevaluated is evaluated here. The log history is the same on every rank, so ranks agree."""
    step = trainer.state.global_step
    for entry in reversed(trainer.state.log_history):
        if "eval_loss" in entry and entry.get("step") == step:
            return float(entry["eval_loss"])
    started = time.perf_counter()
    value = trainer.evaluate().get("eval_loss")
    log.info("final validation loss %.4f (%.1f s)", value or math.nan, time.perf_counter() - started)
    return None if value is None else float(value)


def save_adapter(trainer: Any, folder: Path, adapters: list[str] | None = None) -> Path:
    """safetensors + adapter_config.json, loadable by PeftModel.from_pretrained and vLLM's --lora-modules.

    `adapters` names the ones to save (preference tuning keeps a frozen reference copy that is not saved)."""
    import shutil

    staging = folder.with_name(f".{folder.name}-staging")
    shutil.rmtree(staging, ignore_errors=True)
    trainer.model.save_pretrained(str(staging), safe_serialization=True, selected_adapters=adapters)
    if folder.exists():
        shutil.rmtree(folder)
    staging.rename(folder)
    return folder
