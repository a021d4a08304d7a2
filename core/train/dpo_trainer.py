"""Preference-tune a supervised adapter with TRL's DPOTrainer (or ORPOTrainer); heavy libraries load lazily.

    outcome = train_preference_adapter(PreferenceInputs(train_inputs, parent_adapter), reporter=ctx)
    outcome.status, outcome.adapter_dir, outcome.summary()     # reward margins before and after

The policy is the parent (SFT) adapter itself, loaded trainable onto the base model. For DPO the reference
is TRL's frozen copy of that adapter ("ref") inside the same PeftModel: one copy of the base weights, with
the reference pass switching adapters instead of loading a second model. ORPO needs no reference. Only
the policy adapter is saved. Checkpoints, stop/resume/cancel, progress and live metrics are the SFT
machinery's (core/train/sft_trainer.py, callbacks.py, checkpoints.py), with the reward metrics added.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core.models.download import ensure_base_local
from core.train.callbacks import Reporter, TrainingMonitor, trainer_callback
from core.train.components import (
    TrainInputs,
    load_model,
    load_training_tokenizer,
    param_count,
)
from core.train.dpo_config import PreferenceConfig
from core.train.estimate import count_steps, resolve_precision
from core.train.pairs_data import read_pairs
from core.train.records import Adapter
from core.train.sft_config import TrainingError
from core.train.sft_trainer import (
    out_of_memory_explained,
    quiet_progress_bars,
    replace_printer,
    resume_checkpoint,
    save_adapter,
)

log = logging.getLogger(__name__)

POLICY = "default"  # peft's name for the loaded adapter; TRL names the frozen reference copy "ref"
REWARD_METRICS = {
    "rewards/margins": "reward_margin",
    "rewards/chosen": "reward_chosen",
    "rewards/rejected": "reward_rejected",
    "rewards/accuracies": "reward_accuracy",
}


@dataclass
class PreferenceInputs:
    train: TrainInputs  # run, config (a PreferenceConfig), the preference dataset, base model, hardware
    parent: Adapter  # the supervised adapter the policy starts from

    @property
    def config(self) -> PreferenceConfig:
        assert isinstance(self.train.config, PreferenceConfig)
        return self.train.config


@dataclass
class PreferenceOutcome:
    status: Literal["finished", "stopped", "cancelled"]
    method: str
    steps: int
    total_steps: int
    first_loss: float | None
    final_loss: float | None
    first_margin: float | None
    final_margin: float | None
    final_accuracy: float | None
    held_out: dict[str, float]  # reward margin and accuracy on the test pairs, measured after training
    tokens_per_second: float | None
    train_seconds: float
    resumed_from: int | None
    adapter_dir: Path | None
    precision: str
    device: str
    chat_template: str
    trainable_parameters: int
    trainable_names: list[str]
    model: Any = None  # the trained PeftModel, kept only when asked (tests)

    def summary(self) -> dict[str, Any]:
        """What the run row and the model card keep (JSON)."""
        return {
            "method": self.method,
            "steps": self.steps,
            "total_steps": self.total_steps,
            "first_loss": self.first_loss,
            "final_loss": self.final_loss,
            "first_reward_margin": self.first_margin,
            "reward_margin": self.final_margin,
            "reward_accuracy": self.final_accuracy,
            **{f"test_{name}": value for name, value in self.held_out.items()},
            "tokens_per_second": None if self.tokens_per_second is None else round(self.tokens_per_second, 1),
            "train_seconds": round(self.train_seconds, 1),
            "resumed_from": self.resumed_from,
            "precision": self.precision,
            "device": self.device,
            "engine": "peft",
            "trainable_parameters": self.trainable_parameters,
        }


def train_preference_adapter(
    inputs: PreferenceInputs, reporter: Reporter, *, keep_model: bool = False
) -> PreferenceOutcome:
    """Run (or resume) the preference tuning of `inputs.train.run` to its end, a stop, or a cancel."""
    train = inputs.train
    folder = ensure_base_local(train.resolved)
    quiet_progress_bars()
    with out_of_memory_explained(train):
        tokenizer = load_training_tokenizer(folder)
        rows = preference_datasets(train)
        precision = resolve_precision(train.config, train.hardware, param_count(folder))
        model = load_policy(inputs, folder, precision)
        steps = count_steps(train.config, len(rows[0]))
        monitor = TrainingMonitor(reporter, steps, train.checkpoints, extra_metrics=REWARD_METRICS)
        trainer = build_preference_trainer(inputs, model, tokenizer, rows, precision)
        trainer.add_callback(trainer_callback(monitor))
        replace_printer(trainer)
        resume = resume_checkpoint(train.checkpoints)
        if not reporter.should_stop():  # a stop may have come while the model was loading
            trainer.train(resume_from_checkpoint=str(resume) if resume else None)
        return _outcome(inputs, monitor, trainer, rows, precision, resume, tokenizer, keep_model)


def preference_datasets(train: TrainInputs) -> tuple[Any, Any, Any]:
    """HF datasets of the train, validation and test pairs (None for an empty split)."""
    from datasets import Dataset as HFDataset

    def build(split: Any) -> Any:
        records = read_pairs(train.dataset, split)
        return HFDataset.from_list(records) if records else None

    rows = (build("train"), build("validation"), build("test"))
    if rows[0] is None:
        raise TrainingError(
            f"{train.dataset.id} has no training pairs. Build a preference dataset with more pairs."
        )
    return rows


def load_policy(inputs: PreferenceInputs, folder: Path, precision: str) -> Any:
    """The base model with the parent adapter loaded trainable under peft's default name."""
    from peft import PeftModel

    base, _new_lora = load_model(inputs.train, folder, precision)  # plain peft path (QLoRA when asked)
    adapter = Path(inputs.parent.path)
    if not (adapter / "adapter_model.safetensors").is_file():
        raise TrainingError(f"{adapter} has no adapter_model.safetensors; the studio loads only safetensors.")
    return PeftModel.from_pretrained(base, str(adapter), adapter_name=POLICY, is_trainable=True)


def build_preference_trainer(
    inputs: PreferenceInputs, model: Any, tokenizer: Any, rows: tuple[Any, Any, Any], precision: str
) -> Any:
    train_rows, eval_rows, _test = rows
    args = preference_arguments(inputs, precision, has_eval=eval_rows is not None)
    if inputs.config.method == "orpo":
        from trl.experimental.orpo import ORPOTrainer

        trainer_class: Any = ORPOTrainer
    else:
        from trl import DPOTrainer

        trainer_class = DPOTrainer
    return trainer_class(
        model=model, args=args, train_dataset=train_rows, eval_dataset=eval_rows, processing_class=tokenizer
    )


def preference_arguments(inputs: PreferenceInputs, precision: str, *, has_eval: bool) -> Any:
    config, cuda = inputs.config, inputs.train.hardware.device == "cuda"
    common: dict[str, Any] = {
        "output_dir": str(inputs.train.checkpoints),
        "max_steps": config.max_steps or -1,
        "num_train_epochs": config.epochs,
        "per_device_train_batch_size": config.batch_size,
        "per_device_eval_batch_size": config.batch_size,
        "gradient_accumulation_steps": config.gradient_accumulation,
        "learning_rate": config.learning_rate,
        "lr_scheduler_type": config.lr_scheduler,
        "warmup_steps": config.warmup_ratio,
        "weight_decay": config.weight_decay,
        "seed": config.seed,
        "data_seed": config.seed,
        "logging_steps": config.logging_steps,
        "logging_first_step": True,
        "save_strategy": "steps",
        "save_steps": config.save_steps,
        "save_total_limit": None,  # pruning waits for the completion marker (core/train/checkpoints.py)
        "eval_strategy": "steps" if has_eval else "no",
        "eval_steps": config.effective_eval_steps,
        "bf16": precision == "bf16",
        "fp16": precision == "fp16",
        "use_cpu": not cuda,
        "activation_checkpointing": config.gradient_checkpointing,
        "max_length": config.max_seq_length,
        "beta": config.beta,
        "report_to": [],
        "disable_tqdm": True,
        "dataloader_num_workers": 0,
        "include_num_input_tokens_seen": "non_padding",
    }
    if config.method == "orpo":
        from trl.experimental.orpo import ORPOConfig

        return ORPOConfig(**common)
    from trl import DPOConfig

    return DPOConfig(**common)


def _outcome(
    inputs: PreferenceInputs,
    monitor: TrainingMonitor,
    trainer: Any,
    rows: tuple[Any, Any, Any],
    precision: str,
    resume: Path | None,
    tokenizer: Any,
    keep_model: bool,
) -> PreferenceOutcome:
    stopped = monitor.stopped_for
    unfinished = trainer.state.global_step < (trainer.state.max_steps or monitor.total_steps)
    if stopped is None and unfinished and monitor.reporter.should_stop():
        stopped = monitor.reporter.stop_mode or "cancel"
    status: Literal["finished", "stopped", "cancelled"] = (
        "finished" if stopped is None else ("stopped" if stopped == "stop" else "cancelled")
    )
    adapter_dir, held_out = None, {}
    if status == "finished":
        adapter_dir = save_adapter(trainer, inputs.train.adapter_dir, adapters=[POLICY])
        held_out = held_out_rewards(trainer, rows[2])
    margins = [r["reward_margin"] for r in trainer_records(trainer) if "reward_margin" in r]
    accuracies = [r["reward_accuracy"] for r in trainer_records(trainer) if "reward_accuracy" in r]
    names = [name for name, param in trainer.model.named_parameters() if param.requires_grad]
    return PreferenceOutcome(
        status=status,
        method=inputs.config.method,
        steps=int(trainer.state.global_step),
        total_steps=monitor.total_steps,
        first_loss=monitor.first_loss,
        final_loss=monitor.last_loss,
        first_margin=margins[0] if margins else None,
        final_margin=margins[-1] if margins else None,
        final_accuracy=accuracies[-1] if accuracies else None,
        held_out=held_out,
        tokens_per_second=monitor.tokens_per_second,
        train_seconds=monitor.train_seconds,
        resumed_from=None if resume is None else int(resume.name.split("-")[-1]),
        adapter_dir=adapter_dir,
        precision=precision,
        device=inputs.train.hardware.device,
        chat_template=str(getattr(tokenizer, "chat_template", "") or ""),
        trainable_parameters=sum(p.numel() for p in trainer.model.parameters() if p.requires_grad),
        trainable_names=names,
        model=trainer.model if keep_model else None,
    )


def trainer_records(trainer: Any) -> list[dict[str, float]]:
    """The trainer's training logs with the reward metrics under the studio's names."""
    records = []
    for logs in trainer.state.log_history:
        if "loss" in logs:
            records.append({name: float(logs[key]) for key, name in REWARD_METRICS.items() if key in logs})
    return records


def held_out_rewards(trainer: Any, test_rows: Any) -> dict[str, float]:
    """Reward margin and accuracy on the test pairs (never trained on), measured once at the end."""
    if test_rows is None:
        return {}
    metrics = trainer.evaluate(eval_dataset=prepared(trainer, test_rows), metric_key_prefix="test")
    # The reward metrics join the evaluation's logs under "eval_" whatever the prefix asked for.
    found = {
        name: metrics.get(f"test_{key}", metrics.get(f"eval_{key}")) for key, name in REWARD_METRICS.items()
    }
    log.info("held-out pairs: %s", found)
    return {name: round(float(value), 4) for name, value in found.items() if value is not None}


def prepared(trainer: Any, rows: Any) -> Any:
    """Pairs as this trainer evaluates them: DPOTrainer tokenizes a dataset passed to evaluate() itself,
    ORPOTrainer only the ones it was built with, so those get its own preprocessing here."""
    if not hasattr(trainer, "tokenize_row"):
        return rows
    from trl.data_utils import maybe_apply_chat_template, maybe_extract_prompt

    rows = rows.map(maybe_extract_prompt).map(
        maybe_apply_chat_template, fn_kwargs={"processing_class": trainer.processing_class}
    )
    return rows.map(trainer.tokenize_row)
