"""The openers section: every variant answers the held-out student openers, and each rate gets its interval.

    section = run_openers(backend, plan, steps)       # report["openers"]
    section["variants"]["prompted"]["overall"]["question_rate"]
        -> {"value": 0.42, "low": 0.31, "high": 0.53, "successes": 30, "n": 72}
    section["items"][0]["replies"]["base"]["flags"]   -> per-reply judgements, in opener order

The test split of a small course holds 2 to 4 conversations, so its rates are 0%, 50% or 100%; the
openers (core.evaluate.openers: 72 built in, plus the teacher's own) make every rate rest on at least
50 replies per variant. All variants answer the same openers in the same order, which lets the verdict
compare two variants item by item (a paired comparison, core.evaluate.intervals).

Per reply (one opener, one variant): guiding question (core.evaluate.behaviour.questions), leak of the opener's
answer (core.evaluate.behaviour.leaks), encouragement, specific to the student's problem, unfair praise,
ungrounded references to the course (core.evaluate.behaviour.substance), a correct refusal for the openers that
push for the answer, break the rules or go off topic (core.evaluate.probes' rule), agreement with a
student who is wrong (core.evaluate.behaviour.agreement, on the wrong-answer and misconception openers only),
reply and input tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.compare.probes import Probe
from core.evaluate.behaviour.agreement import agrees_with_mistake
from core.evaluate.behaviour.encouragement import empathy, harshness, praise
from core.evaluate.behaviour.leaks import answer_key, states_answer
from core.evaluate.behaviour.on_topic import course_vocabulary
from core.evaluate.behaviour.questions import asks_guiding_question
from core.evaluate.behaviour.substance import (
    distinct_share,
    is_specific,
    opening_sentence,
    unfair_praise,
    ungrounded_references,
)
from core.evaluate.intervals import average, share
from core.evaluate.openers import Opener
from core.evaluate.plan import EvalPlan, Steps
from core.evaluate.probes import refusal
from core.evaluate.replay import Reply, replay
from core.inference.backend import ChatBackend, GenerationConfig

# The opener intents that test a refusal, and the probe category whose rule judges it.
REFUSAL_INTENTS = {
    "just_tell_me": "answer_seeking",
    "ignore_rules": "prompt_injection",
    "off_topic": "off_topic",
}
# The opener intents whose student is wrong (a wrong answer, a misconception): agreeing with them is judged.
MISTAKE_INTENTS = frozenset({"wrong_answer", "misconception"})
RATES = (
    "question_rate",
    "leak_rate",
    "encouragement_rate",
    "specific_rate",
    "unfair_praise_rate",
    "ungrounded_rate",
    "refusal_rate",
    "mistake_agreement_rate",
    "cut_off_rate",
)
MEANS = ("reply_tokens", "prompt_tokens")
FLAG_OF = {
    "question_rate": "question",
    "leak_rate": "leaked",
    "encouragement_rate": "encouraging",
    "specific_rate": "specific",
    "unfair_praise_rate": "unfair_praise",
    "ungrounded_rate": "ungrounded",
    "refusal_rate": "refused",
    "mistake_agreement_rate": "agrees_with_mistake",
    "cut_off_rate": "cut_off",
}


@dataclass(frozen=True)
class OpenerJudge:
    """What every reply is judged against: the tutor policy, the course text and its vocabulary."""

    policy: str
    course_text: str
    course_words: tuple[str, ...]

    def score(self, opener: Opener, reply: Reply) -> dict[str, Any]:
        text = reply.text
        leaked = states_answer(text, answer_key(opener.reference, opener.question, opener.answer))
        refused: bool | None = None
        if opener.intent in REFUSAL_INTENTS:
            probe = Probe(opener.id, REFUSAL_INTENTS[opener.intent], opener.message)  # type: ignore[arg-type]
            vocabulary = course_vocabulary(
                *self.course_words, opener.message, opener.question, opener.reference, self.policy
            )
            refused = leaked is None and refusal(probe, text, self.policy, vocabulary)[0]
        ungrounded = ungrounded_references(text, self.course_text, opener.message)
        return {
            "question": asks_guiding_question(text),
            "leaked": leaked is not None,
            "leak_evidence": f"{leaked.how}: {leaked.evidence}" if leaked else "",
            "encouraging": bool(praise(text) or empathy(text)) and not harshness(text),
            "specific": is_specific(text, opener.message),
            "unfair_praise": unfair_praise(text, opener.message),
            "ungrounded": bool(ungrounded),
            "ungrounded_references": ungrounded,
            "refused": refused,
            "agrees_with_mistake": agrees_with_mistake(text) if opener.intent in MISTAKE_INTENTS else None,
            "cut_off": reply.cut_off,
            "reply_tokens": reply.completion_tokens,
            "prompt_tokens": reply.prompt_tokens,
        }


def run_openers(
    backend: ChatBackend, plan: EvalPlan, steps: Steps, judge: OpenerJudge | None = None
) -> dict[str, Any]:
    """Send every opener to every variant (batched, greedy) and summarise each variant with intervals."""
    openers, config = plan.openers, plan.config
    generation = GenerationConfig(max_new_tokens=config.opener_tokens, temperature=0)
    update = steps.tracker(len(openers), lambda n: f"Sending the student openers: {n} of {len(openers)}")
    replies = replay(
        backend,
        plan.variants,
        [[{"role": "user", "content": o.message}] for o in openers],
        generation,
        batch_turns=config.opener_batch,
        on_batch=update,
        should_stop=steps.stop_requested,
    )
    steps.check()
    judge = judge or OpenerJudge(plan.policy, plan.course_text, tuple(plan.test.vocabulary_texts))
    flags = {
        name: [judge.score(o, r) for o, r in zip(openers, found, strict=True)]
        for name, found in replies.items()
    }
    return opener_section(openers, replies, flags, config.opener_tokens)


def opener_section(
    openers: Sequence[Opener],
    replies: dict[str, list[Reply]],
    flags: dict[str, list[dict[str, Any]]],
    max_new_tokens: int,
) -> dict[str, Any]:
    sources: dict[str, int] = {}
    for opener in openers:
        sources[opener.source] = sources.get(opener.source, 0) + 1
    variants = {}
    for name, found in flags.items():
        texts = [r.text for r in replies[name]]
        variants[name] = {
            "overall": summarise_flags(found, texts),
            "by_intent": {
                intent: summarise_flags(
                    [f for f, o in zip(found, openers, strict=True) if o.intent == intent]
                )
                for intent in sorted({o.intent for o in openers})
            },
        }
    items = [
        {
            "id": o.id,
            "subject": o.subject,
            "in_course": o.in_course,
            "intent": o.intent,
            "source": o.source,
            "message": o.message,
            "answer": o.answer,
            "replies": {name: {"text": replies[name][i].text, **flags[name][i]} for name in flags},
        }
        for i, o in enumerate(openers)
    ]
    return {
        "count": len(openers),
        "sources": sources,
        "max_new_tokens": max_new_tokens,
        "variants": variants,
        "items": items,
    }


def summarise_flags(found: Sequence[dict[str, Any]], texts: Sequence[str] = ()) -> dict[str, Any]:
    """Each rate as {value, low, high, successes, n} (Wilson); token means with a t-interval."""
    summary: dict[str, Any] = {}
    for metric in RATES:
        summary[metric] = share([f[FLAG_OF[metric]] for f in found])
    for metric in MEANS:
        summary[metric] = average([f[metric] for f in found])
    if texts:
        summary.update(variety(texts))
    summary["replies"] = len(found)
    return summary


def variety(texts: Sequence[str]) -> dict[str, Any]:
    """Opening share (replies opening with the most common first sentence) and distinct share, as shares."""
    openings = [opening_sentence(t) for t in texts if t.strip()]
    top = max((openings.count(o) for o in set(openings)), default=0)
    distinct = round(distinct_share(texts) * len(openings))
    return {
        "opening_share": share([True] * top + [False] * (len(openings) - top)),
        "distinct_share": share([True] * distinct + [False] * (len(openings) - distinct)),
    }
