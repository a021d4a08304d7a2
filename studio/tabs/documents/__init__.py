"""Documents: upload course files, follow their conversion, read and edit the chunks."""

from studio.tabs.documents.handlers import build

__all__ = ["build"]
