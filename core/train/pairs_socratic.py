"""The Socratic reply that stands in for a tutor turn the leak filter caught giving the answer away.

    chosen = socratic_reply(leaking_turn, key, seed="gen_1a2b:chunk_3:0")
    # "Good thinking so far. Which part of the question can you work out first?"  (or None)

The leak filter keeps the whole rejected conversation (generation_items.payload), so the leaking turn is
there to be the *rejected* reply. The *chosen* reply is derived from it, deterministically and without a
model: the sentences that state the answer are removed (core.evaluate.behaviour.leaks, the filter's own rule),
what remains keeps the tutor's voice (praise, empathy, a hint), and a guiding question from a fixed bank
is added when none is left. The result is checked with the same rules the filters use; when it would
still state the answer, or say nothing useful, no pair is made.
"""

from __future__ import annotations

import hashlib

from core.evaluate.behaviour.leaks import AnswerKey, states_answer
from core.evaluate.behaviour.normalise import sentences, words
from core.evaluate.behaviour.questions import guiding_questions

OPENERS = (
    "Good thinking so far.",
    "You're on the right track.",
    "Nice effort, let's work it out together.",
    "That's a good question to ask.",
)
GUIDING = (
    "Which part of the question can you work out first?",
    "What do you already know that could help you get there?",
    "What would be a sensible first step here?",
    "Can you try the next step yourself and tell me what you get?",
    "What does the question give you, and what does it ask for?",
)
MIN_KEPT_WORDS = 2  # "Nice try!" still sounds like the tutor; a lone "So." does not


def _pick(options: tuple[str, ...], seed: str) -> str:
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return options[digest[0] % len(options)]


def socratic_reply(leaking: str, key: AnswerKey, seed: str) -> str | None:
    """The leaking turn up to its first answer-stating sentence, ending in a guiding question; None when
    nothing trustworthy can be made of it."""
    parts = sentences(leaking)
    # What follows the answer leans on it ("So 7/8 it is. Can you see why?"): only what comes before is kept.
    first_leak = next((i for i, s in enumerate(parts) if states_answer(s, key) is not None), len(parts))
    kept = parts[:first_leak]
    if len(words(" ".join(kept))) < MIN_KEPT_WORDS:
        kept = [_pick(OPENERS, seed)]
    text = " ".join(kept)
    if not guiding_questions(text):
        text = f"{text} {_pick(GUIDING, seed)}"
    if states_answer(text, key) is not None or not guiding_questions(text):
        return None
    return text
