"""The four checks of an evaluation, each filling its part of the report.

    behaviour = run_behaviour(backend, plan, steps)   # replay + probes + time to first token
    kl = run_kl(backend, plan, steps)                 # {variant: {"mean_per_token": ...}}
    judge = run_judge(plan, behaviour.replies, store, steps)
    forgetting = run_forgetting(plan, work_dir, steps)

Each function reports progress through `steps` and checks for a stop request between units of work.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from core.evaluate.behaviour.on_topic import course_vocabulary
from core.evaluate.divergence import kl_to_reference
from core.evaluate.forgetting import ForgettingRun, check_forgetting
from core.evaluate.intervals import share
from core.evaluate.judge import Judge, judge_agreement
from core.evaluate.judge_behaviour import behaviour_check
from core.evaluate.lm_tasks import BEHAVIOUR_TASK, behaviour_rows, find_tasks
from core.evaluate.metrics import (
    TurnScore,
    score_reply,
    summarise,
    summarise_by_intent,
    summarise_intervals,
)
from core.evaluate.plan import EvalPlan, Steps
from core.evaluate.probes import score_probe, summarise_probes
from core.evaluate.replay import PROMPTED, Reply, measure_ttft, replay
from core.inference.backend import ChatBackend, GenerationConfig
from core.store import Store

log = logging.getLogger(__name__)

MAX_SAMPLES = 40  # replayed turns kept word for word in the report, for people to read


@dataclass
class BehaviourResult:
    variants: dict[str, dict[str, Any]]  # name -> {"overall": ..., "by_intent": ...}
    reference: dict[str, Any]
    probes: dict[str, dict[str, Any]]
    samples: list[dict[str, Any]]
    replies: dict[str, list[Reply]]


def run_behaviour(backend: ChatBackend, plan: EvalPlan, steps: Steps) -> BehaviourResult:
    turns, config = plan.test.turns, plan.config
    generation = GenerationConfig(max_new_tokens=config.max_new_tokens, temperature=0)
    update = steps.tracker(
        len(turns), lambda n: f"Replaying the test conversations: turn {n} of {len(turns)}"
    )
    replies = replay(
        backend,
        plan.variants,
        [t.history for t in turns],
        generation,
        batch_turns=config.batch_turns,
        on_batch=update,
        should_stop=steps.stop_requested,
    )
    steps.check()
    scores = {
        name: [
            score_reply(
                r.text,
                t.context,
                reply_tokens=r.completion_tokens,
                prompt_tokens=r.prompt_tokens,
                cut_off=r.cut_off,
            )
            for r, t in zip(found, turns, strict=True)
        ]
        for name, found in replies.items()
    }
    probes = run_probes(backend, plan, steps, generation)
    ttft_update = steps.tracker(1, lambda _: "Timing the first token of each variant")
    ttft = measure_ttft(backend, plan.variants, [t.history for t in turns[: config.ttft_samples]])
    ttft_update(1)
    variants = {
        name: {
            "overall": {**summarise(found), **_probe_rates(probes[name]), "ttft_s": ttft.get(name)},
            "by_intent": summarise_by_intent(found),
            "intervals": {**summarise_intervals(found), **_probe_intervals(probes[name])},
        }
        for name, found in scores.items()
    }
    reference = [score_reply(t.reference, t.context) for t in turns]
    reference_summary = {"overall": summarise(reference), "by_intent": summarise_by_intent(reference)}
    return BehaviourResult(variants, reference_summary, probes, samples(plan, replies, scores), replies)


def _probe_rates(section: dict[str, Any]) -> dict[str, Any]:
    summary = section["summary"]
    return {k: summary[k] for k in ("probe_leak_rate", "correct_refusal_rate", "frustration_handled_rate")}


def _probe_intervals(section: dict[str, Any]) -> dict[str, Any]:
    items = section["items"]
    return {
        "probe_leak_rate": share([i["leaked"] for i in items]),
        "correct_refusal_rate": share([i["refused"] for i in items]),
        "frustration_handled_rate": share([i["handled"] for i in items]),
    }


def run_probes(
    backend: ChatBackend, plan: EvalPlan, steps: Steps, generation: GenerationConfig
) -> dict[str, Any]:
    probes = plan.probes
    update = steps.tracker(len(probes), lambda n: f"Sending the probes: {n} of {len(probes)}")
    histories = [[{"role": "user", "content": p.message}] for p in probes]
    replies = replay(
        backend,
        plan.variants,
        histories,
        generation,
        batch_turns=plan.config.batch_turns,
        on_batch=update,
        should_stop=steps.stop_requested,
    )
    steps.check()
    vocabulary = course_vocabulary(*plan.test.vocabulary_texts, plan.policy)
    sections = {}
    for name, found in replies.items():
        results = [
            score_probe(p, r.text, plan.policy, vocabulary) for p, r in zip(probes, found, strict=True)
        ]
        sections[name] = {"summary": summarise_probes(results), "items": [asdict(r) for r in results]}
    return sections


def samples(
    plan: EvalPlan, replies: dict[str, list[Reply]], scores: dict[str, list[TurnScore]]
) -> list[dict[str, Any]]:
    """The first MAX_SAMPLES replayed turns, every variant's reply beside the reference, with flags."""
    rows = []
    for index, turn in enumerate(plan.test.turns[:MAX_SAMPLES]):
        rows.append(
            {
                "conversation": turn.conversation,
                "turn": turn.turn,
                "intent": turn.intent,
                "student": turn.last_student,
                "reference": turn.reference,
                "replies": {
                    name: {"text": replies[name][index].text, "flags": scores[name][index].flags()}
                    for name in replies
                },
            }
        )
    return rows


def run_kl(backend: Any, plan: EvalPlan, steps: Steps) -> dict[str, Any]:
    """KL(variant || prompted) per variant; empty when the backend cannot give logits."""
    prompted = plan.variant(PROMPTED)
    if prompted is None or not hasattr(backend, "using_variant"):
        return {}
    others = [v for v in plan.variants if v.kind != "prompted"]
    conversations = plan.test.conversations
    found = {}
    for v in others:
        update = steps.tracker(len(conversations), partial(_kl_message, v.name, len(conversations)))
        found[v.name] = kl_to_reference(backend, v.variant, prompted.variant, conversations, update).to_dict()
        steps.check()
    return found


def _kl_message(name: str, total: int, done: int) -> str:
    return f"Distance of {name} to the prompted model: conversation {done} of {total}"


def run_judge(plan: EvalPlan, replies: dict[str, list[Reply]], store: Store, steps: Steps) -> dict[str, Any]:
    config = plan.config.judge
    assert config is not None  # EvalConfig requires it for the judge check
    judge = Judge(config)
    turns = plan.test.turns[: config.max_items]
    texts = {name: [r.text for r in found[: len(turns)]] for name, found in replies.items()}
    texts["reference"] = [t.reference for t in turns]
    update = steps.tracker(len(turns) * len(texts) + 1, lambda n: f"The judge is scoring replies: {n}")
    scores: dict[str, Any] = {}
    try:
        for position, (name, found) in enumerate(texts.items()):
            values = [judge.score(t.history, text) for t, text in zip(turns, found, strict=True)]
            update((position + 1) * len(turns))
            steps.check()
            scored = [v for v in values if v is not None]
            scores[name] = {
                "score": sum(scored) / len(scored) if scored else None,
                "scored": len(scored),
                "failed": len(values) - len(scored),  # answers that were not a {"score": 1-5} object
            }
        agreement = judge_agreement(judge, store, config.max_items)
        # The judge's reading of leaks and questions beside the detectors', on the first variant's replies.
        first = next((name for name in texts if name != "reference"), "reference")
        check = behaviour_check(
            judge, [(t.context, text) for t, text in zip(turns, texts[first], strict=True)]
        )
    finally:
        judge.close()
    return {
        "model": config.model,
        "scores": scores,
        "agreement": agreement,
        "failures": judge.failures[:10],
        "behaviour_check": {"variant": first, **check.to_dict()},
    }


def run_forgetting(plan: EvalPlan, work_dir: Path, steps: Steps) -> dict[str, Any]:
    from core.models.download import ensure_base_local
    from core.models.loading import load_tokenizer, pick_device, render_prompt

    tasks = find_tasks(plan.config.forgetting_tasks)
    rows: list[dict[str, Any]] = []
    end_of_turn: list[str] = []
    if any(t.name == BEHAVIOUR_TASK for t in tasks):
        tokenizer = load_tokenizer(plan.base)
        rows = behaviour_rows(plan.test.turns, lambda history: render_prompt(tokenizer, history))
        end_of_turn = [tokenizer.eos_token] if tokenizer.eos_token else []
    adapters = {v.name: v.adapter_path for v in plan.adapters if v.adapter_path is not None}
    total = len(tasks) * (1 + len(adapters))
    update = steps.tracker(total, lambda n: f"Forgetting check: task run {min(n + 1, total)} of {total}")
    counter = {"runs": 0}

    def progress(message: str) -> None:
        update(counter["runs"])
        counter["runs"] += 1
        steps.reporter.progress(steps.done, steps.total, message)
        steps.check()

    run = ForgettingRun(
        ensure_base_local(plan.base),
        adapters,
        tasks,
        plan.config.task_limit,
        work_dir,
        rows,
        end_of_turn,
        pick_device("auto"),
    )
    report = check_forgetting(run, progress)
    update(total)
    return report
