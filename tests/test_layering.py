"""The layers hold: core never imports gradio; the UI's import pulls no torch, vllm or docling."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import core

ROOT = Path(__file__).resolve().parent.parent


def _core_modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.walk_packages(core.__path__, prefix="core.")
        if not info.name.endswith("__main__")
    )


def _modules_after_import(modules: list[str]) -> set[str]:
    code = "import sys, importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return set(out.stdout.split())


def test_importing_every_core_module_does_not_import_gradio() -> None:
    modules = _core_modules()
    assert "core.store" in modules and "core.jobs" in modules
    loaded = _modules_after_import(modules)
    assert not {m for m in loaded if m == "gradio" or m.startswith("gradio.")}


def test_importing_studio_app_does_not_import_heavy_libraries() -> None:
    loaded = _modules_after_import(["studio.app"])
    heavy = {"torch", "vllm", "docling", "transformers", "peft", "trl", "unsloth", "lm_eval"}
    assert not (heavy & {m.split(".")[0] for m in loaded})


def test_core_never_prints_outside_the_cli() -> None:
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        if path.name == "cli.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.lstrip().startswith("print("):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []
