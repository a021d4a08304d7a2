"""The leak and guiding-question detectors, scored on hand-labelled tutor replies (labelled_replies.yaml).

Run with `-s` to see the table: accuracy, precision and recall per label, and accuracy per kind.

    .venv/bin/python -m pytest tests/core/evaluate/behaviour/test_labelled_accuracy.py -s -q

Each label must score at least 95% accuracy. The set was written before the detectors were changed,
and the cases of a kind come in pairs (the failure and its near miss), so a rule tuned to one sentence
shows up as a miss on its twin.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.evaluate.behaviour.leaks import answer_key, find_leak
from core.evaluate.behaviour.questions import asks_guiding_question

CASES_FILE = Path(__file__).with_name("labelled_replies.yaml")
TARGET_ACCURACY = 0.95
LABELS = ("leak", "guiding")


def load_cases() -> list[dict[str, Any]]:
    return list(yaml.safe_load(CASES_FILE.read_text(encoding="utf-8")))


def detect_leak(case: dict[str, Any]) -> bool:
    key = answer_key(case["answer"], question=case["question"], short_answer=case.get("short"))
    messages = [{"role": "user", "content": case["question"]}]
    if case.get("student"):
        messages.append({"role": "user", "content": case["student"]})
    messages.append({"role": "assistant", "content": case["reply"]})
    return find_leak(messages, key) is not None


def detect_guiding(case: dict[str, Any]) -> bool:
    return asks_guiding_question(case["reply"])


DETECTORS: dict[str, Callable[[dict[str, Any]], bool]] = {"leak": detect_leak, "guiding": detect_guiding}


@dataclass(frozen=True)
class Score:
    """Counts of one detector against one label."""

    tp: int
    fp: int
    tn: int
    fn: int

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / max(1, self.tp + self.fp + self.tn + self.fn)

    @property
    def precision(self) -> float:
        return self.tp / max(1, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return self.tp / max(1, self.tp + self.fn)


def score(pairs: list[tuple[bool, bool]]) -> Score:
    counts = Counter((truth, guess) for truth, guess in pairs)
    return Score(counts[True, True], counts[False, True], counts[False, False], counts[True, False])


def scored_cases() -> dict[str, list[tuple[dict[str, Any], bool]]]:
    cases = load_cases()
    return {label: [(case, DETECTORS[label](case)) for case in cases] for label in LABELS}


def report(results: dict[str, list[tuple[dict[str, Any], bool]]]) -> str:
    lines = []
    for label, rows in results.items():
        total = score([(case[label], guess) for case, guess in rows])
        lines.append(
            f"{label}: accuracy {total.accuracy:.1%}, precision {total.precision:.2f}, recall {total.recall:.2f} "
            f"(n={len(rows)})"
        )
        by_kind: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
        for case, guess in rows:
            by_kind[case["kind"]].append((case[label], guess))
        for kind, pairs in sorted(by_kind.items()):
            lines.append(f"  {kind:<24} {score(pairs).accuracy:6.1%}  ({len(pairs)})")
        for case, guess in rows:
            if guess != case[label]:
                lines.append(f"  MISS {label}={case[label]} [{case['kind']}] {case['reply']}")
    return "\n".join(lines)


def test_the_labelled_set_is_large_varied_and_balanced() -> None:
    cases = load_cases()
    assert len(cases) >= 200
    assert len({case["subject"] for case in cases}) >= 8
    for label in LABELS:
        share = sum(case[label] for case in cases) / len(cases)
        assert 0.4 <= share <= 0.6, f"{label}: {share:.0%} positive"
    for case in cases:
        assert set(case) >= {"subject", "kind", "question", "answer", "reply", *LABELS}, case


@pytest.mark.parametrize("label", LABELS)
def test_detector_accuracy_on_the_labelled_set(label: str) -> None:
    results = scored_cases()
    print("\n" + report({label: results[label]}))
    rows = results[label]
    accuracy = score([(case[label], guess) for case, guess in rows]).accuracy
    assert accuracy >= TARGET_ACCURACY, f"{label} accuracy {accuracy:.1%} < {TARGET_ACCURACY:.0%}"
