"""The default teacher's flow, headless, as the tutor benchmark and the slow tutor test run it.

    flow = run_default_flow(workspace_dir, env={"STUDIO_BASE_MODEL": "bundled"})
    flow.stage_seconds    -> {"documents": 5.7, "generate": 3.2, "review": 3.4, "train": 400.0}
    card = score_openers(flow.workspace, {"adapter": flow.adapter_id})   # tests/support/tutor_scorecard.py
    card.value("adapter", "question_rate")   -> 0.96

The flow is exactly what the README's walk-through does with every default: `ingest --demo`, `generate`,
`dataset accept --verdict passed`, `dataset build`, `train`, each as the `tutor-studio` command a teacher
or an engineer runs. The benchmark (tests/bench/bench_tutor.py) and the slow CI test
(tests/core/evaluate/test_tutor_behaviour.py) share it, so the figure in the README and the check in CI
measure the same thing; the CI test passes `train_args=("--max-steps", ...)` to fit its time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[2]
OPENERS_PATH = REPO / "assets" / "student_openers.jsonl"
CLI = [sys.executable, "-m", "core.cli"]


@dataclass
class FlowResult:
    workspace: Path
    adapter_id: str
    stage_seconds: dict[str, float]
    peak_rss_bytes: int
    generation: dict[str, Any]
    dataset: dict[str, Any]
    training: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)


class RssSampler:
    """Peak resident memory of this process, its children and the workspace's job processes, summed."""

    def __init__(self, workspace: Path, interval_s: float = 0.5) -> None:
        self.workspace, self.interval_s = str(workspace), interval_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def sample(self) -> None:
        me = psutil.Process()
        seen = {me.pid: me}
        for child in me.children(recursive=True):
            seen[child.pid] = child
        for proc in psutil.process_iter(["cmdline"]):
            cmdline = " ".join(proc.info.get("cmdline") or [])
            if "core.jobs" in cmdline and self._belongs(proc):
                seen[proc.pid] = proc
        total = 0
        for proc in seen.values():
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        self.peak = max(self.peak, total)

    def _belongs(self, proc: psutil.Process) -> bool:
        try:
            return proc.environ().get("STUDIO_HOME") == self.workspace
        except psutil.Error:
            return False


def cli(workspace: Path, env: dict[str, str], *args: str, timeout_s: float = 3600) -> dict[str, Any]:
    """Run `tutor-studio ARGS --json` on the workspace and return its JSON; fail with its stderr."""
    full_env = {**os.environ, "STUDIO_HOME": str(workspace), **env}
    done = subprocess.run(
        [*CLI, *args, "--workspace", str(workspace), "--json"],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"tutor-studio {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}"
        )
    return json.loads(done.stdout)


def run_default_flow(
    workspace: Path,
    env: dict[str, str] | None = None,
    *,
    generate_args: Sequence[str] = (),
    train_args: Sequence[str] = (),
) -> FlowResult:
    """Load the demo course, generate, accept what passed, build, train: every default unless told."""
    env = dict(env or {})
    stages: dict[str, float] = {}
    with RssSampler(workspace) as sampler:
        started = time.monotonic()
        cli(workspace, env, "ingest", "--demo")
        stages["documents"] = time.monotonic() - started
        started = time.monotonic()
        generation = cli(workspace, env, "generate", *generate_args)
        stages["generate"] = time.monotonic() - started
        started = time.monotonic()
        cli(workspace, env, "dataset", "accept", "--verdict", "passed")
        dataset = cli(workspace, env, "dataset", "build")
        stages["review"] = time.monotonic() - started
        started = time.monotonic()
        training = cli(workspace, env, "train", *train_args)
        stages["train"] = time.monotonic() - started
    return FlowResult(
        workspace, str(training["adapter_id"]), stages, sampler.peak, generation, dataset, training, env
    )
