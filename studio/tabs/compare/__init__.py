"""Compare: the same student message to base, prompted and adapter side by side; blind votes and ratings."""

from studio.tabs.compare.handlers import build

__all__ = ["build"]
