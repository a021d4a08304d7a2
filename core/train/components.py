"""The trainer's parts: the run's inputs, the base model with LoRA (peft, unsloth or QLoRA), the tokenizer,
the datasets and TRL's SFTConfig. torch, transformers, trl, peft and unsloth load lazily.

    model, peft_config = load_model(inputs, folder, "bf16")
    trainer = build_trainer(inputs, model, tokenizer, (train, validation), peft_config, "bf16", False, masking)
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.models.hardware import HardwareInfo, describe_hardware
from core.models.spec import ResolvedBase
from core.paths import Workspace
from core.review.records import Dataset
from core.train.chat_format import MaskingPlan, tokenize_conversations
from core.train.data import Conversation, read_split, with_opening_practice
from core.train.estimate import LINEAR_NAMES, ModelShape
from core.train.launch import FastPath
from core.train.records import Run
from core.train.sft_config import TrainConfig, TrainingError

ADAPTER_DIR = "adapter"
CHECKPOINTS_DIR = "checkpoints"


@dataclass
class TrainInputs:
    workspace: Workspace
    run: Run
    config: TrainConfig
    dataset: Dataset
    resolved: ResolvedBase
    hardware: HardwareInfo = field(default_factory=describe_hardware)
    fast: FastPath = field(default_factory=lambda: FastPath("peft", "not tried"))

    @property
    def checkpoints(self) -> Path:
        return self.run.path / CHECKPOINTS_DIR

    @property
    def adapter_dir(self) -> Path:
        return self.run.path / ADAPTER_DIR


def load_training_tokenizer(folder: Path) -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=False)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def training_datasets(inputs: TrainInputs, tokenizer: Any, masking: MaskingPlan) -> tuple[Any, Any]:
    """HF datasets for the trainer: conversations (TRL masks them) or pre-labelled token rows (studio-spans)."""
    from datasets import Dataset as HFDataset

    def build(conversations: list[Conversation]) -> Any:
        if not conversations:
            return None
        if masking.strategy == "studio-spans":
            rows = tokenize_conversations(
                tokenizer, conversations, masking.template, inputs.config.max_seq_length
            )
            return HFDataset.from_list(rows) if rows else None
        return HFDataset.from_list([{"messages": c} for c in conversations])

    train = build(with_opening_practice(read_split(inputs.dataset, "train"), inputs.config.opening_practice))
    if train is None:
        raise TrainingError(
            f"Dataset {inputs.dataset.id} has no training conversation that fits in {inputs.config.max_seq_length} "
            "tokens. Raise the max sequence length or build a dataset version with more accepted examples."
        )
    return train, build(read_split(inputs.dataset, "validation"))


def param_count(folder: Path) -> int | None:
    try:
        return ModelShape.from_folder(folder).total_params
    except (OSError, ValueError, KeyError, TypeError):
        return None


def torch_dtype(precision: str) -> Any:
    import torch

    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision, torch.float32)


def lora_config(config: TrainConfig) -> Any:
    from peft import LoraConfig

    targets: Any = "all-linear" if config.all_linear else list(config.target_modules)
    return LoraConfig(
        r=config.lora_rank,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=targets,
        bias="none",
        task_type="CAUSAL_LM",
    )


def load_model(inputs: TrainInputs, folder: Path, precision: str) -> tuple[Any, Any]:
    """The base model ready for LoRA: (model, peft config for the trainer, or None when already wrapped)."""
    if inputs.fast.engine == "unsloth":
        return _load_unsloth(inputs, folder, precision), None
    from transformers import AutoModelForCausalLM

    kwargs: dict[str, Any] = {
        "dtype": torch_dtype(precision),
        "use_safetensors": True,
        "trust_remote_code": False,
    }
    kwargs["attn_implementation"] = attention_implementation(inputs.hardware)
    if inputs.config.qlora:
        kwargs["quantization_config"] = _bnb_config()
    model = AutoModelForCausalLM.from_pretrained(str(folder), **kwargs)
    if inputs.config.qlora:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, inputs.config.gradient_checkpointing)
    return model, lora_config(inputs.config)


def attention_implementation(hardware: HardwareInfo) -> str:
    """FlashAttention 2 where it is installed (CUDA), so packed batches need no mask; sdpa otherwise."""
    if hardware.device == "cuda" and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa"


def _bnb_config() -> Any:
    import torch
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )


def _load_unsloth(inputs: TrainInputs, folder: Path, precision: str) -> Any:
    from unsloth import FastLanguageModel

    config = inputs.config
    model, _tokenizer = FastLanguageModel.from_pretrained(
        model_name=str(folder),
        max_seq_length=config.max_seq_length,
        dtype=torch_dtype(precision),
        load_in_4bit=config.qlora,
    )
    targets = list(LINEAR_NAMES) if config.all_linear else list(config.target_modules)
    return FastLanguageModel.get_peft_model(
        model,
        r=config.lora_rank,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=targets,
        bias="none",
        use_gradient_checkpointing="unsloth" if config.gradient_checkpointing else False,
        random_state=config.seed,
    )


def build_trainer(
    inputs: TrainInputs,
    model: Any,
    tokenizer: Any,
    data: tuple[Any, Any],
    peft_config: Any,
    precision: str,
    packing: bool,
    masking: MaskingPlan,
) -> Any:
    from trl import SFTTrainer

    train_rows, eval_rows = data
    return SFTTrainer(
        model=model,
        args=sft_arguments(inputs, precision, packing, masking, has_eval=eval_rows is not None),
        train_dataset=train_rows,
        eval_dataset=eval_rows,
        processing_class=tokenizer,
        peft_config=peft_config,
    )


def sft_arguments(
    inputs: TrainInputs, precision: str, packing: bool, masking: MaskingPlan, *, has_eval: bool
) -> Any:
    from trl import SFTConfig

    config, cuda = inputs.config, inputs.hardware.device == "cuda"
    return SFTConfig(
        output_dir=str(inputs.checkpoints),
        max_steps=config.max_steps or -1,
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.gradient_accumulation,
        learning_rate=config.learning_rate,
        lr_scheduler_type=config.lr_scheduler,
        warmup_steps=config.warmup_ratio,
        weight_decay=config.weight_decay,
        seed=config.seed,
        data_seed=config.seed,
        logging_steps=config.logging_steps,
        logging_first_step=True,  # a first loss even for runs shorter than one logging interval
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=None,  # pruning waits for the completion marker (core/train/checkpoints.py)
        eval_strategy="steps" if has_eval else "no",
        eval_steps=config.effective_eval_steps,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=not cuda,
        activation_checkpointing=config.gradient_checkpointing,
        max_length=config.max_seq_length,
        packing=packing,
        padding_free=packing,
        assistant_only_loss=masking.assistant_only_loss,
        use_liger_kernel=cuda and importlib.util.find_spec("liger_kernel") is not None,
        include_num_input_tokens_seen="non_padding",
        report_to=[],
        disable_tqdm=True,
        dataloader_num_workers=0,
        dataset_num_proc=None,
        train_sampling_strategy="random" if packing else "group_by_length",
    )
