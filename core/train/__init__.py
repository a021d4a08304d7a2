"""Train stage: LoRA adapters from a frozen dataset version, run as background jobs that survive anything.

- config.py        TrainConfig (presets, YAML round-trip, checks that name the field and the fix)
- planning.py      plan_training(): dataset + base model + memory/time estimate (estimate.py) + refusal
- runs.py          start / resume / stop / cancel a run (a folder, a row, one job per start or resume)
- job.py           the job target: unsloth first, accelerate workers (worker.py) on several GPUs, the outcome
- trainer.py       train_adapter(): TRL SFTTrainer + peft, checkpoints (checkpoints.py), OOM messages
- components.py    the model with LoRA, tokenizer, datasets and SFTConfig; chat_format.py masks the loss
- callbacks.py     live metrics, progress and stop requests from inside the trainer
- card.py          the model card (card.json + model_card.md), update_card_evaluation() for Evaluate
- status.py        what the Train tab polls; records.py the runs and adapters tables
"""
