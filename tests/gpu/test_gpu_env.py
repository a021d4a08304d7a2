"""The GPU environment (.venv-gpu, requirements-gpu.txt) resolves without touching the CPU pins: the file
keeps every pin of pyproject.toml except the three unsloth caps, and pip resolves it against PyPI (a dry
run that installs nothing), so a pin conflict shows here before a user meets it in `make gpu-env`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "requirements-gpu.txt"
# unsloth 2026.10.9 caps these below the CPU pins: transformers<=5.17.0, trl<=1.15.0, datasets<5.
UNSLOTH_CAPPED = {"transformers", "trl", "datasets"}
NETWORK_WORDS = ("NewConnectionError", "Temporary failure in name resolution", "Network is unreachable")


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _lines(path: Path) -> dict[str, str]:
    found = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            found[_name(line)] = line
    return found


def test_gpu_requirements_keep_every_cpu_pin_but_unsloths_caps() -> None:
    cpu = {
        _name(dep): dep
        for dep in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    gpu = _lines(REQUIREMENTS)
    missing = sorted(set(cpu) - set(gpu))
    assert not missing, f"requirements-gpu.txt lacks {missing}: add them with the pins of pyproject.toml"
    changed = sorted(name for name in set(cpu) - UNSLOTH_CAPPED if name != "torch" and cpu[name] != gpu[name])
    assert not changed, (
        f"requirements-gpu.txt changes the CPU pins of {changed}; only unsloth's caps may differ"
    )
    assert {"unsloth", "unsloth-zoo"} <= set(gpu)
    for name in UNSLOTH_CAPPED:
        assert "==" in gpu[name], f"pin {name} exactly in requirements-gpu.txt, as the CPU environment does"


@pytest.mark.slow
def test_gpu_environment_resolves_on_pypi(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
    command += ["--report", str(report), "-r", str(REQUIREMENTS)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    errors = "\n".join(line for line in done.stderr.splitlines() if not line.startswith("WARNING"))
    if done.returncode != 0 and any(word in errors for word in NETWORK_WORDS):
        pytest.skip(f"PyPI cannot be reached from here: {errors[-300:]}")
    assert done.returncode == 0, f"requirements-gpu.txt does not resolve:\n{errors[-3000:]}"
    chosen = {
        _name(item["metadata"]["name"]): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    wanted = _lines(REQUIREMENTS)
    for name in ("unsloth", "transformers", "trl", "datasets", "peft", "accelerate"):
        pin = wanted[name].split("==", 1)[1]
        assert chosen[name] == pin, f"pip chose {name} {chosen[name]} instead of the pinned {pin}"
