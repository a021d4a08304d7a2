"""Train stage: LoRA adapters (SFT, then DPO/ORPO) from a frozen dataset version, run as jobs."""
