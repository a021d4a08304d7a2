"""Train: LoRA runs (supervised, then preference tuning) with live loss, stop, resume and cancel."""

from studio.tabs.train.handlers import build

__all__ = ["build"]
