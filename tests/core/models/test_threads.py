"""torch's CPU thread share: $STUDIO_TORCH_THREADS, else the cores this process may run on."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from core.models.threads import available_cores, thread_environment, torch_thread_count


def test_thread_count_follows_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_TORCH_THREADS", "1")
    assert torch_thread_count() == 1
    assert thread_environment() == {"OMP_NUM_THREADS": "1"}


def test_thread_count_without_a_usable_setting_is_the_available_cores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("STUDIO_TORCH_THREADS", raising=False)
    assert torch_thread_count() == available_cores() >= 1
    assert thread_environment() == {}
    for bad in ("0", "two", "-3"):
        monkeypatch.setenv("STUDIO_TORCH_THREADS", bad)
        assert torch_thread_count() == available_cores()


def test_loading_a_model_applies_the_setting_to_torch() -> None:
    code = (
        "import torch; from core.models.imports import ensure_model_imports; ensure_model_imports(); "
        "print(torch.get_num_threads())"
    )
    env = {**os.environ, "STUDIO_TORCH_THREADS": "3", "OMP_NUM_THREADS": "1"}
    shown = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "3"
