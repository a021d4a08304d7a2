"""Tests against a real vLLM server (marker `serve`): run by `make serve-test` in its own .venv-serve."""
