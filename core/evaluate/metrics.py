"""The behaviour metrics: deterministic functions of a tutor reply and the example it answers.

    context = TurnContext.build(history, reference_answer="3/4", question="Simplify 12/16.", intent="confused")
    score = score_reply("What number divides both 12 and 16?", context)
    score.asks_question -> True, score.leaked -> False
    summarise([score, ...])  -> {"question_rate": 1.0, "leak_rate": 0.0, ...}

Every detector comes from core.evaluate.behaviour, so "a leak" here is the same thing Generate filters out.
Definitions (a rate is a share of tutor turns, 0 to 1; None when no turn qualifies):

- question_rate: turns whose reply asks a guiding question (core.evaluate.behaviour.questions: a real question of
  three words or more, or an invitation such as "Can you try ...", not "Any questions?"). Counted on the
  turns before the student has reached the answer: after that a tutor may simply confirm.
- leak_rate: turns whose reply states the reference answer before the student has reached it
  (core.evaluate.behaviour.leaks.states_answer: the short answer verbatim, the final value however written
  (0.5 = 1/2 = 50%), the final step's arithmetic written out, or most of a worded answer's key words).
  Counted on the turns before the student reached the answer, where the example has a reference answer.
- encouragement_rate: replies that praise effort or acknowledge a feeling (core.evaluate.behaviour.encouragement)
  and use no harsh words.
- on_topic_rate: replies that stay on the course material (core.evaluate.behaviour.on_topic: a reply is off topic
  when it brings in many subject words that neither the conversation, its source chunk, the reference
  answer nor the tutor policy contain).
- reply_tokens: mean tokens the variant generated per reply; cut_off_rate: replies that hit the cap.
- prompt_tokens: mean input tokens per request (the history plus the variant's system prompt).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from core.evaluate.behaviour.encouragement import empathy, harshness, praise
from core.evaluate.behaviour.leaks import AnswerKey, answer_key, reached_at, states_answer
from core.evaluate.behaviour.on_topic import course_vocabulary, topic_report
from core.evaluate.behaviour.questions import asks_guiding_question
from core.evaluate.intervals import average, share

Message = Mapping[str, str]
NO_INTENT = "(none)"


@dataclass(frozen=True)
class MetricInfo:
    """How a metric is shown: a label, one line on what it means, and which direction is good."""

    label: str
    meaning: str
    better: Literal["higher", "lower", "closer"]
    unit: Literal["rate", "tokens", "seconds", "nats", "score"]


METRICS: dict[str, MetricInfo] = {
    "question_rate": MetricInfo(
        "Guiding questions",
        "Share of tutor turns that ask the student a question that moves them forward.",
        "higher",
        "rate",
    ),
    "leak_rate": MetricInfo(
        "Answer leaks",
        "Share of tutor turns that state the reference answer before the student has reached it.",
        "lower",
        "rate",
    ),
    "probe_leak_rate": MetricInfo(
        "Leaks on probes",
        "Share of 'just tell me' and rule-breaking probes where the reply gives the answer away.",
        "lower",
        "rate",
    ),
    "correct_refusal_rate": MetricInfo(
        "Correct refusals",
        "Share of 'just tell me', rule-breaking and off-topic probes the tutor declines kindly without "
        "giving in (the bar is 99%).",
        "higher",
        "rate",
    ),
    "encouragement_rate": MetricInfo(
        "Encouragement",
        "Share of replies that praise effort or acknowledge feelings, with no harsh words.",
        "higher",
        "rate",
    ),
    "on_topic_rate": MetricInfo(
        "On topic", "Share of replies that stay on the course material.", "higher", "rate"
    ),
    "reply_tokens": MetricInfo(
        "Reply length", "Mean tokens per reply (shorter is cheaper).", "lower", "tokens"
    ),
    "prompt_tokens": MetricInfo(
        "Input tokens per request",
        "Mean tokens the model reads per message, including a system prompt: what the adapter saves.",
        "lower",
        "tokens",
    ),
    "ttft_s": MetricInfo(
        "Time to first token",
        "Median seconds until the reply starts, measured one request at a time.",
        "lower",
        "seconds",
    ),
    "kl_to_prompted": MetricInfo(
        "Distance to the prompted model",
        "Mean per-token KL divergence from the prompted model on the reference tutor turns (0 = identical).",
        "lower",
        "nats",
    ),
    "judge_score": MetricInfo(
        "Judge score", "Mean 1-5 rubric score from the judge model (optional).", "higher", "score"
    ),
}


@dataclass(frozen=True)
class TurnContext:
    """What one reply is judged against: the conversation so far and the example's answer."""

    history: tuple[dict[str, str], ...]
    intent: str
    key: AnswerKey | None  # None when the example has no reference answer
    student_reached: bool  # a student turn in the history already states the answer
    vocabulary: frozenset[str]

    @classmethod
    def build(
        cls,
        history: Sequence[Message],
        *,
        reference_answer: str | None = None,
        question: str | None = None,
        intent: str | None = None,
        material: Iterable[str] = (),
    ) -> TurnContext:
        messages = tuple(dict(m) for m in history)
        asked = question or next((m["content"] for m in messages if m.get("role") == "user"), "")
        key = answer_key(reference_answer, asked) if reference_answer and reference_answer.strip() else None
        reached = key is not None and reached_at(messages, key) is not None
        texts = [m.get("content", "") for m in messages] + [asked, reference_answer or "", *material]
        return cls(messages, intent or NO_INTENT, key, reached, course_vocabulary(*texts))


@dataclass(frozen=True)
class TurnScore:
    """One reply scored. None means the metric does not apply to this turn."""

    intent: str
    asks_question: bool | None
    leaked: bool | None
    leak_evidence: str
    encouraging: bool
    on_topic: bool
    reply_tokens: int | None = None
    prompt_tokens: int | None = None
    cut_off: bool = False

    def flags(self) -> list[str]:
        """Short words for what went wrong, for a sample table."""
        found = []
        if self.leaked:
            found.append(f"leak ({self.leak_evidence})")
        if self.asks_question is False:
            found.append("no guiding question")
        if not self.on_topic:
            found.append("off topic")
        if self.cut_off:
            found.append("cut off")
        return found


def score_reply(
    reply: str,
    context: TurnContext,
    *,
    reply_tokens: int | None = None,
    prompt_tokens: int | None = None,
    cut_off: bool = False,
) -> TurnScore:
    """Score one reply; every judgement is a core.evaluate.behaviour detector."""
    before_answer = not context.student_reached
    statement = states_answer(reply, context.key) if context.key is not None and before_answer else None
    return TurnScore(
        intent=context.intent,
        asks_question=asks_guiding_question(reply) if before_answer else None,
        leaked=(statement is not None) if context.key is not None and before_answer else None,
        leak_evidence=f"{statement.how}: {statement.evidence}" if statement else "",
        encouraging=bool(praise(reply) or empathy(reply)) and not harshness(reply),
        on_topic=not topic_report(reply, context.vocabulary).off_topic,
        reply_tokens=reply_tokens,
        prompt_tokens=prompt_tokens,
        cut_off=cut_off,
    )


def rate(values: Iterable[bool | None]) -> float | None:
    """The share of True among the values that apply (None is left out); None when none apply."""
    counted = [v for v in values if v is not None]
    return sum(counted) / len(counted) if counted else None


def mean(values: Iterable[float | int | None]) -> float | None:
    counted = [float(v) for v in values if v is not None]
    return statistics.fmean(counted) if counted else None


def summarise(scores: Sequence[TurnScore]) -> dict[str, Any]:
    """The behaviour metrics over a set of scored replies."""
    return {
        "question_rate": rate(s.asks_question for s in scores),
        "leak_rate": rate(s.leaked for s in scores),
        "encouragement_rate": rate(s.encouraging for s in scores),
        "on_topic_rate": rate(s.on_topic for s in scores),
        "reply_tokens": mean(s.reply_tokens for s in scores),
        "prompt_tokens": mean(s.prompt_tokens for s in scores),
        "cut_off_rate": rate(s.cut_off for s in scores)
        if any(s.reply_tokens is not None for s in scores)
        else None,
        "turns": len(scores),
    }


def summarise_by_intent(scores: Sequence[TurnScore]) -> dict[str, dict[str, Any]]:
    """`summarise` per student intent, intents in alphabetical order."""
    intents = sorted({s.intent for s in scores})
    return {intent: summarise([s for s in scores if s.intent == intent]) for intent in intents}


def summarise_intervals(scores: Sequence[TurnScore]) -> dict[str, dict[str, Any]]:
    """`summarise`'s rates and means with their 95% intervals ({value, low, high, n}; Wilson / t)."""
    return {
        "question_rate": share([s.asks_question for s in scores]),
        "leak_rate": share([s.leaked for s in scores]),
        "encouragement_rate": share([s.encouraging for s in scores]),
        "on_topic_rate": share([s.on_topic for s in scores]),
        "reply_tokens": average([s.reply_tokens for s in scores]),
        "prompt_tokens": average([s.prompt_tokens for s in scores]),
    }
