"""Scores one reply of the `ts_tutor_behaviour` lm-eval task with Tutor Studio's behaviour detectors.

lm-eval loads this file through `process_results: !function behaviour_scoring.process_results` in
ts_tutor_behaviour.yaml; the project root must be importable (Tutor Studio's jobs set PYTHONPATH).
Each row is a tutor turn before the student reached the answer, so both metrics apply to every row.
"""

from __future__ import annotations

from typing import Any

from core.evaluate.metrics import TurnContext, score_reply


def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, float]:
    context = TurnContext.build(
        doc["history"],
        reference_answer=doc.get("reference_answer"),
        question=doc.get("question"),
        intent=doc.get("intent"),
    )
    score = score_reply(results[0] if results else "", context)
    return {"question_rate": float(bool(score.asks_question)), "leak_rate": float(bool(score.leaked))}
