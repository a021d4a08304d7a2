"""Guiding questions: does a turn ask one clear question that moves the student forward?

    guiding_questions("Nice work! What do both 4 and 3 divide into?")  -> ["What do both 4 and 3 divide into?"]
    guiding_questions("Any questions?")                                -> []   (a generic check, not a step)
    guiding_questions("What's 12 ÷ 4? It's 3.")                        -> []   (answered in the same turn)
    count_questions("What is it? And why? How?")                       -> 3    (stacked questions)

A guiding question is a sentence that ends with "?" (or asks "can you ..." / "try ..." as an
invitation), has at least three words, and is none of these:
- a generic check: "Does that make sense (to you)?", "Any (other) questions?", "Is there anything else
  you'd like to know?", "What do you think?", "Ready?";
- a rhetorical or tag question: "..., isn't it?", "..., right?", "Who would have thought ...?",
  "Wouldn't it be simpler if ...?", "Isn't it amazing that ...?";
- a question the same turn answers at once: "Which law do we need? Ohm's law." (a joke's set-up is one:
  "Why did the fraction ...? Because ...!").
"""

from __future__ import annotations

import re

from core.evaluate.behaviour.encouragement import praise
from core.evaluate.behaviour.lexicon import concept_words, found_terms
from core.evaluate.behaviour.normalise import sentences, words

# Checks that end a question ("..., ok?") or make it up entirely ("Ready?").
GENERIC_END = re.compile(
    r"\b(?:(?:is )?(?:that|this|everything) (?:ok|okay|clear|alright|all right)|got it|"
    r"(?:shall|should) we (?:continue|move on|go on)|what else|how are you|are you ready|sound good|"
    r"right|ok|okay|ready|what do you (?:think|reckon)|any ideas|what about you|with me|follow)\W*\?*\s*$",
    re.IGNORECASE,
)
# Checks wherever they appear in the question: they ask about the conversation, not the subject.
GENERIC_ANYWHERE = re.compile(
    r"\b(?:any (?:other |more |further )?questions|anything else|something else|makes? sense|"
    r"(?:can|may|shall) i help|do you (?:understand|follow)|(?:want|like) (?:to hear )?a joke|"
    r"(?:would you like|do you want) (?:a hint|another (?:example|one)|me to explain)|"
    r"how (?:does|did) that (?:sound|feel)|is that (?:clear|ok|okay)|are you (?:following|with me))\b",
    re.IGNORECASE,
)
TAG = re.compile(
    r",\s*(?:(?:is|are|was|were|do|does|did|have|has|had|will|wo|would|can|ca|could|should|sha|must)"
    r"(?:n'?t|'t| not)?\s+"
    r"(?:it|they|he|she|we|you|i|there|that|this|one)|right|eh|yes|no|huh|ok|okay|you see|"
    r"don'?t you think|wouldn'?t you say|agreed)\s*\?\s*$",
    re.IGNORECASE,
)
RHETORICAL = re.compile(
    r"^(?:\W*(?:and|so|but|now|well|oh)\W+)?(?:who (?:would|could) have (?:thought|guessed|known|believed)|"
    r"wouldn'?t it be (?:nice|simpler|easier|great|lovely|better|good|handy|nicer|funny|cool)|"
    r"(?:isn'?t|aren'?t|wasn'?t) (?:it|that|this|they|these|those|nature|science|maths|history)(?: \w+)? "
    r"(?:amazing|cool|neat|interesting|fascinating|wonderful|great|funny|strange|weird|remarkable|"
    r"incredible|lovely|beautiful|clever|brilliant|odd|surprising|curious|wild|mind-blowing)|"
    r"how (?:cool|amazing|neat|great|lucky|strange|weird|interesting|wonderful|clever) is that|"
    r"can you (?:believe|imagine) (?:it|that)|guess what|who knew|what are the odds|why not)\b",
    re.IGNORECASE,
)
# A sentence that answers the question before it: an answer's opening, or a short fragment.
ANSWER_OPENING = re.compile(
    r"^(?:yes|no|nope|yep|yeah|because|cause|so that|it'?s|it is|it was|it (?:\w+n'?t|has|had|did|does|"
    r"can|could|makes?|gives?|comes?)|they'?re|they are|they (?:\w+n'?t|have|had|do|did|make|give)|"
    r"he|she|that'?s|that is|this is|the answer|answer|you get|we get|you'?d get|simple|easy|in an?\b|"
    r"in the\b|at the\b|on the\b|by \w+ing|to \w+|= ?|\d)",
    re.IGNORECASE,
)
NOT_AN_ANSWER = re.compile(
    r"^(?:take|think|remember|try|look|hint|tip|careful|hmm|well|ok|okay|let'?s|go|have|use|check|don'?t|"
    r"keep|start|no rush|good|great|nice|now|so|and|but|then|if|when|here|i|we'?ll|you can|you could|"
    r"you might|maybe|perhaps|just|see|imagine|picture|consider|notice|first|next)\b",
    re.IGNORECASE,
)
JOKE_SETUP = re.compile(
    r"^(?:why (?:did|do|does|was|were|is|are|don'?t|can'?t|couldn'?t) (?:the|a|an)\b|what do you (?:call|do with|get "
    r"(?:when|if) you cross)|what did (?:the|one)\b|how do you (?:make|organi[sz]e|catch|fix|get) an?\b|"
    r"knock,? knock|what'?s an? \w+'?s? favou?rite)",
    re.IGNORECASE,
)
SHORT_ANSWER_WORDS = 4
INVITATION = re.compile(r"^(?:now |so )?(?:can|could|would) you\b|^try\b|^tell me\b|^see if you can\b", re.I)
MIN_WORDS = 3


def question_sentences(text: str) -> list[str]:
    """The sentences of `text` that ask something ("?"), split so "A? B?" gives two."""
    return [question for question, _ in _questions_with_next(text)]


def _questions_with_next(text: str) -> list[tuple[str, str]]:
    """Each question of `text` with the sentence that follows it in the turn ("" when none)."""
    parts: list[str] = []
    for sentence in sentences(text):
        pieces = re.findall(r"[^?]*\?|[^?]+$", sentence)
        parts.extend(piece.strip() for piece in pieces if piece.strip(" ?"))
    return [
        (part, parts[i + 1] if i + 1 < len(parts) else "")
        for i, part in enumerate(parts)
        if part.endswith("?")
    ]


def count_questions(text: str) -> int:
    return len(question_sentences(text))


def is_generic(question: str) -> bool:
    """A check on the conversation ("Does that make sense to you?") rather than a step on the subject."""
    return bool(GENERIC_END.search(question) or GENERIC_ANYWHERE.search(question))


def is_rhetorical(question: str) -> bool:
    """A question that expects no answer: a tag ("..., isn't it?") or a rhetorical opening."""
    return bool(TAG.search(question) or RHETORICAL.search(question))


def answers(sentence: str, question: str = "") -> bool:
    """Whether `sentence`, coming right after `question`, answers it ("Ohm's law.", "Because ...!"); a
    joke's punch line answers its set-up."""
    text = sentence.strip()
    if not text or text.endswith("?"):
        return False
    if JOKE_SETUP.search(question.strip()):
        return True
    if NOT_AN_ANSWER.search(text) or praise(text.split(",")[0]):
        return False
    if ANSWER_OPENING.search(text):
        return True
    first_clause = re.split(r"[,;:—–]", text)[0]
    if len(words(first_clause)) <= SHORT_ANSWER_WORDS or text.endswith("!"):
        return True
    # A statement about the very thing just asked ("How is it different from a simile? Similes ...").
    return bool(found_terms(concept_words(question), concept_words(first_clause)))


def is_guiding(question: str) -> bool:
    """A real step forward: long enough, about something, and not a generic check or rhetorical."""
    return not is_generic(question) and not is_rhetorical(question) and len(words(question)) >= MIN_WORDS


def guiding_questions(text: str) -> list[str]:
    """The guiding questions a turn asks, plus invitations such as "Can you try 3/12 + 8/12."."""
    asked = [q for q, following in _questions_with_next(text) if is_guiding(q) and not answers(following, q)]
    invitations = [
        s for s in sentences(text) if not s.endswith("?") and INVITATION.search(s.strip()) and is_guiding(s)
    ]
    return asked + invitations


def asks_guiding_question(text: str) -> bool:
    return bool(guiding_questions(text))
