"""The offline template teacher: valid, policy-following conversations for every intent, deterministic for
a seed, never using a planted instruction; a chunk of bare exercises has nothing to ask about."""

from __future__ import annotations

import itertools

import pytest

from core.evaluate.behaviour.agreement import agrees_with_mistake
from core.evaluate.behaviour.leaks import answer_key, find_leak
from core.evaluate.behaviour.questions import guiding_questions
from core.evaluate.behaviour.refusals import declines_request
from core.evaluate.behaviour.substance import effort_praise
from core.generate import phrasings
from core.generate.filters import JudgeContext, judge_conversation
from core.generate.intents import INTENTS, Intent
from core.generate.teachers import NoFactError, SourceChunk
from core.generate.template import TemplateTeacher
from core.policy import default_policy
from tests.core.generate.conftest import CHUNKS


def source(name: str) -> SourceChunk:
    heading, text = CHUNKS[name]
    return SourceChunk(f"chk_{name}", "doc_1", "lesson.md", tuple(heading), text)


def write(name: str, intent: Intent, seed: int, slot: int = 0) -> tuple[list[dict[str, str]], JudgeContext]:
    teacher = TemplateTeacher()
    chunk = source(name)
    derivation = teacher.derive(chunk, slot, seed)
    messages = teacher.write(chunk, derivation, intent, default_policy(), seed)
    context = JudgeContext(
        chunk.text, chunk.topic, derivation.question, derivation.reference_answer, intent, default_policy(),
        derivation.short_answer,
    )  # fmt: skip
    return messages, context


@pytest.mark.parametrize("intent", INTENTS)
@pytest.mark.parametrize("name", ["definition", "ohm", "fractions", "injected"])
def test_every_intent_gives_a_conversation_that_passes_every_check(name: str, intent: Intent) -> None:
    for seed in range(6):
        messages, context = write(name, intent, seed)
        roles = [m["role"] for m in messages]
        assert roles[0] == "user" and roles[-1] == "assistant"
        assert all(a != b for a, b in itertools.pairwise(roles))
        assert 2 <= roles.count("assistant") <= 4
        judgement = judge_conversation(messages, context)
        assert judgement.reason is None, (judgement.detail, messages)


def test_the_student_reaches_the_answer_before_the_tutor_says_it() -> None:
    messages, context = write("ohm", "confused", seed=3)
    assert context.question.endswith("What is the current?") and context.short_answer == "3 A"
    key = answer_key(context.reference_answer, context.question, context.short_answer)
    assert find_leak(messages, key) is None
    assert "3 A" in messages[-2]["content"]  # the student's turn, right before the tutor confirms


def test_the_same_seed_gives_the_same_conversation_and_seeds_vary_the_wording() -> None:
    assert write("definition", "frustrated", seed=5) == write("definition", "frustrated", seed=5)
    wordings = {write("definition", "frustrated", seed=s)[0][1]["content"] for s in range(12)}
    assert len(wordings) >= 3


def test_slots_ask_about_different_facts_of_a_chunk() -> None:
    teacher = TemplateTeacher()
    questions = {teacher.derive(source("fractions"), slot, 0).question for slot in range(2)}
    assert questions == {"When can fractions be added?", "How do I work out 2/3 × 4/5?"}


def test_a_planted_instruction_is_never_used_or_obeyed() -> None:
    for intent in INTENTS:
        for seed in range(5):
            messages, context = write("injected", intent, seed)
            assert "ignore previous" not in context.question.lower() + context.reference_answer.lower()
            assert not any("BANANA" in m["content"] for m in messages if m["role"] == "assistant")


def test_an_off_topic_student_is_declined_kindly_and_brought_back() -> None:
    for seed in range(8):
        messages, _ = write("definition", "off_topic", seed=seed)
        first_reply = messages[1]["content"]
        assert declines_request(first_reply), first_reply
        tutor = [m["content"] for m in messages if m["role"] == "assistant"]
        assert "inertia" in " ".join(tutor[:2]).lower(), tutor


def test_a_refusal_names_what_it_declines() -> None:
    replies = {write("definition", "off_topic", seed=s)[0][1]["content"] for s in range(30)}
    assert any("football" in r.lower() or "essay" in r.lower() or "video games" in r.lower() for r in replies)
    assert len(replies) >= 10


def test_a_decline_asks_about_what_this_student_said() -> None:
    """A trained tutor learns its first replies hardest: a decline whose question names nothing the student
    said ("Which question from class would you like help with?") became its reply to students who had
    brought a question. Every decline's question names the request it declines."""
    for phrase in phrasings.DECLINE_AND_ASK:
        reply = phrase.format(request="football debates", request_cap="Football debates")
        questions = guiding_questions(reply)
        assert questions and all("football debates" in q for q in questions), reply
        assert declines_request(reply), reply


def test_every_reply_to_an_off_topic_request_starts_with_the_request() -> None:
    """A decline that fits in front of anything ("I'll stick with your schoolwork rather than ...") became
    the trained tutor's first reply to 6 to 24 of 60 students who had brought a real question (2 to 4 with
    declines that start with the request, which ties a decline to a student who asked for something else)."""
    replies = [*phrasings.DECLINE_AND_ASK, *phrasings.ACKNOWLEDGE["off_topic"]]
    for phrase in replies:
        assert phrase.startswith("{request_cap}"), phrase


def test_a_chunk_of_bare_exercises_has_nothing_to_ask_about() -> None:
    with pytest.raises(NoFactError, match="found no statement"):
        TemplateTeacher().derive(source("exercises"), 0, 0)


def test_praise_of_a_step_thanks_the_effort_and_never_says_the_step_is_right() -> None:
    # A 135M tutor says these lines to new students too and cannot check a step: a verdict ("That's a
    # sensible step", "Good thinking") reached wrong students as agreement, thanks for the effort does not.
    for line in phrasings.PRAISE_GENERIC:
        assert effort_praise(line), line
        assert not agrees_with_mistake(f"{line} What do you get for 1/4 + 2/3?"), line
