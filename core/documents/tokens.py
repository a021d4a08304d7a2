"""Token counts for chunks, with the base model's own tokenizer when it is on this machine.

    counter = text_token_counter(store, workspace)     # never touches the network
    counter.name, counter.count("Ohm's law says ...")

The base model configured for the workspace is used when its files are local (a folder, or the hub
cache); otherwise the offline `tiny` tokenizer is, and `counter.name` says "tiny". tokenizer.json is
read with the `tokenizers` library (no torch, milliseconds); a model without one goes through
transformers' AutoTokenizer.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.models.bundled import BUNDLED_NAME, BUNDLED_REPO_ID, bundled_folder, is_converted
from core.models.spec import cached_snapshot, configured_base_model
from core.models.tiny import TINY_NAME, ensure_tiny_model
from core.paths import Workspace
from core.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextTokenCounter:
    """Counts the tokens of a text (no special tokens), as the named model's tokenizer does."""

    name: str
    folder: str
    count: Callable[[str], int]


def text_token_counter(store: Store, workspace: Workspace, prefer: str | None = None) -> TextTokenCounter:
    """The counter of `prefer` (default: the workspace's base model) when local, else tiny's."""
    name = prefer or configured_base_model(store)
    folder = local_model_folder(name, workspace)
    if folder is None:
        name, folder = TINY_NAME, ensure_tiny_model(workspace)
    try:
        return _load_counter(name, str(folder))
    except Exception as exc:  # a broken local tokenizer must not stop documents from being chunked
        if name == TINY_NAME:
            raise
        log.warning("tokenizer of %s unusable (%s); counting with tiny's", name, exc)
        return _load_counter(TINY_NAME, str(ensure_tiny_model(workspace)))


def local_model_folder(name: str, workspace: Workspace) -> Path | None:
    """Where `name`'s tokenizer is on this machine (tiny, a folder, the hub cache), else None."""
    if name == TINY_NAME:
        return ensure_tiny_model(workspace)
    if name in (BUNDLED_NAME, BUNDLED_REPO_ID) and is_converted(bundled_folder(workspace)):
        return bundled_folder(
            workspace
        )  # converted on first use of the bundled copy (core/models/bundled.py)
    folder = Path(name).expanduser()
    if folder.is_dir():
        return folder if _has_tokenizer(folder) else None
    try:
        snapshot = cached_snapshot(name, str(workspace.hf_home / "hub"))
    except Exception:  # not a valid hub id: nothing cached under it
        return None
    return snapshot if snapshot is not None and _has_tokenizer(snapshot) else None


def _has_tokenizer(folder: Path) -> bool:
    return any((folder / f).is_file() for f in ("tokenizer.json", "tokenizer_config.json"))


@functools.lru_cache(maxsize=4)
def _load_counter(name: str, folder: str) -> TextTokenCounter:
    tokenizer_json = Path(folder) / "tokenizer.json"
    if tokenizer_json.is_file():
        from tokenizers import Tokenizer

        fast = Tokenizer.from_file(str(tokenizer_json))
        fast.no_truncation()
        return TextTokenCounter(
            name, folder, lambda text: len(fast.encode(text, add_special_tokens=False).ids)
        )
    from core.models.loading import load_tokenizer
    from core.models.spec import ResolvedBase

    slow = load_tokenizer(ResolvedBase(requested=name, kind="local", source=folder, display_name=name))
    return TextTokenCounter(name, folder, lambda text: len(slow(text, add_special_tokens=False)["input_ids"]))
