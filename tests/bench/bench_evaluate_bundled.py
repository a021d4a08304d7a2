"""How long the default Evaluate takes on the bundled model, section by section.

    python -m tests.bench evaluate_bundled                                  # trains an adapter first
    BENCH_EVAL_WORKSPACE=/tmp/tutor python -m tests.bench evaluate_bundled  # a workspace with an adapter
    taskset -c 1 python -m tests.bench evaluate_bundled                     # on one core, as measured

Runs `tutor-studio eval --json` with every default (behaviour with the openers, KL, forgetting) on the
latest adapter of the workspace: one that BENCH_TUTOR_WORKSPACE kept from `python -m tests.bench tutor`,
or, without BENCH_EVAL_WORKSPACE, one the default flow trains in a fresh workspace first (about ten
more minutes, not counted). Prints the seconds of each section as the report records them, the wall
time of the whole command, and the replies each rate rests on.

Targets (CPU, bundled SmolLM2-135M-Instruct): the whole Evaluate under 8 minutes; every variant's
opener rates on at least 50 replies. Run it alone: a second torch process on 2 cores slows both.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from core.evaluate.report import REPORT_FILE
from core.paths import Workspace
from tests.support.tutor_flow import cli, run_default_flow

LIMIT_S = 8 * 60
MIN_REPLIES = 50


def evaluate(workspace: Path) -> tuple[dict[str, object], float]:
    env = {"STUDIO_BASE_MODEL": os.environ.get("BENCH_TUTOR_BASE", "bundled")}
    started = time.monotonic()
    summary = cli(workspace, env, "eval")
    return summary, time.monotonic() - started


def main() -> int:
    kept = os.environ.get("BENCH_EVAL_WORKSPACE", "")
    with tempfile.TemporaryDirectory(prefix="bench-eval-") as folder:
        workspace = Path(kept) if kept else Path(folder) / "home"
        if not kept:
            print("training an adapter with the default flow first (not timed)...", flush=True)
            run_default_flow(workspace, {"STUDIO_BASE_MODEL": "bundled"})
        summary, total_s = evaluate(workspace)
        path = Workspace(workspace).eval_dir(str(summary["eval"])) / REPORT_FILE
        report = json.loads(path.read_text(encoding="utf-8"))
    timings = dict(report.get("timings") or {})
    config = report["config"]
    print(
        f"eval {summary['eval']}: {report['dataset']['tutor_turns']} test turns x {len(report['variants'])} "
        f"variants, reply cap {config['max_new_tokens']} tokens (openers {config['opener_tokens']}), "
        f"{config['batch_turns']} turns per batch"
    )
    print("seconds per section: " + ", ".join(f"{name} {value:.0f}" for name, value in timings.items()))
    print(f"whole command: {total_s:.0f} s ({total_s / 60:.1f} min)")
    replies = {
        name: numbers["overall"]["replies"]
        for name, numbers in (report.get("openers") or {}).get("variants", {}).items()
    }
    print("opener replies per variant: " + ", ".join(f"{n[:40]} {count}" for n, count in replies.items()))
    results = [
        (f"whole Evaluate under {LIMIT_S // 60} minutes", total_s < LIMIT_S),
        (
            f"every variant's opener rates on >= {MIN_REPLIES} replies",
            min(replies.values(), default=0) >= MIN_REPLIES,
        ),
    ]
    for label, held in results:
        print(f"  {'ok    ' if held else 'MISSED'} {label}")
    return 0 if all(held for _, held in results) else 1
