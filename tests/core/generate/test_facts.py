"""Facts of single sentences: the broken questions seen on real lessons are no longer written, and a
chunk's conversations draw different facts before any question repeats (and then with another intent)."""

from __future__ import annotations

import pytest

from core.generate.facts import Fact, extract_facts, pick_fact


@pytest.mark.parametrize(
    "sentence",
    [
        "Worked example: the slope of the line is b and a = 3 / 4 = 0.75.",
        "In scikit-learn, a 'pipeline' is created which chains a scaler and a model, forming a single estimator.",
        "One more term to understand is the learning rate.",
        "Georg Ohm found this in 1827.",
        "The four inner planets are rocky.",
        "Feature scaling is often the first step.",
    ],
)
def test_a_sentence_that_cannot_give_a_good_question_gives_none(sentence: str) -> None:
    assert extract_facts(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "question", "answer"),
    [
        ("This resistance to a change in motion is called inertia.", "What is inertia?", "resistance to a"),
        (
            "One more term is the learning rate, a number that sets the step size.",
            "What is the learning rate?",
            "a number",
        ),
        ("In 1066, the Normans conquered England.", "When did the Normans conquer England?", "1066"),
        ("The city was founded in 1835 by settlers.", "When was the city founded?", "1835"),
        (
            "The Sun contains about 99.8% of the mass of the Solar System.",
            "What does the Sun contain?",
            "about 99.8%",
        ),
        (
            "A light-year is used to measure distances between stars.",
            "What is a light-year used for?",
            "to measure",
        ),
        (
            "Most volcanoes are found along plate boundaries.",
            "Where are most volcanoes found?",
            "along plate",
        ),
        (
            "Overfitting happens when a model learns the noise.",
            "When does overfitting happen?",
            "when a model",
        ),
        (
            "Iron, nickel and cobalt are magnetic materials.",
            "What are iron, nickel and cobalt?",
            "magnetic materials",
        ),
    ],
)
def test_ordinary_prose_gives_the_question_it_answers(sentence: str, question: str, answer: str) -> None:
    facts = extract_facts(sentence)
    assert [f.question for f in facts] == [question]
    assert facts[0].answer.startswith(answer)


def test_a_name_keeps_its_capital_where_the_chunk_shows_it_is_a_name() -> None:
    facts = extract_facts(
        "| Planet | Moons |\n| Jupiter | 95 |\n\nJupiter is the largest planet; it has 95 moons."
    )
    assert [f.question for f in facts] == ["What is Jupiter?"]


def test_a_sum_of_money_keeps_its_currency() -> None:
    facts = extract_facts("A jacket costs £60 and is reduced by 25%. The sale price is 60 - 15 = £45.")
    assert facts[0].question.endswith("What is the sale price?") and facts[0].answer == "£45"


def fact(n: int) -> Fact:
    return Fact("definition", f"What is thing {n}?", f"answer {n}", f"Thing {n} is answer {n}.", f"thing {n}")


def test_slots_take_every_fact_before_a_question_repeats() -> None:
    facts = [fact(n) for n in range(3)]
    picked = [pick_fact(facts, slot, ["confused"] * 3) for slot in range(3)]
    assert len({f.question for f in picked}) == 3


def test_a_repeated_question_goes_to_a_slot_with_another_intent() -> None:
    facts = [fact(n) for n in range(2)]
    intents = ["confused", "frustrated", "confused", "frustrated"]
    pairs = [(pick_fact(facts, slot, intents).question, intents[slot]) for slot in range(4)]
    assert len(set(pairs)) == 4


def test_the_pick_is_the_same_every_time_for_a_resumed_item() -> None:
    facts = [fact(n) for n in range(3)]
    intents = ["confused", "confused", "wrong_answer", "confused", "frustrated"]
    assert [pick_fact(facts, s, intents) for s in range(5)] == [
        pick_fact(facts, s, intents) for s in range(5)
    ]
