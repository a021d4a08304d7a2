"""Start-up time: `tutor-studio serve` from process start to the first page served (median of 3 runs).

    python -m tests.bench startup
Target: the first page within 15 s on the reference 2-core CPU machine.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import httpx

from core.paths import Workspace
from tests.support.studio_server import start_studio

RUNS = 3
TARGET_S = 15.0


def measure_once() -> float:
    with tempfile.TemporaryDirectory() as folder:
        workspace = Workspace(Path(folder) / "home").ensure()
        studio = start_studio(workspace)
        try:
            assert httpx.get(studio.url + "config", timeout=30).status_code == 200
            return studio.startup_s
        finally:
            studio.kill()


def main() -> int:
    times = [measure_once() for _ in range(RUNS)]
    median = statistics.median(times)
    print(
        f"studio start-up to first page: median {median:.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})"
    )
    print(f"target: under {TARGET_S:.0f} s -> {'ok' if median < TARGET_S else 'MISSED'}")
    return 0 if median < TARGET_S else 1
