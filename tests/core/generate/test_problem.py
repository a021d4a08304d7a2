"""What a template conversation is about: the label, givens and question bank of each shape of problem,
and the rule the template relies on: naming the student's own sum is not giving the answer away."""

from __future__ import annotations

from core.evaluate.behaviour.leaks import answer_key, states_answer
from core.generate import phrasings as P
from core.generate.facts import Fact
from core.generate.problem import describe_problem


def calculation(question: str, answer: str, setup: str, subject: str = "") -> Fact:
    return Fact("calculation", question, answer, f"{setup} = {answer}.", subject or setup, setup=setup)


def test_a_sum_of_fractions_is_labelled_by_its_own_numbers() -> None:
    problem = describe_problem(calculation("How do I work out 3/12 + 8/12?", "11/12", "3/12 + 8/12"))
    assert (problem.label, problem.operator, problem.a, problem.b) == ("3/12 + 8/12", "+", "3/12", "8/12")
    assert problem.values()["da"] == "12" and problem.first_bank() is P.FIRST_ADD_FRACTIONS


def test_a_word_problem_names_its_givens() -> None:
    fact = calculation(
        "A 12 V battery is connected to a 4 ohm resistor. What is the current?",
        "3 A",
        "12 / 4",
        "the current",
    )
    problem = describe_problem(fact)
    assert problem.quantities == "12 V and 4 ohm" and problem.label == "finding the current"
    assert problem.first_bank() is P.FIRST_WORD_PROBLEM


def test_worded_problems_get_their_own_labels() -> None:
    condition = describe_problem(
        Fact("condition", "When are two fractions equivalent?", "when ...", "...", "two fractions")
    )
    assert condition.label == "equivalent fractions" and condition.adj == "equivalent"
    reason = describe_problem(Fact("reason", "How do clouds form?", "vapour condenses", "...", "clouds"))
    assert reason.label == "how clouds form"


def test_naming_the_students_own_sum_does_not_state_the_answer() -> None:
    key = answer_key("3/12 + 8/12 = 11/12.", "How do I work out 3/12 + 8/12?", "11/12")
    assert states_answer("Let's work through 3/12 + 8/12 together.", key) is None
    assert states_answer("So 3/12 + 8/12 = 11/12.", key) is not None
