"""Load a resolved base model and its tokenizer (torch and transformers are imported lazily).

    from core.models.loading import load_causal_lm, load_tokenizer, render_prompt
    tokenizer = load_tokenizer(resolved)
    model = load_causal_lm(resolved, device="auto", dtype="auto")
    prompt = render_prompt(tokenizer, [{"role": "user", "content": "Hi"}])

Weights load from safetensors only and never with trust_remote_code. A hub base that is not cached yet
is downloaded first (see core/models/download.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from core.models.bundled import BundledModelError
from core.models.download import DownloadError, ProgressCallback, ensure_base_local
from core.models.hardware import describe_hardware
from core.models.imports import ensure_model_imports
from core.models.spec import ResolvedBase

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

log = logging.getLogger(__name__)

DeviceChoice = Literal["auto", "cpu", "cuda"]
DtypeChoice = Literal["auto", "bf16", "fp16", "fp32"]
Messages = Sequence[Mapping[str, str]]
# Below this many parameters bf16 saves nothing worth the lost precision on CPU.
CPU_BF16_MIN_PARAMS = 50_000_000


class ModelLoadError(RuntimeError):
    """A model or tokenizer could not be loaded; the message says what to do."""


def pick_device(prefer: DeviceChoice = "auto") -> str:
    """The device to run on: CUDA when asked for or available to this torch build, else the CPU."""
    import torch

    if prefer == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError("A GPU was requested but this PyTorch build sees no CUDA device; use the CPU.")
    if prefer == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return prefer


def choose_dtype(device: str, prefer: DtypeChoice = "auto", *, n_params: int | None = None) -> torch.dtype:
    """bf16 on CUDA (fp16 on GPUs without bf16) and on bf16-capable CPUs for models where it pays; else fp32."""
    import torch

    explicit = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}
    if prefer != "auto":
        return explicit[prefer]
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    big_enough = n_params is None or n_params >= CPU_BF16_MIN_PARAMS
    return torch.bfloat16 if describe_hardware().cpu_bf16 and big_enough else torch.float32


def estimate_parameters(folder: Path) -> int | None:
    """A rough parameter count from config.json (decoder-only transformer), None when unreadable."""
    try:
        config = json.loads((folder / "config.json").read_text())
        hidden, layers = int(config["hidden_size"]), int(config["num_hidden_layers"])
        vocab = int(config["vocab_size"])
        inner = int(config.get("intermediate_size") or 4 * hidden)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return layers * (4 * hidden * hidden + 3 * hidden * inner) + vocab * hidden


def load_tokenizer(
    resolved: ResolvedBase, progress: ProgressCallback | None = None
) -> PreTrainedTokenizerBase:
    """The base model's own tokenizer (and chat template), with a pad token set."""
    ensure_model_imports()
    from transformers import AutoTokenizer

    folder = local_folder(resolved, progress)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=False)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(
            f"Couldn't load the tokenizer of {resolved.display_name} from {folder}: {exc}"
        ) from exc
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(
    resolved: ResolvedBase,
    device: DeviceChoice | str = "auto",
    dtype: DtypeChoice = "auto",
    progress: ProgressCallback | None = None,
) -> PreTrainedModel:
    """The base model in eval mode on `device`, loaded from safetensors without remote code."""
    ensure_model_imports()
    from transformers import AutoModelForCausalLM

    folder = local_folder(resolved, progress)
    target = pick_device(device) if device in ("auto", "cpu", "cuda") else device  # type: ignore[arg-type]
    torch_dtype = choose_dtype(target, dtype, n_params=estimate_parameters(folder))
    try:
        model: Any = AutoModelForCausalLM.from_pretrained(
            str(folder), dtype=torch_dtype, use_safetensors=True, trust_remote_code=False
        )
    except (OSError, ValueError) as exc:
        raise ModelLoadError(
            f"Couldn't load {resolved.display_name} from {folder}: {exc}. The studio loads only models with "
            "safetensors weights that transformers supports without remote code."
        ) from exc
    model.to(target)
    model.eval()
    log.info("loaded %s on %s as %s", resolved.display_name, target, torch_dtype)
    return model


def local_folder(resolved: ResolvedBase, progress: ProgressCallback | None = None) -> Path:
    """The base's folder on disk (built, unpacked or downloaded first); failures read as ModelLoadError."""
    try:
        return ensure_base_local(resolved, progress)
    except (BundledModelError, DownloadError) as exc:
        raise ModelLoadError(str(exc)) from exc


def render_prompt(tokenizer: Any, messages: Messages, add_generation_prompt: bool = True) -> str:
    """The conversation as the model sees it, rendered with the model's own chat template."""
    if not getattr(tokenizer, "chat_template", None):
        raise ModelLoadError(
            "This model has no chat template, so it cannot hold a conversation; choose an instruct model."
        )
    return str(
        tokenizer.apply_chat_template(
            [dict(m) for m in messages], tokenize=False, add_generation_prompt=add_generation_prompt
        )
    )


def count_tokens(tokenizer: Any, content: str | Messages, *, add_generation_prompt: bool = False) -> int:
    """Tokens in a text, or in a conversation rendered with the chat template."""
    text = content if isinstance(content, str) else render_prompt(tokenizer, content, add_generation_prompt)
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])
