"""The workspace: every on-disk location of the studio derives from one folder (STUDIO_HOME).

    from core.paths import Workspace
    ws = Workspace.from_env()          # STUDIO_HOME, else the per-user data folder
    ws.db_path, ws.job_dir("job_1a2b"), ws.run_dir("run_3c4d"), ...

Nothing outside this folder is written, except the caches of libraries that ignore HF_HOME.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "tutor-studio"
ENV_HOME = "STUDIO_HOME"


def default_home() -> Path:
    """The per-user data folder, following each platform's convention."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_NAME
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / APP_NAME
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / APP_NAME


@dataclass(frozen=True)
class Workspace:
    """One studio workspace: the SQLite store plus the artifacts the store points at."""

    root: Path

    @classmethod
    def from_env(cls, override: str | os.PathLike[str] | None = None) -> Workspace:
        """The workspace named by `override`, else $STUDIO_HOME, else the per-user default."""
        chosen = override or os.environ.get(ENV_HOME) or default_home()
        return cls(Path(chosen).expanduser().resolve())

    @property
    def db_path(self) -> Path:
        return self.root / "studio.db"

    @property
    def documents_dir(self) -> Path:
        return self.root / "documents"

    @property
    def datasets_dir(self) -> Path:
        return self.root / "datasets"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def evals_dir(self) -> Path:
        return self.root / "evals"

    @property
    def exports_dir(self) -> Path:
        """The only folder the browser may download files from."""
        return self.root / "exports"

    @property
    def jobs_dir(self) -> Path:
        return self.root / "jobs"

    @property
    def models_dir(self) -> Path:
        """Cached models built or downloaded by the studio (the offline `tiny` model lives here)."""
        return self.root / "models"

    @property
    def hf_home(self) -> Path:
        """HF_HOME for every process of this workspace, so hub downloads stay inside it."""
        return self.root / "hf"

    @property
    def uploads_dir(self) -> Path:
        """Gradio's temporary upload folder, kept inside the workspace."""
        return self.root / "uploads"

    def document_dir(self, document_id: str) -> Path:
        return self.documents_dir / document_id

    def dataset_dir(self, dataset_id: str) -> Path:
        return self.datasets_dir / safe_name(dataset_id)

    def run_dir(self, run_id: str) -> Path:
        return self.runs_dir / run_id

    def eval_dir(self, eval_id: str) -> Path:
        return self.evals_dir / eval_id

    def job_dir(self, job_id: str) -> Path:
        return self.jobs_dir / job_id

    def ensure(self) -> Workspace:
        """Create the workspace folders (idempotent) and return self."""
        for folder in (
            self.root,
            self.documents_dir,
            self.datasets_dir,
            self.runs_dir,
            self.evals_dir,
            self.exports_dir,
            self.jobs_dir,
            self.models_dir,
            self.hf_home,
            self.uploads_dir,
        ):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    def configure_environment(self) -> None:
        """Point this process (and the jobs it starts) at the workspace; switch off outbound analytics."""
        os.environ[ENV_HOME] = str(self.root)
        os.environ["HF_HOME"] = str(self.hf_home)
        os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
        os.environ.setdefault("GRADIO_TEMP_DIR", str(self.uploads_dir))
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def safe_name(name: str) -> str:
    """A file-system-safe folder name for an id such as `tutor@v3` or `org/model`."""
    return "".join(ch if ch.isalnum() or ch in "-_.@+" else "_" for ch in name).strip(".") or "_"


def write_atomic(path: Path, data: bytes | str) -> None:
    """Replace `path` through a temp file and os.replace, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with open(tmp, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
