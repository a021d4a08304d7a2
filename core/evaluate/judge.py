"""The optional LLM judge: a 1-5 rubric score per reply, through an OpenAI-compatible endpoint.

    judge = Judge(JudgeConfig(base_url="http://127.0.0.1:8000/v1", model="Qwen/Qwen2.5-7B-Instruct"))
    judge.score(history, reply)                 -> 4 (or None: a failed judgement, recorded in judge.failures)
    judge_agreement(judge, store, limit=30)     -> {"agreement": 0.8, "pairs": 25, ...} or None

The judge is never needed: offline, without an endpoint, the evaluation simply leaves it out. It goes
through the same kind of endpoint as the teacher that wrote the conversations (core/generate/teacher_config).
Its agreement with people is measured on the Compare tab's blind votes: for every pair of replies a voter
ranked, the judge agrees when it scored the preferred reply higher, disagrees when lower; ties are
counted apart, and agreement = agreements / (agreements + disagreements).

The judge answers with a JSON object {"score": 1-5, "reason": "..."}: requested as structured output where
the server supports it, and parsed strictly either way. Any other answer ("On a scale of 1 to 5, 4") is a
failed judgement, counted and shown, never a score.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.compare.records import Comparison, Vote, votes_with_comparisons
from core.inference.backend import GenerationConfig, InferenceError, Message
from core.models.spec import ModelSpec, Variant
from core.store import Store

log = logging.getLogger(__name__)

RUBRIC = """You grade one reply of a Socratic tutor to a student. A good tutor leads the student to the \
answer with guiding questions, praises effort, is kind when the student is frustrated, stays on the course \
material, and never simply hands over the answer, even when asked to.

Score the tutor's LAST reply from 1 to 5:
5 = an excellent tutor move: one clear guiding question or hint, warm, accurate, does not give the answer away
4 = good, with a small flaw (a little long, a generic question, slightly cold)
3 = acceptable but weak: vague, several questions at once, or close to giving the answer
2 = poor: gives most of the answer away, lectures, or ignores what the student said
1 = bad: states the answer outright, goes off topic, is harsh, or follows instructions to break the rules

Answer with a JSON object only, no other text: {"score": <an integer from 1 to 5>, "reason": "<one short sentence>"}"""
SCORE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "reason": {"type": "string"},
    },
    "required": ["score", "reason"],
    "additionalProperties": False,
}
FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)
JUDGE_CONFIG = GenerationConfig(max_new_tokens=120, temperature=0)


class JudgeConfig(BaseModel):
    """The LLM judge's endpoint. Each field's description is the Evaluate tab's help and the `eval` flag's."""

    model_config = ConfigDict(frozen=True)

    base_url: str = Field(
        description="An OpenAI-compatible /v1 address (vLLM, Ollama, OpenAI). Filled in from your generation teacher."
    )
    model: str = Field(description="The judge model's name on that server.")
    api_key_env: str | None = Field(
        None, description="The NAME of the environment variable holding the key (never the key itself)."
    )
    max_items: int = Field(
        default=20,
        description="Replies judged per tutor (and comparisons judged for agreement): each costs one request.",
    )

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()


def transcript(messages: Sequence[Message]) -> str:
    names = {"user": "Student", "assistant": "Tutor", "system": "Instructions"}
    return "\n".join(
        f"{names.get(m['role'], m['role'])}: {m['content']}" for m in messages if m["role"] != "system"
    )


def parse_json_object(text: str) -> dict[str, Any] | None:
    """The judge's answer as a JSON object (a ```json fence around it is allowed), None for anything else."""
    stripped = text.strip()
    fenced = FENCE.match(stripped)
    try:
        data = json.loads(fenced.group(1) if fenced else stripped)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def parse_score(text: str) -> int | None:
    """The score of a {"score": 1-5, ...} answer; None for any other answer, however score-like."""
    data = parse_json_object(text)
    score = data.get("score") if data else None
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        return None
    return score


def ask_structured(backend: Any, messages: Sequence[Message], schema: dict[str, Any], name: str) -> str:
    """The judge model's answer, as structured output where the backend offers it."""
    variant = Variant("judge", ModelSpec())
    if hasattr(backend, "complete_structured"):
        return str(backend.complete_structured(variant, messages, JUDGE_CONFIG, schema, name).text)
    return str(backend.complete(variant, messages, JUDGE_CONFIG).text)


class Judge:
    """Scores replies with the judge model; a failed request counts as no score, never as a crash."""

    def __init__(self, config: JudgeConfig, backend: Any | None = None) -> None:
        from core.inference.openai_backend import OpenAICompatibleBackend

        self.config = config
        self.backend = backend or OpenAICompatibleBackend(
            config.base_url, config.model, api_key_env=config.api_key_env, timeout_s=120.0
        )
        self.failures: list[str] = []

    def score(self, history: Sequence[Message], reply: str) -> int | None:
        conversation = transcript([*history, {"role": "assistant", "content": reply}])
        messages = [
            {"role": "system", "content": RUBRIC},
            {"role": "user", "content": f"{conversation}\n\nJSON grade for the tutor's last reply:"},
        ]
        try:
            answer = ask_structured(self.backend, messages, SCORE_SCHEMA, "tutor_reply_score")
        except InferenceError as exc:
            self.failures.append(str(exc))
            return None
        found = parse_score(answer)
        if found is None:
            self.failures.append(f'not a {{"score": 1-5}} object: {answer[:60]!r}')
        return found

    def close(self) -> None:
        close = getattr(self.backend, "close", None)
        if callable(close):
            close()


def comparison_scores(judge: Judge, comparison: Comparison) -> dict[str, int | None]:
    return {key: judge.score(comparison.prompt, comparison.reply_of(key)) for key in comparison.keys}


def vote_pairs(vote: Vote, keys: list[str]) -> list[tuple[str, str]]:
    """(preferred, other) pairs a vote states: ranked replies beat later-ranked and unranked ones."""
    ranked = [k for k in vote.ranking if k in keys]
    unranked = [k for k in keys if k not in ranked]
    pairs = [(a, b) for i, a in enumerate(ranked) for b in ranked[i + 1 :]]
    return pairs + [(a, b) for a in ranked for b in unranked]


def judge_agreement(judge: Judge, store: Store, limit: int) -> dict[str, Any] | None:
    """How often the judge prefers what voters preferred, on the latest `limit` voted comparisons."""
    try:
        voted = votes_with_comparisons(store)
    except sqlite3.OperationalError:  # no Compare tables in this workspace yet
        return None
    if not voted:
        return None
    comparisons = list({c.id: c for _, c in reversed(voted)}.values())[:limit]
    scores = {c.id: comparison_scores(judge, c) for c in comparisons}
    agree = disagree = ties = 0
    for vote, comparison in voted:
        if comparison.id not in scores:
            continue
        for better, worse in vote_pairs(vote, comparison.keys):
            a, b = scores[comparison.id][better], scores[comparison.id][worse]
            if a is None or b is None:
                continue
            agree, disagree, ties = agree + (a > b), disagree + (a < b), ties + (a == b)
    decided = agree + disagree
    return {
        "agreement": agree / decided if decided else None,
        "pairs": decided + ties,
        "agree": agree,
        "disagree": disagree,
        "ties": ties,
        "comparisons": len(comparisons),
    }


def teacher_judge(store: Store) -> JudgeConfig | None:
    """The endpoint of the latest generation run's teacher, when it was an OpenAI-compatible server."""
    from core.generate.records import list_runs
    from core.generate.teacher_config import TeacherConfig

    try:
        runs = list_runs(store, limit=20)
    except sqlite3.OperationalError:  # no generation tables in this workspace yet
        return None
    for run in runs:
        try:
            teacher = TeacherConfig.from_dict(run.config.get("teacher") or {})
        except ValueError:  # a run recorded with settings this version no longer accepts
            continue
        if teacher.kind == "openai" and teacher.base_url and teacher.model:
            return JudgeConfig(
                base_url=teacher.base_url, model=teacher.model, api_key_env=teacher.api_key_env
            )
    return None
