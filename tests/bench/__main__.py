"""Run the benchmarks and print their figures: `make bench`, or `python -m tests.bench [NAME ...]`.

Each `tests/bench/bench_<name>.py` exposes `main() -> int` that prints its figures (and whether each
target holds) and returns 0 when every target holds. NAME picks benchmarks by name (e.g. `documents`).
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# peft's adapter loading calls a transformers property that transformers 5 renamed (as in pyproject's pytest filter)
warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)


def discover() -> list[str]:
    return sorted(path.stem.removeprefix("bench_") for path in Path(__file__).parent.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    names = [arg for arg in argv if not arg.startswith("--")] or discover()  # flags stay for the benchmarks
    unknown = set(names) - set(discover())
    if unknown:
        sys.stderr.write(f"unknown benchmark(s) {sorted(unknown)}; available: {discover()}\n")
        return 2
    failures = []
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        started = time.monotonic()
        code = importlib.import_module(f"tests.bench.bench_{name}").main()
        print(
            f"--- {name}: {'targets hold' if code == 0 else 'TARGET MISSED'} ({time.monotonic() - started:.0f} s)"
        )
        if code:
            failures.append(name)
    print(f"\n{len(names) - len(failures)} of {len(names)} benchmarks met their targets.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
