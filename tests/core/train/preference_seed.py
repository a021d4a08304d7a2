"""Seed a workspace with every source of preference pairs, as the studio's stages would leave them.

    seed_votes(store)    # blind comparisons in Compare, each with a vote (best reply first)
    seed_edits(store)    # accepted examples whose tutor turn a reviewer rewrote in Review
    seed_leaks(store)    # a generation run whose leak filter caught tutors giving the answer away

Shared by the preference, DPO, export and browser tests (import from tests.core.train.preference_seed).
"""

from __future__ import annotations

from core.compare.blind import cast_vote, record_comparison
from core.compare.records import NewComparison, ShownVariant
from core.generate.records import ItemRecord, create_run, record_results
from core.review.editing import ExampleEdit, save_example
from core.review.records import NewExample, insert_examples
from core.store import Store

SOCRATIC = "Good question! What common denominator could {a} and {b} share?"
ANSWER = "The answer is {answer}."
QUESTIONS = [  # (a, b, student message, the answer)
    (4, 3, "What is 1/4 + 2/3? Just tell me.", "11/12"),
    (5, 10, "Add 3/5 and 1/10 for me.", "7/10"),
    (2, 3, "What is 1/2 + 1/3?", "5/6"),
    (4, 8, "What is 3/4 + 1/8? I'm stuck.", "7/8"),
    (3, 6, "Quick: 2/3 + 1/6?", "5/6"),
    (2, 5, "What do I get for 1/2 + 2/5?", "9/10"),
]


def seed_votes(store: Store, count: int = 6) -> int:
    """`count` comparisons where people preferred the Socratic reply over the one that gives the answer."""
    for a, b, message, answer in QUESTIONS[:count]:
        comparison = record_comparison(
            store,
            NewComparison(
                message=message,
                prompt=[{"role": "user", "content": message}],
                variants=[ShownVariant("base", "Base model"), ShownVariant("adapter:a1", "Adapter a1")],
                shown_order=[1, 0],  # A = the adapter, B = the base
                seed=1,
                replies=[ANSWER.format(answer=answer), SOCRATIC.format(a=a, b=b)],
                base_model="tiny",
            ),
        )
        cast_vote(store, comparison.id, "browser:seed", ["A", "B"])
    return count


def seed_edits(store: Store) -> list[str]:
    """Two accepted examples whose first tutor turn a reviewer rewrote (the original gave the answer)."""
    ids = []
    for a, b, message, answer in QUESTIONS[:2]:
        original = [
            {"role": "user", "content": f"Edited: {message}"},
            {"role": "assistant", "content": f"Sure. {ANSWER.format(answer=answer)} Anything else?"},
            {"role": "user", "content": "Oh, thanks."},
            {"role": "assistant", "content": "Well done for asking! Can you check it by adding the parts?"},
        ]
        with store.transaction() as conn:
            example_id = insert_examples(conn, [NewExample(messages=original, intent="just_tell_me")])[0]
        edited = [dict(m) for m in original]
        edited[1]["content"] = SOCRATIC.format(a=a, b=b)
        save_example(store, example_id, ExampleEdit(messages=edited), base_revision=1, editor="Ana")
        save_example(store, example_id, ExampleEdit(status="accepted"), base_revision=2, editor="Ana")
        ids.append(example_id)
    return ids


def seed_leaks(store: Store) -> str:
    """A generation run with two conversations the leak filter rejected (and one kept item)."""
    with store.transaction() as conn:
        run_id = create_run(
            conn,
            {},
            "policy",
            "http teacher",
            [("chunk_x", 0, "confused"), ("chunk_x", 1, "frustrated"), ("chunk_y", 0, "confused")],
        )
        records = [leak_record("chunk_x", 0, 4, 3, "7/12"), leak_record("chunk_x", 1, 4, 8, "3/8")]
        records.append(ItemRecord("chunk_y", 0, "kept", None, "passed every check", example_id=None))
        record_results(conn, run_id, "job_seed", records)
    return run_id


def leak_record(chunk: str, slot: int, a: int, b: int, answer: str) -> ItemRecord:
    question = f"What is 1/{a} + 1/{b}?"
    messages = [
        {"role": "user", "content": f"Leak {slot}: I don't get {question}"},
        {
            "role": "assistant",
            "content": f"Nice try! Use {a * b} as the denominator, so the answer is {answer}. See?",
        },
        {"role": "user", "content": "Okay."},
        {"role": "assistant", "content": "Great effort. What else could you try?"},
    ]
    detail = f"tutor turn 2 states the answer (number: '{answer}') before the student reached it"
    payload = {
        "messages": messages,
        "intent": "confused",
        "question": question,
        "reference_answer": f"1/{a} + 1/{b} = {answer}",
        "verdicts": {"answer_leak": {"passed": False, "detail": detail}},
    }
    return ItemRecord(chunk, slot, "filtered", "answer_leak", detail, payload=payload)


def seed_all(store: Store) -> None:
    seed_votes(store)
    seed_edits(store)
    seed_leaks(store)
