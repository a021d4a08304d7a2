"""Substance measures: a reply is about the student's problem, fair in its praise, and points only to
sections the course has. Scored on labelled cases (substance_cases.jsonl) written before the rules, plus
the dataset-level figures (top opening share, distinct replies) on small hand-made sets."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from core.evaluate.behaviour.substance import (
    distinct_share,
    is_specific,
    opening_share,
    references,
    unfair_praise,
    ungrounded_references,
)

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "substance_cases.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
COURSE = """# Lesson 1: Fractions
A fraction describes part of a whole.
## Adding and subtracting fractions
Fractions can only be added when they share a denominator.
## Mixed numbers
A mixed number is a whole number plus a fraction, such as 3 1/2.
# Lesson 4: Ohm's law and electric circuits
## Ohm's law
The current through a resistor is the voltage divided by the resistance.
# Lesson 5: The water cycle
## Condensation
Water vapour cools and condenses into tiny droplets, forming clouds.
"""
MIN_ACCURACY = 0.95


def judged(case: dict[str, str]) -> bool:
    if case["check"] == "specific":
        return is_specific(case["reply"], case["student"])
    if case["check"] == "unfair_praise":
        return unfair_praise(case["reply"], case["student"])
    return bool(ungrounded_references(case["reply"], COURSE, case["student"]))


@pytest.mark.parametrize("check", ["specific", "unfair_praise", "ungrounded"])
def test_each_substance_check_scores_its_labelled_cases(check: str) -> None:
    cases = [case for case in CASES if case["check"] == check]
    assert (
        Counter(case["label"] for case in cases)[True] >= 4 and Counter(c["label"] for c in cases)[False] >= 4
    )
    wrong = [case for case in cases if judged(case) != case["label"]]
    accuracy = 1 - len(wrong) / len(cases)
    print(f"{check}: accuracy {accuracy:.0%} on {len(cases)} cases")
    assert accuracy >= MIN_ACCURACY, wrong


def test_a_stock_question_is_not_specific_even_when_it_asks_something() -> None:
    stock = "Good effort, you've made a start. What information does the question give you to start from?"
    assert not is_specific(stock, "Solve 3x + 5 = 20. Just give me x.")
    assert is_specific("What could you subtract from both sides of 3x + 5 = 20 first?", "Solve 3x + 5 = 20.")


def test_the_most_common_opening_is_measured_across_replies() -> None:
    replies = ["Good effort! What is 2 + 2?", "good effort. What is 3 + 3?", "Let's see. What is 4 + 4?"]
    assert opening_share(replies) == pytest.approx(2 / 3)
    assert opening_share([]) == 0.0
    assert distinct_share(["Same reply.", "same reply", "Other reply."]) == pytest.approx(2 / 3)


def test_references_are_found_by_name_and_by_number() -> None:
    found = references("Read the section on vectors, then page 12 and Figure 3. It's part of learning.")
    assert found == ["the section on vectors", "page 12", "Figure 3"]


def test_a_real_section_for_an_unrelated_problem_is_ungrounded() -> None:
    reply = "Have a look at the part on mixed numbers. What do you do first?"
    assert ungrounded_references(reply, COURSE, "Solve 3x + 5 = 20") == ["the part on mixed numbers"]
    assert ungrounded_references(reply, COURSE, "How do I write 7/2 as a mixed number?") == []
