"""The studio tabs, one package per pipeline stage: layout.py, handlers.py, display.py."""
