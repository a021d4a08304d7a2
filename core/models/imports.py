"""Import transformers, torch and peft under one process-wide lock, the first time each piece is needed.

    ensure_model_imports()        # before AutoTokenizer / AutoModelForCausalLM / PeftModel
    ensure_template_imports()     # before transformers.utils.chat_template_utils (no torch)

The studio answers each click on its own thread. When two threads import transformers' lazy submodules
at the same moment (Compare loading the model while another tab counts tokens), Python's import
deadlock avoidance can hand one of them a half-initialised module, and the click fails with "cannot
import name 'AutoTokenizer' from 'transformers'". Taking the imports one at a time removes the race;
after the first call each function is a flag check. The first model import also fixes torch's CPU
thread count for the process (core/models/threads.py).
"""

from __future__ import annotations

import threading

from core.models.threads import apply_torch_threads

_LOCK = threading.RLock()
_loaded: set[str] = set()


def ensure_template_imports() -> None:
    """transformers' chat-template renderer (imports transformers, not torch)."""
    if "template" in _loaded:
        return
    with _LOCK:
        import transformers.utils.chat_template_utils  # noqa: F401

        _loaded.add("template")


def ensure_model_imports() -> None:
    """torch, the transformers classes the studio uses, and peft, resolved fully before anyone uses them."""
    if "model" in _loaded:
        return
    with _LOCK:
        if "model" in _loaded:
            return
        ensure_template_imports()
        import torch  # noqa: F401
        import transformers

        for name in (  # lazy attributes: touching them imports their submodules, here, under the lock
            "AutoTokenizer",
            "AutoModelForCausalLM",
            "PreTrainedModel",
            "PreTrainedTokenizerBase",
            "StoppingCriteria",
            "StoppingCriteriaList",
        ):
            getattr(transformers, name)
        import peft  # noqa: F401

        apply_torch_threads()
        _loaded.add("model")
