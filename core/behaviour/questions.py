"""Guiding questions: does a turn ask one clear question that moves the student forward?

    guiding_questions("Nice work! What do both 4 and 3 divide into?")  -> ["What do both 4 and 3 divide into?"]
    guiding_questions("Any questions?")                                -> []   (a generic check, not a step)
    count_questions("What is it? And why? How?")                       -> 3    (stacked questions)

A guiding question is a sentence that ends with "?" (or asks "can you ..." / "try ..." as an
invitation), has at least three words, and is not a generic check such as "Does that make sense?",
"Any questions?", "What do you think?" or "Ready?".
"""

from __future__ import annotations

import re

from core.behaviour.normalise import sentences, words

GENERIC = re.compile(
    r"\b(?:any (?:other |more )?questions|does (?:that|this|it|everything) make sense|"
    r"(?:is )?(?:that|this|everything) (?:ok|okay|clear|alright|all right)|got it|anything else|"
    r"(?:can|may|shall) i help(?: you)? with anything|do you understand|(?:shall|should) we (?:continue|move on|go on)|"
    r"what else|how are you|are you ready|sound good|make sense|right|ok|okay|ready|"
    r"what do you (?:think|reckon)|any ideas|what about you)\W*\?*\s*$",
    re.IGNORECASE,
)
INVITATION = re.compile(r"^(?:now |so )?(?:can|could|would) you\b|^try\b|^tell me\b|^see if you can\b", re.I)
MIN_WORDS = 3


def question_sentences(text: str) -> list[str]:
    """The sentences of `text` that ask something ("?"), split so "A? B?" gives two."""
    found = []
    for sentence in sentences(text):
        for part in re.findall(r"[^?]*\?", sentence):
            if part.strip(" ?"):
                found.append(part.strip())
    return found


def count_questions(text: str) -> int:
    return len(question_sentences(text))


def is_guiding(question: str) -> bool:
    """A real step forward: long enough, about something, and not a generic check."""
    return not GENERIC.search(question) and len(words(question)) >= MIN_WORDS


def guiding_questions(text: str) -> list[str]:
    """The guiding questions a turn asks, plus invitations such as "Can you try 3/12 + 8/12."."""
    asked = [q for q in question_sentences(text) if is_guiding(q)]
    invitations = [
        s for s in sentences(text) if not s.endswith("?") and INVITATION.search(s.strip()) and is_guiding(s)
    ]
    return asked + invitations


def asks_guiding_question(text: str) -> bool:
    return bool(guiding_questions(text))
