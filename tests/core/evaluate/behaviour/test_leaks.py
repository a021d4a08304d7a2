"""The leak detector: a tutor who states the answer before the student reached it is caught; one who
only asks is not. The hand-written demo conversations, which follow the policy, have no leak."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.evaluate.behaviour.leaks import answer_key, find_leak, states_answer, student_reached

ASSETS = Path(__file__).resolve().parents[4] / "assets"
OHM = answer_key(
    "The current is I = V / R = 12 / 4 = 3 A.",
    question="A 12 V battery is connected to a 4 ohm resistor. What is the current?",
)
GREEN = answer_key(
    "Leaves look green because chlorophyll reflects green light.", question="Why do leaves look green?"
)
HALF = answer_key(
    "Half of a quarter is 1/2 × 1/4 = 1/8.", question="What is half of a quarter?", short_answer="1/8"
)


@pytest.mark.parametrize(
    ("reply", "how"),
    [
        ("Well done! The current is 3 A.", "number"),
        ("It comes to three amperes, see?", "number"),
        ("So you just divide 12 by 4.", "final step"),
        ("Work out 12 / 4 and you're there.", "final step"),
    ],
)
def test_a_reply_that_states_the_numeric_answer_is_a_leak(reply: str, how: str) -> None:
    found = states_answer(reply, OHM)
    assert found is not None and found.how == how


@pytest.mark.parametrize(
    "reply",
    [
        "Good start! Which formula links voltage, current and resistance?",
        "What does 12 / 4 give you?",
        "What do you get when you put the numbers in?",
        "Nice, the battery gives 12 V. What about the resistor?",
    ],
)
def test_a_reply_that_only_asks_is_not_a_leak(reply: str) -> None:
    assert states_answer(reply, OHM) is None


def test_every_spelling_of_a_fraction_answer_is_caught() -> None:
    for reply in ("It's 1/8.", "It's 0.125.", "It is one eighth.", "An eighth of the whole."):
        assert states_answer(reply, HALF) is not None, reply


def test_a_worded_answer_is_caught_by_its_key_words() -> None:
    assert states_answer("It's because chlorophyll reflects green light.", GREEN) is not None
    assert states_answer("Is it because chlorophyll reflects green light?", GREEN) is not None
    assert states_answer("What does chlorophyll do with green light?", GREEN) is None
    assert states_answer("Think about which colours a leaf absorbs.", GREEN) is None


def test_the_tutor_may_confirm_once_the_student_reached_it() -> None:
    messages = [
        {"role": "user", "content": "A 12 V battery and a 4 ohm resistor: what is the current?"},
        {"role": "assistant", "content": "Which formula links V, I and R?"},
        {"role": "user", "content": "I = V / R, so 12 / 4 = 3 amps?"},
        {"role": "assistant", "content": "Yes, 3 A! How could you check it?"},
    ]
    assert student_reached(messages[2]["content"], OHM)
    assert find_leak(messages, OHM) is None


def test_a_leak_names_the_turn_and_the_evidence() -> None:
    messages = [
        {"role": "user", "content": "What is the current?"},
        {"role": "assistant", "content": "It's 3 A. Does that make sense?"},
        {"role": "user", "content": "3 A, ok."},
        {"role": "assistant", "content": "Great."},
    ]
    leak = find_leak(messages, OHM)
    assert leak is not None and leak.turn == 1 and leak.how == "number" and "3 A" in leak.describe()


def test_the_hand_written_demo_conversations_have_no_leak() -> None:
    chats = (ASSETS / "demo_conversations.jsonl").read_text().splitlines()
    metas = (ASSETS / "demo_conversations.meta.jsonl").read_text().splitlines()
    assert chats and len(chats) == len(metas)
    for chat, meta in zip(chats, metas, strict=True):
        messages, info = json.loads(chat)["messages"], json.loads(meta)
        key = answer_key(info["reference_answer"], info["question"])
        assert find_leak(messages, key) is None, info["question"]


def test_answer_that_rewrites_the_questions_value_is_caught_in_its_new_form() -> None:
    key = answer_key("3/4", question="Simplify 12/16.")
    assert states_answer("Right, 12/16 simplifies to 3/4.", key) is not None
    assert states_answer("What number divides both 12 and 16?", key) is None
    assert states_answer("Start from 12/16: what can you divide both parts by?", key) is None
