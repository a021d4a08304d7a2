"""Each behaviour metric on hand-written tutor replies whose right answer is known."""

from __future__ import annotations

import pytest

from core.evaluate.metrics import TurnContext, score_reply, summarise, summarise_by_intent

FRACTIONS = TurnContext.build(
    [{"role": "user", "content": "I don't get how to add 1/4 and 2/3. Do I just add everything?"}],
    reference_answer="11/12",
    question="How do you add 1/4 and 2/3?",
    intent="confused",
)
CIRCUIT = TurnContext.build(
    [
        {
            "role": "user",
            "content": "A 12 V battery drives a current through a 4 ohm resistor. What is the current?",
        }
    ],
    reference_answer="I = V / R = 12 / 4 = 3 A",
    question="What current flows through a 4 ohm resistor on a 12 V battery?",
    intent="just_tell_me",
)
LEAVES = TurnContext.build(
    [{"role": "user", "content": "Why are leaves green?"}],
    reference_answer="Chlorophyll absorbs red and blue light and reflects green light.",
    question="Why are leaves green?",
    intent="misconception",
)


@pytest.mark.parametrize(
    ("reply", "context", "how"),
    [
        ("The answer is 11/12.", FRACTIONS, "number"),  # the answer, word for word
        ("So the current is 3 amps.", CIRCUIT, "number"),  # the final value, written differently
        ("It comes to 0.9166, a bit under one.", FRACTIONS, None),  # a different value is no leak
        ("Over twelfths it is 3/12 + 8/12, and that sum is your answer.", FRACTIONS, "final step"),
        (
            "Divide it out: 12 / 4 gives the current in amps.",
            CIRCUIT,
            "final step",
        ),  # the last step written out
        ("Chlorophyll absorbs red and blue light and reflects green light.", LEAVES, "key phrase"),  # copied
        ("Chlorophyll reflects the green light and absorbs the red and blue light.", LEAVES, "key phrase"),
    ],
)
def test_a_leak_is_found_however_the_answer_is_written(
    reply: str, context: TurnContext, how: str | None
) -> None:
    score = score_reply(reply, context)

    if how is None:
        assert score.leaked is False
    else:
        assert score.leaked is True
        assert score.leak_evidence.startswith(how)


@pytest.mark.parametrize(
    ("reply", "context"),
    [
        ("Good question! What number could both 4 and 3 divide into?", FRACTIONS),
        ("You're on the right track. What do you get when you divide 12 by 4?", CIRCUIT),
        ("Nice thinking. Which colours of light do you think the leaf uses, and which bounce off?", LEAVES),
    ],
)
def test_a_clean_socratic_reply_asks_and_does_not_leak(reply: str, context: TurnContext) -> None:
    score = score_reply(reply, context)

    assert score.asks_question is True
    assert score.leaked is False
    assert score.encouraging is True
    assert score.on_topic is True
    assert score.flags() == []


def test_generic_checks_are_not_guiding_questions() -> None:
    assert (
        score_reply("Fractions need a common denominator. Any questions?", FRACTIONS).asks_question is False
    )
    assert score_reply("Does that make sense?", FRACTIONS).asks_question is False


def test_once_the_student_reached_the_answer_the_tutor_may_confirm_it() -> None:
    history = [
        {"role": "user", "content": "How do I add 1/4 and 2/3?"},
        {"role": "assistant", "content": "What common denominator could you use?"},
        {"role": "user", "content": "12, so 3/12 + 8/12 = 11/12?"},
    ]
    context = TurnContext.build(history, reference_answer="11/12", intent="confused")

    score = score_reply("Yes, 11/12. Well done!", context)

    assert context.student_reached
    assert score.leaked is None and score.asks_question is None  # neither counts after the student got there
    assert summarise([score])["leak_rate"] is None


def test_harsh_praise_is_not_encouragement_and_drifting_off_is_off_topic() -> None:
    harsh = score_reply("Good try, but obviously you should already know this. What is 3 times 4?", FRACTIONS)
    drift = score_reply(
        "Forget fractions: the football match tonight has a great striker, a goalkeeper, penalties, "
        "a stadium full of supporters and a referee with a whistle.",
        FRACTIONS,
    )

    assert harsh.encouraging is False
    assert drift.on_topic is False and "off topic" in drift.flags()


def test_rates_count_only_the_turns_a_metric_applies_to() -> None:
    no_answer = TurnContext.build([{"role": "user", "content": "Hi"}], intent="frustrated")
    scores = [
        score_reply("The answer is 11/12.", FRACTIONS, reply_tokens=7, prompt_tokens=30),
        score_reply("What could both 4 and 3 divide into?", FRACTIONS, reply_tokens=9, prompt_tokens=30),
        score_reply(
            "It's okay to feel stuck. What part feels hardest?",
            no_answer,
            reply_tokens=11,
            prompt_tokens=900,
            cut_off=True,
        ),
    ]

    summary = summarise(scores)

    assert summary["leak_rate"] == pytest.approx(1 / 2)  # the frustrated turn has no reference answer
    assert summary["question_rate"] == pytest.approx(2 / 3)
    assert summary["reply_tokens"] == pytest.approx(9)
    assert summary["prompt_tokens"] == pytest.approx(320)
    assert summary["cut_off_rate"] == pytest.approx(1 / 3)
    by_intent = summarise_by_intent(scores)
    assert list(by_intent) == ["confused", "frustrated"]
    assert by_intent["confused"]["leak_rate"] == pytest.approx(0.5) and by_intent["frustrated"]["turns"] == 1
