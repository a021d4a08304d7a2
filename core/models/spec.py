"""Which model to run: variants (base | prompted | adapter) and where a base model comes from.

    from core.models.spec import comparison_variants, configured_base_model, resolve_base
    resolved = resolve_base(configured_base_model(store), workspace)
    if resolved.is_fallback:
        show(resolved.reason)        # "Couldn't load ... so the studio is using ... `tiny`."
    header = base_summary(resolved, hardware)   # "SmolLM2-135M-Instruct · bundled copy (from 4-bit) · CPU"
    variants = comparison_variants(resolved.requested, system_prompt=PROMPT, adapter=adapter_dir)

The CPU default is SmolLM2-135M-Instruct: the hub's weights when they are cached or the hub answers,
otherwise the copy bundled with the studio (core/models/bundled.py), so a machine that never reaches
the hub still runs a real pretrained model. `tiny` (random weights) is only ever used when asked for by
name, or as a fallback, with a reason, for a model the user named that cannot be found.

Torch-free and fast: nothing here downloads or loads weights (see core/models/download.py and
core/models/loading.py for that).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from core.models.bundled import (
    BUNDLED_DISPLAY,
    BUNDLED_MODEL,
    BUNDLED_NAME,
    BUNDLED_REPO_ID,
    BUNDLED_REVISION,
    bundled_folder,
    bundled_problem,
    read_marker,
)
from core.models.hardware import HardwareInfo, describe_hardware
from core.models.tiny import TINY_NAME, TINY_RECIPE_VERSION
from core.paths import Workspace, safe_name

if TYPE_CHECKING:
    from core.store import Store

log = logging.getLogger(__name__)

CPU_DEFAULT_BASE = BUNDLED_REPO_ID
GPU_DEFAULT_BASE = "Qwen/Qwen2.5-0.5B-Instruct"
BASE_MODEL_SETTING = "base_model"
BASE_MODEL_ENV = "STUDIO_BASE_MODEL"
HUB_TIMEOUT_S = 3.0
TRUTHY = {"1", "true", "yes", "on"}
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")

BaseKind = Literal["tiny", "bundled", "local", "cache", "hub"]


@dataclass(frozen=True)
class ModelSpec:
    """What to run: a base, an optional system prompt, an optional LoRA adapter. Pure data."""

    base: str | None = None  # hub id | local folder | "tiny"; None means "the backend's base model"
    system_prompt: str | None = None
    adapter: str | None = None  # an adapter folder (adapter_config.json + adapter_model.safetensors)
    adapter_name: str | None = None  # the adapter's name in a backend (vLLM's --lora-modules NAME)

    def __post_init__(self) -> None:
        if self.system_prompt is not None and not self.system_prompt.strip():
            raise ValueError("The system prompt is empty: leave it out instead (None).")
        if self.adapter_name is not None and not self.adapter_name.strip():
            raise ValueError("The adapter name is empty: give a name or leave it out.")

    @property
    def adapter_key(self) -> str | None:
        """The adapter's name in a backend: `adapter_name`, else the adapter folder's name."""
        if self.adapter_name:
            return self.adapter_name
        return safe_name(Path(self.adapter).name) if self.adapter else None


@dataclass(frozen=True)
class Variant:
    """A named spec, e.g. the Compare tab's columns "base", "prompted" and "adapter"."""

    name: str
    spec: ModelSpec


def comparison_variants(
    base: str | None, system_prompt: str | None, adapter: str | None, adapter_name: str | None = None
) -> list[Variant]:
    """The three columns the studio compares: the bare base, base + system prompt, base + adapter."""
    variants = [Variant("base", ModelSpec(base=base))]
    if system_prompt:
        variants.append(Variant("prompted", ModelSpec(base=base, system_prompt=system_prompt)))
    if adapter or adapter_name:
        variants.append(Variant("adapter", ModelSpec(base=base, adapter=adapter, adapter_name=adapter_name)))
    return variants


def default_base_model() -> str:
    """The hardware's default base: SmolLM2-135M-Instruct on CPU (bundled offline), Qwen2.5-0.5B on a GPU."""
    return GPU_DEFAULT_BASE if describe_hardware().device == "cuda" else CPU_DEFAULT_BASE


def configured_base_model(store: Store | None = None) -> str:
    """The workspace setting `base_model`, else $STUDIO_BASE_MODEL, else the hardware default."""
    chosen = store.get_setting(BASE_MODEL_SETTING) if store is not None else None
    return str(chosen or os.environ.get(BASE_MODEL_ENV) or default_base_model())


def hub_offline() -> bool:
    """True when the environment forbids hub access (read at call time, not at import)."""
    return any(
        os.environ.get(v, "").strip().lower() in TRUTHY for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


@dataclass(frozen=True)
class ResolvedBase:
    """Where a base model will come from. `source` is a local folder, except for kind "hub" (a hub id)."""

    requested: str
    kind: BaseKind
    source: str
    display_name: str
    revision: str | None = None
    is_fallback: bool = False
    reason: str = ""
    cache_dir: str | None = None  # the hub cache a download goes to

    @property
    def needs_download(self) -> bool:
        return self.kind == "hub"


def resolve_base(name: str, workspace: Workspace, *, hub_timeout_s: float = HUB_TIMEOUT_S) -> ResolvedBase:
    """Find `name` (tiny, bundled, a local folder, the hub cache, the hub) or fall back to tiny with a reason.

    SmolLM2-135M-Instruct that is neither cached nor on a reachable hub resolves to the bundled copy.
    """
    name = name.strip()
    cache_dir = str(workspace.hf_home / "hub")
    if name == TINY_NAME:
        return _tiny(workspace, requested=name)
    if name == BUNDLED_NAME:
        return _bundled_or_fallback(name, workspace, "")
    folder = Path(name).expanduser()
    if folder.is_dir() or _looks_like_path(name):
        if (folder / "config.json").is_file():
            found = folder.resolve()
            display = BUNDLED_DISPLAY if read_marker(found) is not None else found.name
            return ResolvedBase(name, "local", str(found), display)
        return _fallback(name, workspace, f"the folder {folder} has no config.json")
    if not HUB_ID.match(name):
        return _fallback(name, workspace, "it is neither a folder nor a Hugging Face model id")
    snapshot = cached_snapshot(name, cache_dir)
    if snapshot is not None:
        return ResolvedBase(name, "cache", str(snapshot), name, revision=snapshot.name, cache_dir=cache_dir)
    if hub_offline():
        if name == GPU_DEFAULT_BASE:
            return _default_instead(name, workspace, "offline and not in the cache")
        return _bundled_or_fallback(name, workspace, "offline and not in the cache")
    resolved = _ask_hub(name, workspace, cache_dir, hub_timeout_s)
    if resolved.is_fallback and name == BUNDLED_REPO_ID:
        return _bundled_or_fallback(name, workspace, "the Hugging Face hub did not answer")
    if resolved.is_fallback and name == GPU_DEFAULT_BASE:
        return _default_instead(name, workspace, "the Hugging Face hub did not answer")
    return resolved


def base_summary(resolved: ResolvedBase, hardware: HardwareInfo | None = None) -> str:
    """The base model and where it runs, in one line for the header.

    "SmolLM2-135M-Instruct · bundled copy (from 4-bit) · CPU", "Qwen/Qwen2.5-0.5B-Instruct · from the hub · GPU".
    """
    where = {
        "tiny": "offline test model (random weights)",
        "cache": "downloaded",
        "hub": "downloads on first use",
    }.get(resolved.kind)
    label = f"{resolved.display_name} · {where}" if where else resolved.display_name
    device = (hardware or describe_hardware()).device
    return f"{label} · {'GPU' if device == 'cuda' else 'CPU'}"


def cached_snapshot(repo_id: str, cache_dir: str) -> Path | None:
    """The cached snapshot folder of `repo_id` when it holds a config and safetensors weights."""
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(repo_id, "config.json", cache_dir=cache_dir)
    except ValueError:  # HFValidationError: not a valid repo id
        return None
    if not isinstance(found, str):
        return None
    snapshot = Path(found).parent
    return snapshot if any(snapshot.glob("*.safetensors")) else None


def _ask_hub(name: str, workspace: Workspace, cache_dir: str, timeout_s: float) -> ResolvedBase:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    try:
        info = HfApi().model_info(name, timeout=timeout_s)
    except GatedRepoError:
        return _fallback(name, workspace, "it is gated on the hub: accept its licence and log in first")
    except RepositoryNotFoundError:
        return _fallback(name, workspace, "no such model on the Hugging Face hub; check the spelling")
    except Exception as exc:  # network errors come in many types; all mean "not reachable now"
        log.info("hub lookup of %s failed: %r", name, exc)
        return _fallback(name, workspace, "the Hugging Face hub did not answer and it is not in the cache")
    files = [s.rfilename for s in info.siblings or []]
    if not any(f.endswith(".safetensors") for f in files):
        return _fallback(name, workspace, "it has no safetensors weights, and the studio loads no others")
    return ResolvedBase(name, "hub", name, name, revision=info.sha, cache_dir=cache_dir)


def _tiny(workspace: Workspace, requested: str, reason: str = "") -> ResolvedBase:
    return ResolvedBase(
        requested=requested,
        kind="tiny",
        source=str(workspace.models_dir / TINY_NAME),
        display_name=TINY_NAME,
        revision=f"recipe-{TINY_RECIPE_VERSION}",
        is_fallback=bool(reason),
        reason=reason,
    )


def _default_instead(name: str, workspace: Workspace, why: str) -> ResolvedBase:
    """The GPU default out of reach: the bundled copy (a real tutor), never the random-weight test model."""
    bundled = _bundled_or_fallback(BUNDLED_NAME, workspace, why)
    if bundled.kind != "bundled":
        return bundled
    reason = f"Couldn't load {name} ({why}), so the studio is using the bundled {BUNDLED_MODEL}."
    log.warning(reason)
    return ResolvedBase(
        name,
        "bundled",
        bundled.source,
        BUNDLED_DISPLAY,
        revision=BUNDLED_REVISION,
        is_fallback=True,
        reason=reason,
    )


def _bundled_or_fallback(name: str, workspace: Workspace, why: str) -> ResolvedBase:
    """The bundled copy for `bundled` or SmolLM2-135M-Instruct; any other name falls back to tiny."""
    if name not in (BUNDLED_NAME, BUNDLED_REPO_ID):
        return _fallback(name, workspace, why)
    problem = bundled_problem()
    if problem:
        return _fallback(name, workspace, "; ".join(p for p in (why, problem.rstrip(".")) if p))
    source = str(bundled_folder(workspace))
    return ResolvedBase(name, "bundled", source, BUNDLED_DISPLAY, revision=BUNDLED_REVISION)


def _fallback(name: str, workspace: Workspace, why: str) -> ResolvedBase:
    reason = f"Couldn't load {name} ({why}), so the studio is using the small offline test model `tiny`."
    log.warning(reason)
    return _tiny(workspace, requested=name, reason=reason)


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or "\\" in name or name.count("/") > 1
