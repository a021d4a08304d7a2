"""A generic phrase-bank dataset: the same student turns as the template teacher's, stock tutor turns.

    write_phrase_bank(examples_jsonl, out_jsonl)      # then `dataset import out_jsonl --accept`

This is what the template teacher wrote before its turns were about the problem: "Good effort, you've
made a start." to every student and "What information does the question give you to start from?" for
every problem. It asks a question in every turn and never leaks, so question and leak rates alone call
it a tutor; the tutor test (tests/core/evaluate/test_tutor_behaviour.py) trains on it to show that its
check is not fooled.
"""

from __future__ import annotations

import json
from pathlib import Path

FIRST = (
    "Good effort, you've made a start. What information does the question give you to start from?",
    "Good question, and it's great that you asked. What do you think the first step is?",
    "Happy to help you think it through. Which part of the lesson talks about this?",
)
MIDDLE = (
    "Nice thinking. Keep going: what else does the lesson say about it?",
    "That's a good start. What do you think the next step is?",
)
LAST = ("That's right, great thinking. How could you check that your answer makes sense?",)


def phrase_bank_messages(messages: list[dict[str, str]], index: int) -> list[dict[str, str]]:
    """The conversation with every tutor turn replaced by a stock line (first, middle or last move)."""
    tutor_turns = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    rewritten = []
    for position, message in enumerate(messages):
        if message["role"] != "assistant":
            rewritten.append(dict(message))
            continue
        order = tutor_turns.index(position)
        if order == 0:
            text = FIRST[index % len(FIRST)]
        elif order == len(tutor_turns) - 1:
            text = LAST[0]
        else:
            text = MIDDLE[(index + order) % len(MIDDLE)]
        rewritten.append({"role": "assistant", "content": text})
    return rewritten


def write_phrase_bank(examples: Path, out: Path) -> int:
    """Rewrite an exported chat JSONL (one {"messages": [...]} per line); returns the number written."""
    lines = [json.loads(line) for line in examples.read_text(encoding="utf-8").splitlines() if line.strip()]
    out.write_text(
        "".join(
            json.dumps({"messages": phrase_bank_messages(item["messages"], i)}) + "\n"
            for i, item in enumerate(lines)
        ),
        encoding="utf-8",
    )
    return len(lines)
