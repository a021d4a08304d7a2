"""Does the default recipe give a real tutor? The whole default flow on the bundled model, then new students.

    python -m tests.bench tutor                 # or: make bench BENCH_ARGS=tutor
    BENCH_TUTOR_BASE=/path/to/model python -m tests.bench tutor     # another base model
    BENCH_TUTOR_WORKSPACE=/tmp/tutor python -m tests.bench tutor    # keep the workspace (and bench-replies.json)

Runs what a teacher does with every default, on a fresh workspace (tests/support/tutor_flow.py): Load demo
course, Generate (offline template teacher), accept what passed, Build, Train. Then it asks the held-out
student openers of assets/student_openers.jsonl (written apart from the generator: other subjects too,
six intents) to the base model, the prompted model (base + the tutor policy as a system prompt) and the
adapter, greedy, and prints each rate with its 95% interval, the wall time of each stage and the peak
resident memory of the whole flow (this process, the CLI commands and their jobs, summed).

Targets (2-core CPU): adapter guiding-question rate >= 0.80 and above the prompted model's; adapter leak
rate <= 0.10 and not above the prompted model's; >= 0.80 of its replies specific; no opening sentence in
more than 10% of its replies; 0 ungrounded references; unfair praise under 5%; adapter input tokens per
request <= 20% of the prompted model's; the flow (generate, train, benchmark) under 30 minutes; peak RSS
under 8 GB. Run it alone: a second torch process on 2 cores slows both about tenfold.

Also watched, with a target of our own that does not decide the exit code (it is not one of issue 12's
targets, and the bundled 135M model does not meet it yet): the adapter tells a wrong student (the
wrong-answer and misconception openers) they are right in at most 10% of those replies. A tutor that
confirms mistakes teaches them, so the figure is printed with every run.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from core.evaluate.openers import load_openers
from tests.support.tutor_flow import FlowResult, run_default_flow
from tests.support.tutor_scorecard import Scorecard, score_openers

FLOW_LIMIT_S = 30 * 60
RSS_LIMIT = 8 * 10**9


def targets(card: Scorecard, flow: FlowResult, total_s: float) -> list[tuple[str, bool]]:
    def value(variant: str, metric: str) -> float:
        return card.value(variant, metric)

    return [
        ("adapter guiding-question rate >= 0.80", value("adapter", "question_rate") >= 0.80),
        (
            "... and above the prompted model's",
            value("adapter", "question_rate") > value("prompted", "question_rate"),
        ),
        ("adapter leak rate <= 0.10", value("adapter", "leak_rate") <= 0.10),
        (
            "... and not above the prompted model's",
            value("adapter", "leak_rate") <= value("prompted", "leak_rate"),
        ),
        ("adapter replies specific >= 0.80", value("adapter", "specific_rate") >= 0.80),
        ("no opening sentence in more than 10% of replies", value("adapter", "opening_share") <= 0.10),
        ("0 ungrounded references", value("adapter", "ungrounded_rate") == 0),
        ("unfair praise under 5%", value("adapter", "unfair_praise_rate") < 0.05),
        (
            "adapter input tokens <= 20% of the prompted model's",
            value("adapter", "prompt_tokens") <= 0.2 * value("prompted", "prompt_tokens"),
        ),
        ("whole flow under 30 minutes", total_s < FLOW_LIMIT_S),
        ("peak RSS under 8 GB", flow.peak_rss_bytes < RSS_LIMIT),
    ]


def watched(card: Scorecard) -> list[tuple[str, bool]]:
    """Targets of our own, printed with every run but not deciding the exit code."""
    return [
        (
            "agrees with a wrong student in at most 10% of those replies",
            card.value("adapter", "mistake_agreement_rate") <= 0.10,
        )
    ]


def save_replies(path: Path, card: Scorecard) -> None:
    """Each opener with every variant's reply, to read what the figures count."""
    rows = [
        {"id": opener.id, "intent": opener.intent, "message": opener.message}
        | {variant: replies[index] for variant, replies in card.replies.items()}
        for index, opener in enumerate(load_openers())
    ]
    path.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")


def main() -> int:
    base = os.environ.get("BENCH_TUTOR_BASE", "")
    env = {"STUDIO_BASE_MODEL": base} if base else {}
    if base:
        os.environ["STUDIO_BASE_MODEL"] = base
    else:
        os.environ.pop("STUDIO_BASE_MODEL", None)
    kept = os.environ.get("BENCH_TUTOR_WORKSPACE", "")
    with tempfile.TemporaryDirectory(prefix="bench-tutor-") as folder:
        workspace = Path(kept) if kept else Path(folder) / "home"
        if kept and workspace.exists():
            raise SystemExit(
                f"{workspace} exists: the benchmark starts from a fresh workspace; remove it first."
            )
        started = time.monotonic()
        flow = run_default_flow(workspace, env)
        card = score_openers(workspace, {"adapter": flow.adapter_id})
        total_s = time.monotonic() - started
        if kept:
            save_replies(workspace / "bench-replies.json", card)
    print(f"base model: {base or 'the default (bundled SmolLM2-135M-Instruct on CPU)'}")
    print(
        f"generated {flow.generation.get('generated')} conversations, kept {flow.generation.get('kept')}; "
        f"dataset {flow.dataset.get('dataset')}: train {flow.dataset.get('train')}, "
        f"test {flow.dataset.get('test')}"
    )
    print(
        f"training: {flow.training.get('steps')} steps, loss {flow.training.get('first_loss')} -> "
        f"{flow.training.get('final_loss')}, adapter {flow.adapter_id}"
    )
    stages = {**flow.stage_seconds, "benchmark": card.seconds}
    print("wall time: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in stages.items()))
    print(f"whole flow: {total_s / 60:.1f} min; peak RSS {flow.peak_rss_bytes / 2**30:.2f} GiB")
    count = card.summary["adapter"]["replies"]
    print(f"\n{count} held-out student openers (assets/student_openers.jsonl), greedy, 95% intervals:\n")
    print(card.table())
    print()
    results = targets(card, flow, total_s)
    for label, held in results:
        print(f"  {'ok    ' if held else 'MISSED'} {label}")
    for label, held in watched(card):
        print(f"  {'ok    ' if held else 'MISSED'} {label} (ours, watched, not in the exit code)")
    return 0 if all(held for _, held in results) else 1
