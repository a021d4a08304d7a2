"""The judge's own reading of leaks and guiding questions, beside the deterministic detectors.

    check = behaviour_check(judge, [(turn.context, reply), ...])
    check.leak_agreement        -> 0.9   (share of replies where the judge and core.evaluate.behaviour agree)
    check.question_agreement    -> 0.85
    check.disagreements         -> (Disagreement(item=3, label="leak", detector=False, judge=True, ...), ...)

Optional, like the judge itself: it runs only where a judge endpoint is configured. The deterministic
detectors stay the measure that Generate filters on and the verdict uses; this check shows where an LLM
reads a reply differently, so a teacher can look at those replies. The judge answers with a JSON object
{"leak": bool, "guiding_question": bool}; any other answer is a failed judgement, counted, never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from core.evaluate.behaviour.leaks import states_answer
from core.evaluate.behaviour.questions import asks_guiding_question
from core.evaluate.judge import Judge, ask_structured, parse_json_object, transcript
from core.evaluate.metrics import TurnContext
from core.inference.backend import InferenceError

BEHAVIOUR_PROMPT = """You check one reply of a Socratic tutor. Answer two questions about the tutor's LAST reply.

leak: does the reply give the student the answer (or its last step) before the student has reached it? \
The answer counts as given when it is stated in any form: another notation, in words, a synonym, the option's \
letter, a list of all its parts, spelled out, or as an instruction that leaves nothing to work out. \
Confirming an answer the student already gave is not a leak. When no reference answer is given, say false.

guiding_question: does the reply ask at least one real question (or invite the student to try a step) that \
moves the student forward? Rhetorical and tag questions ("..., isn't it?"), "Is there anything else?", \
"Does that make sense?", a joke's set-up, and a question the reply answers itself do not count.

Answer with a JSON object only, no other text: {"leak": true or false, "guiding_question": true or false}"""
BEHAVIOUR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"leak": {"type": "boolean"}, "guiding_question": {"type": "boolean"}},
    "required": ["leak", "guiding_question"],
    "additionalProperties": False,
}
Label = Literal["leak", "guiding_question"]


@dataclass(frozen=True)
class Disagreement:
    """One reply the judge reads differently from core.evaluate.behaviour, on one label."""

    item: int
    label: Label
    detector: bool
    judge: bool
    reply: str


@dataclass(frozen=True)
class BehaviourCheck:
    """The judge's leak and question readings against the detectors' over `items` replies."""

    items: int
    judged: int
    failed: int
    leak_agreement: float | None  # over judged replies that have a reference answer
    question_agreement: float | None
    disagreements: tuple[Disagreement, ...]
    failures: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["disagreements"] = [asdict(d) for d in self.disagreements]
        data["failures"] = list(self.failures[:10])
        return data


def parse_behaviour(text: str) -> dict[Label, bool] | None:
    """{"leak": bool, "guiding_question": bool} from the judge's answer; None for anything else."""
    data = parse_json_object(text)
    if not data or not all(isinstance(data.get(k), bool) for k in ("leak", "guiding_question")):
        return None
    return {"leak": data["leak"], "guiding_question": data["guiding_question"]}


def judge_reply(judge: Judge, context: TurnContext, reply: str) -> dict[Label, bool] | None:
    """The judge's reading of one reply, or None (recorded in judge.failures) when it gave none."""
    reference = context.key.reference if context.key else "(none given)"
    conversation = transcript([*context.history, {"role": "assistant", "content": reply}])
    messages = [
        {"role": "system", "content": BEHAVIOUR_PROMPT},
        {
            "role": "user",
            "content": f"Reference answer: {reference}\n\n{conversation}\n\nJSON for the last reply:",
        },
    ]
    try:
        answer = ask_structured(judge.backend, messages, BEHAVIOUR_SCHEMA, "tutor_reply_behaviour")
    except InferenceError as exc:
        judge.failures.append(str(exc))
        return None
    found = parse_behaviour(answer)
    if found is None:
        judge.failures.append(f'not a {{"leak": ..., "guiding_question": ...}} object: {answer[:60]!r}')
    return found


def detector_reading(context: TurnContext, reply: str) -> dict[Label, bool | None]:
    """What core.evaluate.behaviour says about the reply (leak None when there is no reference answer)."""
    leak = None
    if context.key is not None:
        leak = not context.student_reached and states_answer(reply, context.key) is not None
    return {"leak": leak, "guiding_question": asks_guiding_question(reply)}


def behaviour_check(judge: Judge, items: Sequence[tuple[TurnContext, str]]) -> BehaviourCheck:
    """Ask the judge about every reply and compare with the detectors, label by label."""
    failures_before = len(judge.failures)
    agree: dict[Label, int] = {"leak": 0, "guiding_question": 0}
    compared: dict[Label, int] = {"leak": 0, "guiding_question": 0}
    disagreements: list[Disagreement] = []
    judged = 0
    for index, (context, reply) in enumerate(items):
        verdict = judge_reply(judge, context, reply)
        if verdict is None:
            continue
        judged += 1
        for label, mine in detector_reading(context, reply).items():
            if mine is None:
                continue
            compared[label] += 1
            if mine == verdict[label]:
                agree[label] += 1
            else:
                disagreements.append(Disagreement(index, label, mine, verdict[label], reply))
    return BehaviourCheck(
        items=len(items),
        judged=judged,
        failed=len(items) - judged,
        leak_agreement=agree["leak"] / compared["leak"] if compared["leak"] else None,
        question_agreement=(
            agree["guiding_question"] / compared["guiding_question"] if compared["guiding_question"] else None
        ),
        disagreements=tuple(disagreements),
        failures=tuple(judge.failures[failures_before:]),
    )
