"""Generate: a teacher model writes tutor conversations from the chunks; the run's progress and quality."""

from studio.tabs.generate.handlers import build

__all__ = ["build"]
