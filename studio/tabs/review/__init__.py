"""Review: the table of examples to read, edit, accept, reject and tag; validation, split and export."""

from studio.tabs.review.handlers import build

__all__ = ["build"]
