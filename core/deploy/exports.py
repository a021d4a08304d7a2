"""Export an adapter for serving: vLLM (+ Kubernetes), a merged model, Ollama, or OpenAI hosted fine-tuning.

    report = export_adapter(store, ws, "tiny@local+tutor@v1+lora@v1", "vllm", Path("out/vllm"))
    report.files, report.commands             # what was written; serve.sh / ollama create / ...
    report = export_for_download(store, ws, adapter_id, "merged")   # into exports/, zipped, recorded
    job = submit_export(store, ws, adapter_id, "ollama", ExportOptions(ollama_mode="merged"))   # as a job

Every export is written into a temporary folder beside its target and renamed into place, with an
`export.json` listing each file and its sha256; only an empty folder or an earlier export is replaced.
Exports that load the whole model (merged, ollama) run on the GPU queue; an OpenAI export with a hosted
config also uploads its files, starts the hosted job and follows it (core/deploy/hosted.py).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.deploy.export_openai import HostedConfig
from core.deploy.k8s import DEFAULT_IMAGE, DEFAULT_NAMESPACE
from core.deploy.records import insert_export
from core.deploy.subject import ExportError, ExportSubject, export_subject
from core.jobs import GPU, Job, submit_job
from core.paths import Workspace, safe_name
from core.review.export import replace_folder, zip_export
from core.store import Store, now

if TYPE_CHECKING:
    from core.jobs.runner import JobContext

ExportTarget = Literal["vllm", "merged", "ollama", "openai"]
TARGETS: tuple[ExportTarget, ...] = ("vllm", "merged", "ollama", "openai")
DEFAULT_TARGET: ExportTarget = "vllm"
VolumeChoice = Literal["auto", "configmap", "pvc"]
OllamaMode = Literal["merged", "adapter"]
TARGET_LABELS = {
    "vllm": "vLLM server (+ Kubernetes manifests)",
    "merged": "Merged model (safetensors)",
    "ollama": "Ollama (Modelfile)",
    "openai": "OpenAI hosted fine-tuning",
}
TARGET_HELP = (
    "vLLM: a GPU server that serves the base model and your adapters (plus Kubernetes files). Merged: one "
    "standalone model folder. Ollama: for laptops and desktops. OpenAI: train the same data on a hosted service."
)
MODEL_LOADING = ("merged", "ollama")
MANIFEST = "export.json"
MAX_ZIP_BYTES = (
    2 * 1024**3
)  # past this a browser download is the wrong tool: the folder path is given instead
Progress = Callable[[str], None]


class ExportOptions(BaseModel):
    """How to export: each target's options. The field descriptions are the Deploy tab's help and the
    `export` command's flag help."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    volume: VolumeChoice = Field(
        default="auto",
        description="vLLM: how the adapter reaches the server pod. auto: in a ConfigMap when it is small "
        "(under 1 MB), else on a volume (pvc) you copy it into once.",
    )
    image: str = Field(default=DEFAULT_IMAGE, description="vLLM: the server image to run.")
    namespace: str = Field(
        default=DEFAULT_NAMESPACE, description="vLLM: the Kubernetes namespace Argo CD deploys it to."
    )
    ollama_mode: OllamaMode = Field(
        default="merged",
        description="Ollama: build the tutor FROM the merged model (works for every common model) or from "
        "base + ADAPTER (keeps the adapter separate; Llama, Mistral, Gemma).",
    )
    hosted: HostedConfig | None = Field(
        default=None,
        description="OpenAI: also upload the files and start a hosted fine-tuning job (unset: write the files only).",
    )

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ExportOptions:
        return cls.model_validate(data or {})


@dataclass(frozen=True)
class ExportReport:
    adapter_id: str
    target: str
    path: Path
    files: list[str]
    commands: dict[str, str]
    zip_path: Path | None = None
    export_id: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "adapter": self.adapter_id,
            "target": self.target,
            "path": str(self.path),
            "files": self.files,
            "commands": self.commands,
            "zip": str(self.zip_path) if self.zip_path else None,
            "export_id": self.export_id,
            "notes": self.notes,
        }


def export_adapter(
    store: Store,
    workspace: Workspace,
    adapter_id: str,
    target: str,
    out_dir: Path,
    options: ExportOptions | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    """Write the export of `adapter_id` for `target` into `out_dir` (atomically)."""
    if target not in TARGETS:
        raise ExportError(f"Unknown export target {target!r}: use one of {', '.join(TARGETS)}.")
    options = options or ExportOptions()
    subject = export_subject(store, workspace, adapter_id)
    out_dir = Path(out_dir).expanduser().resolve()
    check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        folder = staging / "export"
        folder.mkdir()
        commands = write_target(store, subject, target, folder, options, progress or (lambda _m: None))
        files = write_manifest(folder, subject, target, commands)
        folder.chmod(0o755)
        replace_folder(folder, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportReport(subject.adapter.id, target, out_dir, files, commands)


def write_target(
    store: Store, subject: ExportSubject, target: str, folder: Path, options: ExportOptions, say: Progress
) -> dict[str, str]:
    if target == "vllm":
        from core.deploy.export_vllm import K8sOptions, write_vllm_export

        return write_vllm_export(
            subject, folder, K8sOptions(options.volume, options.image, options.namespace)
        )
    if target == "merged":
        from core.deploy.export_merged import write_merged_model

        return write_merged_model(subject, folder, say)
    if target == "ollama":
        from core.deploy.export_ollama import write_ollama_export

        return write_ollama_export(
            subject, folder, "adapter" if options.ollama_mode == "adapter" else "merged", say
        )
    from core.deploy.export_openai import write_openai_files

    return write_openai_files(store, subject, folder)


def check_target(out_dir: Path) -> None:
    """Only an empty folder or an earlier export may be replaced: never someone's other files."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise ExportError(f"{out_dir} is a file. Choose a folder to export into.")
    if any(out_dir.iterdir()) and not (out_dir / MANIFEST).is_file():
        raise ExportError(f"{out_dir} already holds other files. Choose an empty or new folder.")


def write_manifest(folder: Path, subject: ExportSubject, target: str, commands: dict[str, str]) -> list[str]:
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    manifest = {
        "adapter": subject.adapter.id,
        "method": subject.adapter.method,
        "parent_adapter": subject.parent.id if subject.parent else None,
        "base_model": subject.adapter.base_model,
        "target": target,
        "created_at": now(),
        "commands": commands,
        "files": {name: _sha256(folder / name) for name in files},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return [*files, MANIFEST]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_folder(workspace: Workspace, adapter_id: str, target: str) -> Path:
    return workspace.exports_dir / f"{safe_name(adapter_id)}-{target}"


def export_for_download(
    store: Store,
    workspace: Workspace,
    adapter_id: str,
    target: str,
    options: ExportOptions | None = None,
    progress: Progress | None = None,
    job_id: str | None = None,
) -> ExportReport:
    """Export into the workspace's exports folder (the only one the browser may read), zip, and record it."""
    report = export_adapter(
        store,
        workspace,
        adapter_id,
        target,
        download_folder(workspace, adapter_id, target),
        options,
        progress,
    )
    size = sum(p.stat().st_size for p in report.path.rglob("*") if p.is_file())
    notes = []
    zip_path = None
    if size <= MAX_ZIP_BYTES:
        zip_path = zip_export(report.path)
    else:
        notes.append(
            f"{size / 1024**3:.1f} GB is too big to download in a browser: copy it from {report.path}."
        )
    summary = {"files": len(report.files), "bytes": size, "commands": report.commands}
    with store.transaction() as conn:
        export_id = insert_export(
            conn,
            report.adapter_id,
            target,
            str(report.path),
            str(zip_path) if zip_path else None,
            job_id,
            summary,
        )
    return ExportReport(
        report.adapter_id, target, report.path, report.files, report.commands, zip_path, export_id, notes
    )


def submit_export(
    store: Store, workspace: Workspace, adapter_id: str, target: str, options: ExportOptions | None = None
) -> Job:
    """Run an export for download as a background job (the Deploy tab polls it)."""
    options = options or ExportOptions()
    if target not in TARGETS:
        raise ExportError(f"Unknown export target {target!r}: use one of {', '.join(TARGETS)}.")
    export_subject(store, workspace, adapter_id)  # refuse now, not in the job, when the adapter is unusable
    if options.hosted is not None:
        options = options.model_copy(update={"hosted": options.hosted.checked()})
    return submit_job(
        store,
        workspace,
        kind="export",
        title=f"Export {adapter_id} for {TARGET_LABELS[target]}",
        target="core.deploy.exports:export_job",
        params={"adapter_id": adapter_id, "target": target, "options": options.to_dict()},
        resource=GPU if target in MODEL_LOADING else None,
        grace_s=30.0,
    )


def export_job(ctx: JobContext) -> dict[str, Any]:
    """Job target of submit_export: write, zip and record the export; follow a hosted job if asked."""
    params = ctx.params
    options = ExportOptions.from_dict(params.get("options"))
    ctx.progress(0, None, f"Exporting {params['adapter_id']}")

    def say(message: str) -> None:
        ctx.progress(0, None, message)

    report = export_for_download(
        ctx.store, ctx.workspace, params["adapter_id"], params["target"], options, say, job_id=ctx.job_id
    )
    result = report.to_dict()
    if params["target"] == "openai" and options.hosted is not None and report.export_id:
        from core.deploy.hosted import run_hosted

        result["hosted"] = run_hosted(
            ctx.store, report.export_id, options.hosted, report.path, report.commands, ctx
        )
    ctx.progress(1, 1, f"Exported to {report.path}")
    return result
