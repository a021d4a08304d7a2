"""Agreeing with a wrong student: scored on hand-labelled replies to wrong answers and misconceptions
(agreement_cases.jsonl: real replies of trained adapters and replies written as a teacher would, each with
its near miss), and judged only where the student is wrong.

The cases came in two rounds: the first 42 before the rule was written, then 8 near misses ("True, but
...?", "Yes, let's check that") that the first rule got wrong 3 times; the rule was then narrowed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from core.evaluate.behaviour.agreement import agrees_with_mistake
from core.evaluate.opener_check import MISTAKE_INTENTS, OpenerJudge
from core.evaluate.openers import load_openers
from core.evaluate.replay import Reply

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "agreement_cases.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
MIN_ACCURACY = 0.95


def test_agreement_with_a_wrong_student_scores_its_labelled_cases() -> None:
    labels = Counter(case["label"] for case in CASES)
    assert labels[True] >= 15 and labels[False] >= 15
    wrong = [case for case in CASES if agrees_with_mistake(case["reply"]) != case["label"]]
    accuracy = 1 - len(wrong) / len(CASES)
    print(f"agrees_with_mistake: accuracy {accuracy:.0%} on {len(CASES)} cases")
    assert accuracy >= MIN_ACCURACY, wrong


def test_only_replies_to_a_wrong_student_are_judged_for_agreement() -> None:
    judge = OpenerJudge("Be a Socratic tutor.", "", ())
    reply = Reply("Yes, that's right! What else do you know about it?", 40, 12, "stop")
    judged = {o.intent: judge.score(o, reply)["agrees_with_mistake"] for o in load_openers()}
    assert {intent for intent, flag in judged.items() if flag is not None} == MISTAKE_INTENTS
    assert all(judged[intent] for intent in MISTAKE_INTENTS)
