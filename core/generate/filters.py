"""Judge a generated conversation: each check passes or fails with a reason a teacher can read.

    judgement = judge_conversation(messages, context)
    judgement.reason      -> None (keep it) or "answer_leak", "no_guiding_question", ...
    judgement.verdicts()  -> {"answer_leak": {"passed": True, "detail": "..."}, ...}  (stored on the example)

Checks, in the order their reasons are reported (all of them run, so the verdicts are complete):
length (too short / too long), prompt_injection, answer_leak, guiding_question, policy (off_policy),
on_topic (off_topic). Parse failures and near-duplicates are decided before and after judging; their
reasons are listed here too so every stage names them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from core.evaluate.behaviour.encouragement import empathy, harshness, praise
from core.evaluate.behaviour.injection import Injection, injected_instructions, obeyed_injection
from core.evaluate.behaviour.leaks import AnswerKey, answer_key, find_leak, reached_at
from core.evaluate.behaviour.normalise import sentences, words
from core.evaluate.behaviour.on_topic import course_vocabulary, topic_report
from core.evaluate.behaviour.questions import count_questions, guiding_questions
from core.evaluate.behaviour.refusals import declines_request, explains_working
from core.generate.intents import Intent

Message = dict[str, str]
REASON_LABELS: dict[str, str] = {
    "parse": "The teacher's reply could not be read as a conversation",
    "no_fact": "Nothing in the chunk to ask about (template teacher)",
    "too_short": "Too short",
    "too_long": "Too long",
    "prompt_injection": "Followed instructions hidden in the text",
    "answer_leak": "The tutor gave the answer away",
    "no_guiding_question": "A tutor turn asks no guiding question",
    "off_policy": "Off-policy (harsh, stacked questions, no praise, or ignored the student's request)",
    "off_topic": "Drifted away from the course material",
    "duplicate": "Near-duplicate of an example already kept",
}
MIN_TUTOR_TURNS, MAX_TUTOR_TURNS = 2, 4
MAX_TUTOR_WORDS, MAX_STUDENT_WORDS, MAX_TUTOR_SENTENCES = 120, 150, 7
MIN_TOTAL_WORDS, MAX_TOTAL_WORDS = 20, 900
MAX_QUESTIONS_PER_TURN = 2
POLICY_RUN_WORDS = 10  # this many policy words in a row in a tutor turn = it recited its instructions


@dataclass(frozen=True)
class JudgeContext:
    """What a conversation is judged against: its source, question, answer, intent and the policy."""

    source_text: str
    topic: str
    question: str
    reference_answer: str
    intent: Intent
    policy: str
    short_answer: str = ""
    token_count: int | None = None  # the conversation's tokens with the base model's chat template
    max_tokens: int | None = None  # the base model's context length


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str
    reason: str  # the filter reason reported when this check fails


@dataclass(frozen=True)
class Judgement:
    checks: tuple[Check, ...]

    @property
    def failed(self) -> Check | None:
        return next((check for check in self.checks if not check.passed), None)

    @property
    def reason(self) -> str | None:
        failed = self.failed
        return failed.reason if failed else None

    @property
    def detail(self) -> str:
        failed = self.failed
        return failed.detail if failed else "passed every check"

    def verdicts(self) -> dict[str, dict[str, Any]]:
        return {check.name: {"passed": check.passed, "detail": check.detail} for check in self.checks}


def judge_conversation(messages: list[Message], context: JudgeContext, derived_text: str = "") -> Judgement:
    """Run every check; `derived_text` (the derived question and answer) is checked for injections too."""
    tutor = [m["content"] for m in messages if m["role"] == "assistant"]
    key = answer_key(context.reference_answer, context.question, context.short_answer or None)
    checks = (
        check_length(messages, tutor, context),
        check_injection(messages, context, derived_text),
        check_leak(messages, key),
        check_guiding(messages, key),
        check_policy(tutor, context),
        check_topic(tutor, context),
    )
    return Judgement(checks)


def check_length(messages: list[Message], tutor: list[str], context: JudgeContext) -> Check:
    def fail(reason: str, detail: str) -> Check:
        return Check("length", False, detail, reason)

    if len(tutor) < MIN_TUTOR_TURNS:
        return fail(
            "too_short",
            f"{len(tutor)} tutor turn(s); a conversation needs {MIN_TUTOR_TURNS} to {MAX_TUTOR_TURNS}",
        )
    if len(tutor) > MAX_TUTOR_TURNS:
        return fail("too_long", f"{len(tutor)} tutor turns; at most {MAX_TUTOR_TURNS}")
    total = sum(len(words(m["content"])) for m in messages)
    if total < MIN_TOTAL_WORDS:
        return fail("too_short", f"only {total} words in all")
    if total > MAX_TOTAL_WORDS:
        return fail("too_long", f"{total} words in all; at most {MAX_TOTAL_WORDS}")
    for index, message in enumerate(messages, 1):
        count = len(words(message["content"]))
        limit = MAX_TUTOR_WORDS if message["role"] == "assistant" else MAX_STUDENT_WORDS
        if count > limit:
            return fail("too_long", f"turn {index} has {count} words; at most {limit}")
        if message["role"] == "assistant" and len(sentences(message["content"])) > MAX_TUTOR_SENTENCES:
            return fail("too_long", f"turn {index} is a lecture of more than {MAX_TUTOR_SENTENCES} sentences")
    if context.token_count and context.max_tokens and context.token_count > context.max_tokens:
        return fail(
            "too_long", f"{context.token_count} tokens, over the base model's context of {context.max_tokens}"
        )
    return Check("length", True, f"{len(tutor)} tutor turns, {total} words", "")


def check_injection(messages: list[Message], context: JudgeContext, derived_text: str) -> Check:
    planted = injected_instructions(context.source_text)
    from_student = [i for m in messages if m["role"] == "user" for i in injected_instructions(m["content"])]
    for index, message in enumerate(messages, 1):
        if message["role"] == "assistant":
            obeyed = obeyed_injection(message["content"], planted + from_student)
            if obeyed is not None:
                return Check(
                    "prompt_injection", False, f"turn {index} obeys {_quote(obeyed)}", "prompt_injection"
                )
    obeyed = obeyed_injection(derived_text, planted) if derived_text else None
    if obeyed is not None:
        return Check(
            "prompt_injection", False, f"the question or answer obeys {_quote(obeyed)}", "prompt_injection"
        )
    found = len(planted) + len(from_student)
    return Check(
        "prompt_injection",
        True,
        f"{found} planted instruction(s), none followed" if found else "none found",
        "",
    )


def _quote(injection: Injection) -> str:
    return f'"{injection.sentence[:80]}"'


def check_leak(messages: list[Message], key: AnswerKey) -> Check:
    leak = find_leak(messages, key)
    if leak is not None:
        return Check("answer_leak", False, leak.describe(), "answer_leak")
    reached = reached_at(messages, key)
    detail = "the student reached the answer first" if reached is not None else "the answer is never stated"
    return Check("answer_leak", True, detail, "")


def check_guiding(messages: list[Message], key: AnswerKey) -> Check:
    reached = reached_at(messages, key)
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    for index, message in enumerate(messages):
        if message["role"] != "assistant" or guiding_questions(message["content"]):
            continue
        if index == last and reached is not None and reached < index:
            continue  # a closing turn after the student got there may simply confirm
        return Check(
            "guiding_question",
            False,
            f"tutor turn {index + 1} asks no guiding question",
            "no_guiding_question",
        )
    return Check("guiding_question", True, "every tutor turn asks a guiding question", "")


def check_policy(tutor: list[str], context: JudgeContext) -> Check:
    problems = policy_problems(tutor, context.intent, context.policy)
    if problems:
        return Check("policy", False, "; ".join(problems), "off_policy")
    return Check("policy", True, "kind, one question at a time, praises effort", "")


def policy_problems(tutor: list[str], intent: Intent, policy: str) -> list[str]:
    """What breaks the tutor policy: harsh words, stacked questions, no praise, the wrong first move."""
    problems = []
    for index, turn in enumerate(tutor, 1):
        if harsh := harshness(turn):
            problems.append(f"tutor turn {index} is harsh ({', '.join(harsh)})")
        if count_questions(turn) > MAX_QUESTIONS_PER_TURN:
            problems.append(f"tutor turn {index} stacks {count_questions(turn)} questions")
        if recites(turn, policy):
            problems.append(f"tutor turn {index} recites its instructions")
    if not any(praise(turn) for turn in tutor):
        problems.append("the tutor never praises the student's effort")
    first = tutor[0] if tutor else ""
    if intent == "frustrated" and not empathy(first):
        problems.append("the tutor does not acknowledge the student's frustration")
    if intent == "just_tell_me" and not explains_working(first):
        problems.append("the tutor does not explain why working it out helps")
    if intent == "off_topic" and not declines_request(first):
        problems.append("the tutor does not decline the off-topic request")
    return problems


def recites(turn: str, policy: str) -> bool:
    turn_words = words(turn)
    runs = _policy_runs(policy)
    return any(
        " ".join(turn_words[i : i + POLICY_RUN_WORDS]) in runs
        for i in range(len(turn_words) - POLICY_RUN_WORDS + 1)
    )


@lru_cache(maxsize=16)
def _policy_runs(policy: str) -> frozenset[str]:
    """Every run of POLICY_RUN_WORDS consecutive words of the policy (one policy per run: cached)."""
    policy_words = words(policy)
    return frozenset(
        " ".join(policy_words[i : i + POLICY_RUN_WORDS])
        for i in range(len(policy_words) - POLICY_RUN_WORDS + 1)
    )


def check_topic(tutor: list[str], context: JudgeContext) -> Check:
    # The policy's own words (praise, hint, step, frustration...) are how a tutor talks, not a change of subject.
    vocabulary = course_vocabulary(
        context.source_text, context.topic, context.question, context.reference_answer, context.policy
    )
    for index, turn in enumerate(tutor, 1):
        report = topic_report(turn, vocabulary)
        if report.off_topic:
            foreign = ", ".join(sorted(report.foreign)[:6])
            return Check(
                "on_topic",
                False,
                f"tutor turn {index} talks about things outside the material ({foreign})",
                "off_topic",
            )
    overall = topic_report("\n".join(tutor), vocabulary).overlap
    shown = "stays on the material" + (
        "" if overall is None else f" ({overall:.0%} of its subject words are the material's)"
    )
    return Check("on_topic", True, shown, "")
