"""Deploy: exports others can run (vLLM, Ollama, merged, OpenAI) and the parity check."""

from studio.tabs.deploy.handlers import build

__all__ = ["build"]
