"""Student openers: the built-in set's shape, and line-numbered errors for a teacher's own."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from core.evaluate.openers import (
    BUILTIN_OPENERS,
    INTENTS,
    OpenerError,
    add_openers,
    load_openers,
    parse_openers,
    user_openers_path,
)
from core.paths import Workspace

GOOD = {
    "id": "my-01",
    "subject": "fractions",
    "in_course": True,
    "intent": "just_tell_me",
    "message": "What is 1/2 + 1/4? Just tell me.",
    "question": "Work out 1/2 + 1/4.",
    "answer": "3/4",
    "reference": "1/2 = 2/4, and 2/4 + 1/4 = 3/4.",
}


def line(**changes: object) -> str:
    return json.dumps({**GOOD, **changes})


def test_the_builtin_set_has_twelve_openers_per_intent_inside_and_outside_the_course() -> None:
    openers = load_openers()

    assert len(openers) >= 72
    assert Counter(o.intent for o in openers) == dict.fromkeys(INTENTS, 12)
    inside = sum(o.in_course for o in openers)
    assert 0.4 <= inside / len(openers) <= 0.6
    assert len({o.id for o in openers}) == len(openers)
    assert BUILTIN_OPENERS.name == "student_openers.jsonl"


def test_an_error_names_the_line_and_the_field() -> None:
    text = "\n".join([line(), "", line(id="my-02", intent="sulking")])

    with pytest.raises(
        OpenerError, match=r"line 3: the field 'intent' is 'sulking'; use one of just_tell_me"
    ):
        parse_openers(text)


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("{not json", r"line 1: not valid JSON"),
        ('["a list"]', r"line 1: expected a JSON object"),
        (line(answer=""), r"line 1: the field 'answer' is missing or empty; write the short answer"),
        (line(in_course="yes"), r"line 1: the field 'in_course' must be true or false"),
        (line(colour="red"), r"line 1: unknown field 'colour'"),
        (line() + "\n" + line(), r"line 2: the id 'my-01' is already used"),
    ],
)
def test_each_kind_of_mistake_is_explained(bad: str, expected: str) -> None:
    with pytest.raises(OpenerError, match=expected):
        parse_openers(bad)


def test_added_openers_are_saved_in_the_workspace_and_sent_next_time(workspace: Workspace) -> None:
    added = add_openers(workspace, line() + "\n" + line(id="my-02", intent="off_topic"))

    assert added.added == 2 and added.total_yours == 2
    assert user_openers_path(workspace).is_file()
    openers = load_openers(workspace)
    assert [o.id for o in openers[-2:]] == ["my-01", "my-02"] and openers[-1].source == "yours"
    again = add_openers(workspace, line(id="my-03"))
    assert again.total_yours == 3


def test_an_opener_cannot_reuse_a_builtin_id_and_nothing_is_saved(workspace: Workspace) -> None:
    with pytest.raises(OpenerError, match=r"the openers you added, line 1: the id 'alg-01' is already used"):
        add_openers(workspace, line(id="alg-01"))

    assert not user_openers_path(workspace).exists()
