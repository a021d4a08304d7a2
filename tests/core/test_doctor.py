"""`tutor-studio doctor`: what the studio sees (base model, device, memory limit, root path, disk, extras, hub)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.doctor import check_hub_reachable, describe_extra, gather_report, health_status, report_lines
from core.models.hardware import HardwareInfo
from core.models.memory import MemoryLimit
from core.paths import Workspace
from core.store import Store

DOCTOR_KEYS = {"base_model", "device", "memory", "root_path", "workspace", "extras", "hub", "problems"}


def _doctor(
    workspace: Workspace, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "core.cli", "doctor", "--workspace", str(workspace.root), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "STUDIO_BASE_MODEL": "tiny", **(env or {})},
    )


def test_doctor_json_prints_every_fact_as_one_object(workspace: Workspace) -> None:
    out = _doctor(workspace, "--json", "--root-path", "/proxy/7860/")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert set(report) >= DOCTOR_KEYS
    assert (
        report["base_model"]["kind"] == "tiny" and report["base_model"]["chosen_by"] == "$STUDIO_BASE_MODEL"
    )
    assert report["device"]["device"] in ("cpu", "cuda")
    assert report["memory"]["limit_gib"] > 0 and report["memory"]["source"]
    assert report["root_path"] == {
        "value": "/proxy/7860",
        "source": "--root-path",
        "notebook_suggestion": None,
    }
    assert report["workspace"]["path"] == str(workspace.root) and report["workspace"]["free_disk_gib"] > 0
    assert set(report["extras"]) >= {"unsloth", "vllm"}
    # tests run with HF_HUB_OFFLINE=1: the hub is not contacted, and the report says why
    assert report["hub"]["reachable"] is None and "HF_HUB_OFFLINE" in report["hub"]["detail"]


def test_doctor_text_names_where_each_fact_came_from(workspace: Workspace) -> None:
    out = _doctor(workspace, env={"STUDIO_ROOT_PATH": "/proxy/7860"})
    assert out.returncode == 0, out.stderr
    assert "Base model: tiny" in out.stdout and "chosen by $STUDIO_BASE_MODEL" in out.stdout
    assert "Root path: /proxy/7860 (from STUDIO_ROOT_PATH)" in out.stdout
    assert "GB free on disk" in out.stdout and "Hub: not contacted" in out.stdout


def test_doctor_reports_the_cgroup_limit_and_its_file(workspace: Workspace) -> None:
    limit = MemoryLimit(8.0, "cgroup v2 memory.max", "/sys/fs/cgroup/memory.max")
    hardware = HardwareInfo("cpu", "CPU (2 cores)", 0, 2, False, memory=limit)
    report = gather_report(workspace, Store.open(workspace), check_hub=False, hardware=hardware)
    assert report.memory["limit_gib"] == 8.0 and report.memory["path"] == "/sys/fs/cgroup/memory.max"
    assert any(
        line.startswith("Memory: 8.0 GB limit from cgroup v2 memory.max") for line in report_lines(report)
    )


def test_notebook_without_root_path_is_told_which_one_to_use(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NB_PREFIX", "/notebook/course/ada")
    monkeypatch.delenv("STUDIO_ROOT_PATH", raising=False)
    report = gather_report(workspace, None, check_hub=False)
    assert any("--root-path /notebook/course/ada/proxy/7860/" in p for p in report.problems)


def test_extras_are_found_without_importing_them(monkeypatch: pytest.MonkeyPatch) -> None:
    assert describe_extra("pytest") == {"installed": True, "version": pytest.__version__}
    assert describe_extra("surely_not_installed_pkg") == {"installed": False, "version": None}
    before = set(sys.modules)
    describe_extra("vllm")
    describe_extra("unsloth")
    assert not {"vllm", "unsloth"} & (set(sys.modules) - before)


def test_unreachable_hub_is_reported_within_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # the discard port: nothing listens
    result = check_hub_reachable(timeout_s=1.0)
    assert result["reachable"] is False and result["endpoint"] == "http://127.0.0.1:9"


def test_health_is_ok_while_the_store_answers_and_503_when_it_does_not(
    workspace: Workspace, tmp_path: Path
) -> None:
    assert health_status(Store.open(workspace)) == (200, {"status": "ok", "app": "tutor-studio"})
    status, body = health_status(Store(tmp_path / "volume-gone" / "studio.db"))
    assert status == 503 and "store" in body["detail"]


def test_prepare_creates_the_workspace(tmp_path: Path) -> None:
    fresh = Workspace(tmp_path / "fresh")
    out = _doctor(fresh, "--prepare", "--json", "--no-hub")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["prepared"] == {"workspace": str(fresh.root), "bundled_model": None}
