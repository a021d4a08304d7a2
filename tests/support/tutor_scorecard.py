"""How base, prompted and adapter answer held-out student openers: rates with 95% intervals.

    card = score_openers(flow.workspace, flow.adapter_id)
    card.summary["adapter"]["question_rate"]   -> {"value": 0.93, "low": 0.85, "high": 0.97, ...}
    print(card.table())

Each reply is judged exactly as Evaluate's openers section judges it (core/evaluate/opener_check.py:
guiding question, answer leak, encouragement, specific, unfair praise, ungrounded reference, refusal) and
summarised with the same intervals, so the benchmark's table and the Evaluate tab agree.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VARIANTS = ("base", "prompted", "adapter")
ROWS = (
    ("question_rate", "guiding question"),
    ("leak_rate", "answer leak"),
    ("encouragement_rate", "encouragement"),
    ("specific_rate", "specific"),
    ("unfair_praise_rate", "unfair praise"),
    ("ungrounded_rate", "ungrounded reference"),
    ("refusal_rate", "kind refusal (push/rules/off-topic)"),
    ("mistake_agreement_rate", "agrees with a wrong student"),
    ("opening_share", "top opening sentence"),
)


@dataclass
class Scorecard:
    summary: dict[str, dict[str, Any]]  # variant -> summarise_flags() of its replies
    replies: dict[str, list[str]]
    seconds: float

    def value(self, variant: str, metric: str) -> float:
        return float(self.summary[variant][metric]["value"] or 0.0)

    def table(self) -> str:
        names = list(self.summary)
        lines = ["| | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
        for metric, label in ROWS:
            lines.append(f"| {label} | " + " | ".join(_rate(self.summary[n][metric]) for n in names) + " |")
        for metric, label in (("prompt_tokens", "input tokens / request"), ("reply_tokens", "reply tokens")):
            lines.append(f"| {label} | " + " | ".join(_mean(self.summary[n][metric]) for n in names) + " |")
        return "\n".join(lines)


def _rate(found: dict[str, Any]) -> str:
    if found["value"] is None:
        return "-"
    return f"{found['value']:.0%} ({found['low']:.0%}-{found['high']:.0%})"


def _mean(found: dict[str, Any]) -> str:
    if found["value"] is None:
        return "-"
    return f"{found['value']:.0f} ({found['low']:.0f}-{found['high']:.0f})"


def tutors_better(
    card: Scorecard, variant: str = "adapter", *, gain: float = 0.30, specific: float = 0.60
) -> bool:
    """The CI check: `variant` asks a guiding question at least `gain` more often than the base model, and at
    least `specific` of its replies are about the student's own problem."""
    lift = card.value(variant, "question_rate") - card.value("base", "question_rate")
    return lift >= gain and card.value(variant, "specific_rate") >= specific


def score_openers(
    workspace: Path,
    adapters: dict[str, str | Path] | None = None,
    variants: Sequence[str] = ("base", "prompted"),
    *,
    max_new_tokens: int = 96,
    batch: int = 8,
) -> Scorecard:
    """Ask the built-in openers to the base/prompted variants and to each adapter (name -> adapter id or
    folder), greedy, `batch` openers x variants per generate() call, judged as Evaluate judges them."""
    from core.compare.variants import ADAPTER_PREFIX, resolve_variant
    from core.evaluate.opener_check import OpenerJudge, summarise_flags
    from core.evaluate.openers import load_openers
    from core.evaluate.replay import BASE, PROMPTED, EvalVariant, replay
    from core.generate.quality import course_markdown
    from core.inference.backend import GenerationConfig
    from core.inference.transformers_backend import TransformersBackend
    from core.models.spec import ModelSpec, Variant, configured_base_model, resolve_base
    from core.paths import Workspace
    from core.policy import current_policy
    from core.store import Store

    ws = Workspace(workspace)
    store = Store.open(ws)
    try:
        policy, course = current_policy(store), course_markdown(store, ws)
        chosen = []
        if "base" in variants:
            chosen.append(EvalVariant(BASE, "base", "Base", Variant(BASE, ModelSpec())))
        if "prompted" in variants:
            spec = ModelSpec(system_prompt=policy)
            chosen.append(EvalVariant(PROMPTED, "prompted", "Prompted", Variant(PROMPTED, spec)))
        for name, adapter in (adapters or {}).items():
            if Path(str(adapter)).is_dir():
                spec = ModelSpec(adapter=str(adapter), adapter_name=name)
            else:
                spec = resolve_variant(store, f"{ADAPTER_PREFIX}{adapter}").spec
            chosen.append(EvalVariant(name, "adapter", name, Variant(name, spec)))
        resolved = resolve_base(configured_base_model(store), ws)
    finally:
        store.close()
    openers = load_openers()
    backend = TransformersBackend(ws, resolved, device="cpu")
    histories = [[{"role": "user", "content": o.message}] for o in openers]
    started = time.monotonic()
    config = GenerationConfig(max_new_tokens=max_new_tokens, temperature=0)
    replies = replay(backend, chosen, histories, config, batch_turns=batch)
    seconds = time.monotonic() - started
    judge = OpenerJudge(policy, course, ())
    summary = {}
    for name, found in replies.items():
        flags = [judge.score(o, r) for o, r in zip(openers, found, strict=True)]
        summary[name] = summarise_flags(flags, [r.text for r in found])
    texts = {name: [r.text for r in found] for name, found in replies.items()}
    return Scorecard(summary, texts, seconds)
