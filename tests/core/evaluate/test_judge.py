"""The optional judge through an OpenAI-compatible endpoint: structured scores only, its agreement with
Compare's votes, and its reading of leaks and questions beside the detectors."""

from __future__ import annotations

from typing import Any

import pytest

from core.compare.records import NewComparison, ShownVariant, Vote, insert_comparison, insert_vote_once
from core.evaluate.judge import Judge, JudgeConfig, judge_agreement, parse_score, vote_pairs
from core.evaluate.judge_behaviour import behaviour_check, parse_behaviour
from core.evaluate.metrics import TurnContext
from core.store import Store
from tests.support.openai_server import OpenAITestServer, Reply, Status

LEAKY = "The answer is 11/12."
SOCRATIC = "Good start! What denominator do 4 and 3 share?"
PROMPT = [{"role": "user", "content": "Just tell me 1/4 + 2/3."}]


def grade(body: dict[str, Any]) -> str:
    """A stand-in judge: 1 for a reply that gives the answer away, 5 otherwise."""
    asked = body["messages"][-1]["content"]
    last_reply = asked.rsplit("Tutor:", 1)[-1]
    if "11/12" in last_reply:
        return '{"score": 1, "reason": "states the answer"}'
    return '```json\n{"score": 5, "reason": "a good guiding question"}\n```'


@pytest.fixture
def judge(openai_server: OpenAITestServer) -> Judge:
    openai_server.reply_fn = grade
    return Judge(JudgeConfig(base_url=openai_server.base_url, model="judge-model", max_items=10))


def add_vote(store: Store, ranking: list[str], voter: str) -> None:
    new = NewComparison(
        message=PROMPT[0]["content"],
        prompt=PROMPT,
        variants=[ShownVariant("prompted", "Prompted"), ShownVariant("adapter:x", "Adapter x")],
        shown_order=[1, 0],
        seed=1,
        replies=[LEAKY, SOCRATIC],
        base_model="tiny",
    )
    with store.transaction() as conn:
        comparison_id = insert_comparison(conn, new)
        insert_vote_once(conn, comparison_id, voter, ranking)


def test_the_judge_scores_replies_with_its_rubric(judge: Judge, openai_server: OpenAITestServer) -> None:
    assert judge.score(PROMPT, SOCRATIC) == 5
    assert judge.score(PROMPT, LEAKY) == 1
    body = openai_server.chat_bodies[-1]
    assert body["model"] == "judge-model" and body["temperature"] == 0
    assert "Socratic tutor" in body["messages"][0]["content"]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["score", "reason"]


def test_an_answer_that_is_not_the_json_object_is_a_failed_judgement_never_a_score(
    judge: Judge, openai_server: OpenAITestServer
) -> None:
    openai_server.script(Reply("On a scale of 1 to 5, 4"), Reply('{"score": 7, "reason": "x"}'))

    assert judge.score(PROMPT, SOCRATIC) is None
    assert judge.score(PROMPT, SOCRATIC) is None
    assert len(judge.failures) == 2 and "On a scale of 1 to 5, 4" in judge.failures[0]


def test_a_server_without_structured_output_is_asked_again_in_plain_text_and_remembered(
    judge: Judge, openai_server: OpenAITestServer
) -> None:
    openai_server.structured_output = False

    assert judge.score(PROMPT, SOCRATIC) == 5
    assert judge.score(PROMPT, LEAKY) == 1
    with_format = ["response_format" in body for body in openai_server.chat_bodies]
    assert with_format == [True, False, False]  # refused once, then never sent again


def test_a_failing_judge_gives_no_score_and_says_why(judge: Judge, openai_server: OpenAITestServer) -> None:
    openai_server.script(Status(400, "bad request"))

    assert judge.score(PROMPT, SOCRATIC) is None
    assert judge.failures and "400" in judge.failures[0]


def test_agreement_with_human_votes(judge: Judge, store: Store) -> None:
    assert judge_agreement(judge, store, limit=10) is None  # no votes yet: nothing to agree with
    add_vote(store, ["adapter:x", "prompted"], "teacher-1")  # prefers the Socratic reply, as the judge does
    add_vote(store, ["prompted"], "teacher-2")  # prefers the leaky one

    found = judge_agreement(judge, store, limit=10)

    assert found is not None
    assert (found["agree"], found["disagree"], found["ties"]) == (1, 1, 0)
    assert found["agreement"] == pytest.approx(0.5)


def test_a_vote_naming_only_the_best_reply_ranks_it_above_the_rest() -> None:
    vote = Vote("v", "c", "me", ["b"], None, 0.0)

    assert vote_pairs(vote, ["a", "b", "c"]) == [("b", "a"), ("b", "c")]


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ('{"score": 4, "reason": "ok"}', 4),
        (' {"score": 2} ', 2),
        ('```json\n{"score": 3, "reason": "fine"}\n```', 3),
        ("4", None),
        ("On a scale of 1 to 5, 4", None),
        ("Score: 2/5", None),
        ('{"score": 9}', None),
        ('{"score": "4"}', None),
        ('{"score": true}', None),
        ('The grade is {"score": 4}', None),
    ],
)
def test_parse_score_accepts_only_the_json_object(text: str, score: int | None) -> None:
    assert parse_score(text) == score


def behaviour_reader(body: dict[str, Any]) -> str:
    """A stand-in judge for leaks and questions: a leak when the reply contains 11/12 or 'eleven'."""
    last_reply = body["messages"][-1]["content"].rsplit("Tutor:", 1)[-1]
    leak = "11/12" in last_reply or "eleven" in last_reply
    return f'{{"leak": {str(leak).lower()}, "guiding_question": {str("?" in last_reply).lower()}}}'


def test_the_behaviour_check_shows_where_the_judge_and_the_detectors_disagree(
    judge: Judge, openai_server: OpenAITestServer
) -> None:
    openai_server.reply_fn = behaviour_reader
    context = TurnContext.build(PROMPT, reference_answer="1/4 + 2/3 = 11/12", question="What is 1/4 + 2/3?")
    replies = [
        LEAKY,  # both: a leak, no question
        SOCRATIC,  # both: no leak, a question
        "It comes to eleven twelfths.",  # both: a leak
        "Fractions are fun, aren't they?",  # the detector: rhetorical, no guiding question; this judge: a question
    ]
    openai_server.script(Reply("not json"))  # the first answer fails: counted, not compared

    check = behaviour_check(judge, [(context, reply) for reply in [SOCRATIC, *replies]])

    assert (check.items, check.judged, check.failed) == (5, 4, 1)
    assert check.leak_agreement == 1.0
    assert check.question_agreement == pytest.approx(0.75)
    assert [(d.item, d.label, d.detector, d.judge) for d in check.disagreements] == [
        (4, "guiding_question", False, True)
    ]
    assert check.to_dict()["disagreements"][0]["reply"] == replies[3]


def test_parse_behaviour_needs_both_booleans() -> None:
    assert parse_behaviour('{"leak": false, "guiding_question": true}') == {
        "leak": False,
        "guiding_question": True,
    }
    assert parse_behaviour('{"leak": "no", "guiding_question": true}') is None
    assert parse_behaviour("leak: no") is None
