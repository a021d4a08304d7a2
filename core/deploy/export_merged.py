"""The merged export: base + adapter folded into one model (peft's merge_and_unload), in safetensors with
the tokenizer and the chat template, loadable by `AutoModelForCausalLM.from_pretrained(folder)`.

    write_merged_model(subject, folder / "model", progress)   # config.json, model.safetensors, tokenizer, template

The merge runs in float32 (adding the low-rank update to bf16 weights directly would round it away), then
the weights are saved in the base model's own precision. A preference-tuned adapter is merged as trained:
its weights already start from the SFT adapter, so only it is folded in. torch, transformers and peft load
lazily; this loads the whole model, so it runs as a background job on the GPU queue.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.deploy.subject import ExportError, ExportSubject
from core.models.download import ensure_base_local

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
TEMPLATE_FILE = "chat_template.jinja"


def write_merged_model(
    subject: ExportSubject, folder: Path, progress: Progress | None = None
) -> dict[str, str]:
    """Merge and save; returns how to load it."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    say = progress or (lambda _message: None)
    if not subject.base_available:
        raise ExportError(
            f"The base model {subject.adapter.base_model} is not on this machine and cannot be downloaded now "
            f"({subject.base.reason}). Connect to the internet once, then export again."
        )
    base_dir = ensure_base_local(subject.base)
    say(f"Loading {subject.served_base} in float32 to merge the adapter")
    model = AutoModelForCausalLM.from_pretrained(
        str(base_dir), dtype=torch.float32, use_safetensors=True, trust_remote_code=False
    )
    saved_dtype = published_dtype(base_dir)
    say(f"Folding in {subject.adapter.id}")
    merged = PeftModel.from_pretrained(model, subject.adapter.path, is_trainable=False).merge_and_unload()
    merged = merged.to(saved_dtype)
    folder.mkdir(parents=True, exist_ok=True)
    say(f"Saving the merged model ({str(saved_dtype).removeprefix('torch.')}) as safetensors")
    merged.save_pretrained(str(folder), safe_serialization=True)
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir), trust_remote_code=False)
    tokenizer.chat_template = subject.chat_template  # the template training used, not whatever the base ships
    tokenizer.save_pretrained(str(folder))
    (folder / TEMPLATE_FILE).write_text(subject.chat_template, encoding="utf-8")
    return {"load": f'AutoModelForCausalLM.from_pretrained("{folder.name}")'}


def published_dtype(base_dir: Path) -> Any:
    """The precision the base was published in (its config.json), float32 when it says nothing."""
    import torch

    try:
        config = json.loads((base_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return torch.float32
    wanted = getattr(torch, str(config.get("dtype") or config.get("torch_dtype") or "float32"), None)
    return wanted if isinstance(wanted, torch.dtype) else torch.float32
