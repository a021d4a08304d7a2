"""Evaluate: base vs prompted vs adapter on held-out data, with intervals and a ship/hold verdict."""

from studio.tabs.evaluate.handlers import build

__all__ = ["build"]
