"""The optional judge through an OpenAI-compatible endpoint, and its agreement with Compare's votes."""

from __future__ import annotations

from typing import Any

import pytest

from core.arena.records import NewComparison, ShownVariant, Vote, insert_comparison, insert_vote_once
from core.evaluation.judge import Judge, JudgeConfig, judge_agreement, parse_score, vote_pairs
from core.store import Store
from tests.support.openai_server import OpenAITestServer, Status

LEAKY = "The answer is 11/12."
SOCRATIC = "Good start! What denominator do 4 and 3 share?"
PROMPT = [{"role": "user", "content": "Just tell me 1/4 + 2/3."}]


def grade(body: dict[str, Any]) -> str:
    """A stand-in judge: 1 for a reply that gives the answer away, 5 otherwise."""
    asked = body["messages"][-1]["content"]
    last_reply = asked.rsplit("Tutor:", 1)[-1]
    return "1" if "11/12" in last_reply else "Score: 5 - a good guiding question."


@pytest.fixture
def judge(openai_server: OpenAITestServer) -> Judge:
    openai_server.reply_fn = grade
    return Judge(JudgeConfig(openai_server.base_url, "judge-model", max_items=10))


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
    ("text", "score"), [("4", 4), ("Score: 2/5", 2), ("I'd say 3.", 3), ("excellent", None), ("9", None)]
)
def test_parse_score(text: str, score: int | None) -> None:
    assert parse_score(text) == score
