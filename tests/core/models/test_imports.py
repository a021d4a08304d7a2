"""Threads that reach transformers for the first time at once (the studio answers each click on its own
thread) all succeed: the lazy imports run one at a time (core/models/imports.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# A fresh interpreter, so nothing is imported yet: eight threads wait at a barrier, then load the tokenizer,
# render a chat template and load peft at the same moment, as Compare, Review and Train would.
SCRIPT = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from core.models.spec import resolve_base
    from core.paths import Workspace

    workspace = Workspace(Path(sys.argv[1])).ensure()
    base = resolve_base(sys.argv[2], workspace)  # the built tiny folder: nothing imports transformers yet
    assert "transformers" not in sys.modules and "torch" not in sys.modules, "the test needs fresh imports"
    barrier, errors = threading.Barrier(8), []

    def tokenizer():
        from core.models.loading import load_tokenizer
        load_tokenizer(base)

    def template():
        from core.review.tokens import token_counter
        token_counter(workspace, base=base).count([{"role": "user", "content": "Hi"}])

    def adapter_library():
        from core.models.imports import ensure_model_imports
        ensure_model_imports()
        from peft import PeftModel  # noqa: F401

    def run(target):
        barrier.wait()
        try:
            target()
        except Exception as exc:  # what a click would show
            errors.append(f"{target.__name__}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(t,)) for t in [tokenizer, template, adapter_library] * 3][:8]
    [t.start() for t in threads]
    [t.join() for t in threads]
    print("\\n".join(errors))
    sys.exit(1 if errors else 0)
    """
)


@pytest.mark.slow
def test_first_imports_from_many_threads_at_once_all_succeed(tmp_path: Path, tiny_model_dir: Path) -> None:
    for attempt in range(2):
        home = tmp_path / f"home{attempt}"
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(home), str(tiny_model_dir)],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=Path(__file__).resolve().parents[3],
        )
        assert done.returncode == 0, done.stdout + done.stderr[-2000:]
