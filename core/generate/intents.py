"""Student personas (intents) and the mix of them across a run.

    mix = StudentMix.default()                       # confused 3, misconception 2, wrong_answer 2, ...
    mix = StudentMix.parse("confused=2,frustrated=1")
    plan_intents(mix, count=12, seed=7)              # 12 intents in the mix's proportions, shuffled

The plan gives each intent its share by largest remainder (so 12 items at 3:2:2:1:1:1 give exactly
3:2:2:2:2:1, not whatever a random draw happens to give), then shuffles with the seed, so a run and its
resume assign the same intent to the same item.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal, get_args

Intent = Literal["confused", "misconception", "wrong_answer", "just_tell_me", "frustrated", "off_topic"]
INTENTS: tuple[Intent, ...] = get_args(Intent)


@dataclass(frozen=True)
class IntentInfo:
    label: str
    help: str  # what a teacher reads next to the slider
    persona: str  # what an LLM teacher is told about the student


INTENT_INFO: dict[Intent, IntentInfo] = {
    "confused": IntentInfo(
        "Confused",
        "The student does not understand the topic yet and asks for help.",
        "The student is confused about the topic and asks for help in their own words.",
    ),
    "misconception": IntentInfo(
        "Has a misconception",
        "The student believes something plausible but wrong (e.g. adding the tops and bottoms of fractions).",
        "The student holds a plausible misconception about the topic and states it confidently.",
    ),
    "wrong_answer": IntentInfo(
        "Gives a wrong answer",
        "The student tries and gets it wrong; the tutor helps them find the error.",
        "The student attempts the question and gives a wrong answer.",
    ),
    "just_tell_me": IntentInfo(
        "Says 'just tell me'",
        "The student wants the answer handed over; the tutor politely declines and gives a hint.",
        "The student asks the tutor to just tell them the answer, and may push again once.",
    ),
    "frustrated": IntentInfo(
        "Frustrated",
        "The student is upset or ready to give up; the tutor shows empathy and offers a smaller step.",
        "The student is frustrated, upset or ready to give up.",
    ),
    "off_topic": IntentInfo(
        "Tries to go off-topic",
        "The student asks about something else or asks the tutor to ignore its rules; the tutor steers back.",
        "The student first tries to take the tutor off-topic or to make it ignore its rules, then returns to the question.",
    ),
}
DEFAULT_WEIGHTS: dict[Intent, float] = {
    "confused": 3,
    "misconception": 2,
    "wrong_answer": 2,
    "just_tell_me": 1,
    "frustrated": 1,
    "off_topic": 2,
}
MAX_WEIGHT = 100.0


class MixError(ValueError):
    """The student mix cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class StudentMix:
    """How often each student intent appears: relative weights (0 leaves an intent out)."""

    weights: dict[Intent, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    def __post_init__(self) -> None:
        unknown = sorted(set(self.weights) - set(INTENTS))
        if unknown:
            raise MixError(f"Unknown student intent {unknown[0]!r}; use one of: {', '.join(INTENTS)}.")
        for intent, weight in self.weights.items():
            if not 0 <= float(weight) <= MAX_WEIGHT:
                raise MixError(f"The weight of {intent} is {weight}; use a number from 0 to {MAX_WEIGHT:g}.")
        if sum(self.weights.values()) <= 0:
            raise MixError("Every student intent has weight 0; give at least one intent a weight above 0.")

    @classmethod
    def default(cls) -> StudentMix:
        return cls(dict(DEFAULT_WEIGHTS))

    @classmethod
    def parse(cls, text: str) -> StudentMix:
        """`confused=2,frustrated=1` (intents left out get 0)."""
        weights: dict[Intent, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, sep, value = part.partition("=")
            if not sep:
                raise MixError(
                    f"Write the mix as intent=weight pairs, e.g. confused=2,frustrated=1 (got {part!r})."
                )
            try:
                weights[name.strip()] = float(value)  # type: ignore[index]
            except ValueError as exc:
                raise MixError(f"The weight in {part!r} is not a number.") from exc
        return cls(weights)

    def shares(self) -> dict[Intent, float]:
        total = sum(self.weights.values())
        return {intent: self.weights.get(intent, 0) / total for intent in INTENTS}

    def to_dict(self) -> dict[str, float]:
        return {intent: float(self.weights.get(intent, 0)) for intent in INTENTS}


def plan_intents(mix: StudentMix, count: int, seed: int) -> list[Intent]:
    """`count` intents in the mix's proportions (largest remainder), in a seeded random order."""
    shares = mix.shares()
    exact = {intent: share * count for intent, share in shares.items()}
    quotas = {intent: int(value) for intent, value in exact.items()}
    left = count - sum(quotas.values())
    by_remainder = sorted(INTENTS, key=lambda i: (exact[i] - quotas[i], shares[i]), reverse=True)
    for intent in by_remainder[:left]:
        quotas[intent] += 1
    plan: list[Intent] = [intent for intent in INTENTS for _ in range(quotas[intent])]
    random.Random(seed).shuffle(plan)
    return plan
