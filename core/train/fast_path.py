"""unsloth only when proven: before a run trains with unsloth, one optimiser step runs with it on the run's
own data, in a scratch folder; any failure (import, NotImplementedError without a GPU, a CUDA or Triton
error, a loss that is not a number) falls back to plain peft with the reason.

    inputs.fast = prove_fast_path(inputs, folder, precision, tokenizer, train_rows, packing, masking)
    inputs.fast.engine, inputs.fast.reason   # "unsloth" only after a step that worked

`try_fast_path` (core/train/launch.py) only says unsloth imports; importing is not training, so "auto"
never means an untested path. The smoke model is thrown away and the run loads a fresh one, so the run's
first step is the same as it would be without the test. After a failed test unsloth's patches stay in
this process (they cannot be undone); plain peft is what the CPU and multi-GPU paths use under them too.
"""

from __future__ import annotations

import gc
import logging
import math
import shutil
from pathlib import Path
from typing import Any

from core.train.chat_format import MaskingPlan
from core.train.components import TrainInputs, build_trainer, load_model
from core.train.launch import FastPath

log = logging.getLogger(__name__)

SMOKE_DIR = ".unsloth-smoke"


def prove_fast_path(
    inputs: TrainInputs,
    folder: Path,
    precision: str,
    tokenizer: Any,
    train_rows: Any,
    packing: bool,
    masking: MaskingPlan,
) -> FastPath:
    """The engine to train with: unsloth if one step with it worked here, else peft with the reason."""
    if inputs.fast.engine != "unsloth":
        return inputs.fast
    scratch = inputs.run.path / SMOKE_DIR
    try:
        loss = smoke_step(inputs, folder, precision, tokenizer, train_rows, packing, masking, scratch)
    except BaseException as exc:  # anything at all means "not proven here"; Ctrl-C still ends the run
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        reason = (
            f"unsloth failed its one-step test ({type(exc).__name__}: {str(exc)[:200]}); "
            "training with plain peft."
        )
        log.warning("%s", reason)
        return FastPath("peft", reason)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        _free_memory()
    reason = f"unsloth passed its one-step test (loss {loss:.3f}): training with its fused kernels."
    log.info("%s", reason)
    return FastPath("unsloth", reason)


def smoke_step(
    inputs: TrainInputs,
    folder: Path,
    precision: str,
    tokenizer: Any,
    train_rows: Any,
    packing: bool,
    masking: MaskingPlan,
    scratch: Path,
) -> float:
    """One optimiser step with unsloth on the first batch of the run's data; returns its loss."""
    from dataclasses import replace

    config = inputs.config.model_copy(update={"max_steps": 1, "logging_steps": 1, "epochs": 1})
    smoke = replace(inputs, config=config)
    rows = config.batch_size * config.gradient_accumulation
    batch = train_rows.select(range(min(rows, len(train_rows))))
    model, peft_config = load_model(smoke, folder, precision)
    trainer = build_trainer(smoke, model, tokenizer, (batch, None), peft_config, precision, packing, masking)
    # Nothing of the test may look like the run's checkpoints: its own folder, and no saving at all.
    trainer.args.output_dir = str(scratch)
    trainer.args.save_strategy = "no"
    # The trainer hides a NaN loss behind earlier ones by default; here a NaN is exactly what to catch.
    trainer.args.logging_nan_inf_filter = False
    _quiet(trainer)
    loss = float(trainer.train().training_loss)
    logged = [entry for entry in trainer.state.log_history if "grad_norm" in entry]
    grad_norm = float(logged[-1]["grad_norm"]) if logged else 0.0
    if not math.isfinite(loss) or not math.isfinite(grad_norm):
        raise FloatingPointError(f"the test step's loss is {loss} and its gradient norm {grad_norm}")
    return loss


def _quiet(trainer: Any) -> None:
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)


def _free_memory() -> None:
    """The test model's GPU memory goes back before the run loads its own."""
    gc.collect()
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
