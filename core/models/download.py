"""Make a resolved base model available on disk: build `tiny`, unpack the bundled model, or download.

    from core.models.download import ensure_base_local
    folder = ensure_base_local(resolved, progress=ctx.progress)   # (done_bytes, total_bytes, message)

A download runs on first real use or in a job (`core.models.download:download_base_job`), never at
import. Only what loading needs is fetched: configs, tokenizer files, chat templates and safetensors.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.models.bundled import ensure_bundled_at
from core.models.spec import ResolvedBase, configured_base_model, resolve_base
from core.models.tiny import ensure_tiny_at

if TYPE_CHECKING:
    from core.jobs.runner import JobContext

log = logging.getLogger(__name__)

# (done, total or None, message), the shape of JobContext.progress.
ProgressCallback = Callable[[float, float | None, str], None]
ALLOW_PATTERNS = ["*.json", "*.safetensors", "*.jinja", "*.txt", "*.model", "*.tiktoken"]
# Repos often carry copies in subfolders (onnx/, original/, gguf/): only the top level is a transformers model.
IGNORE_PATTERNS = ["*/*"]
REPORT_INTERVAL_S = 0.25


class DownloadError(RuntimeError):
    """A base model could not be downloaded; the message says what to do."""


def ensure_base_local(resolved: ResolvedBase, progress: ProgressCallback | None = None) -> Path:
    """A local folder holding the resolved base: tiny is built, the bundled model unpacked (once, with
    progress), a hub model downloaded into the cache."""
    if resolved.kind == "tiny":
        return ensure_tiny_at(Path(resolved.source))
    if resolved.kind == "bundled":
        return ensure_bundled_at(Path(resolved.source), progress)
    if resolved.kind in ("local", "cache"):
        return Path(resolved.source)
    return download_base(resolved.source, resolved.cache_dir, resolved.revision, progress)


def download_base(
    repo_id: str, cache_dir: str | None, revision: str | None = None, progress: ProgressCallback | None = None
) -> Path:
    """Download `repo_id` into the hub cache (resumable), reporting bytes to `progress`."""
    from huggingface_hub import snapshot_download

    log.info("downloading %s into %s", repo_id, cache_dir)
    try:
        folder = snapshot_download(
            repo_id,
            revision=revision,
            cache_dir=cache_dir,
            allow_patterns=ALLOW_PATTERNS,
            ignore_patterns=IGNORE_PATTERNS,
            tqdm_class=progress_bar_class(repo_id, progress) if progress else None,
            max_workers=4,
        )
    except Exception as exc:
        raise DownloadError(
            f"Downloading {repo_id} failed ({type(exc).__name__}: {exc}). Check the network connection and "
            "the model name, then try again; finished files are kept, so the next try resumes."
        ) from exc
    if progress:
        progress(1, 1, f"Downloaded {repo_id}")
    return Path(folder)


def progress_bar_class(repo_id: str, progress: ProgressCallback) -> type:
    """A tqdm class that reports snapshot_download's byte counts to `progress` instead of a terminal."""
    from tqdm.std import tqdm

    class _ReportingBar(tqdm):  # type: ignore[misc]
        _last_report = 0.0

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.pop("name", None)
            kwargs.update(disable=False, file=io.StringIO())
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            shown = super().update(n)
            # The hub reports network bytes ("Downloading bytes") and bytes written; report the latter.
            if self.unit == "B" and not str(self.desc).startswith("Downloading bytes"):
                self._report()
            return shown

        def close(self) -> None:
            if self.unit == "B" and not str(self.desc).startswith("Downloading bytes"):
                self._report(force=True)
            super().close()

        def _report(self, force: bool = False) -> None:
            now = time.monotonic()
            if not force and now - self._last_report < REPORT_INTERVAL_S:
                return
            self._last_report = now
            total = float(self.total) if self.total else None
            message = f"Downloading {repo_id}: {self.n / 2**20:.0f} MB"
            if total:
                message += f" of {total / 2**20:.0f} MB"
            progress(float(self.n), total, message)

    return _ReportingBar


def download_base_job(ctx: JobContext) -> dict[str, Any]:
    """Job target: download params["base"] (default: the configured base) so later uses start at once."""
    name = ctx.params.get("base") or configured_base_model(ctx.store)
    resolved = resolve_base(name, ctx.workspace)
    if resolved.is_fallback:
        raise DownloadError(resolved.reason)
    folder = ensure_base_local(resolved, progress=ctx.progress)
    return {"base": name, "path": str(folder), "kind": resolved.kind, "revision": resolved.revision}
