"""Word forms and synonyms, so that an answer given in other words is still recognised.

    lemma("condensation") == lemma("condenses") == lemma("condensing")      -> "conden"
    concept_words("They transport O2 and sugar")   -> {"transport", "oxygen", "glucose"}
    same_word("gravity", "gravitational")           -> True   (a shared stem of five letters or more)

A light suffix stripper (no dictionary) and a small table of school-subject synonyms: enough to
see that "the vapour condenses" states "condensation" and "sugar" states "glucose", with no model.
"""

from __future__ import annotations

import re
from functools import lru_cache

from core.evaluate.behaviour.normalise import STOPWORDS, stem, words

SUFFIXES = (
    "ational", "ations", "ation", "itions", "ition", "ically", "ical", "ities", "ity", "ments", "ment",
    "nesses", "ness", "ings", "ing", "ates", "ated", "ate", "ies", "ied", "ers", "er", "ed", "es", "ly",
    "al", "ous", "ive", "s", "e", "y",
)  # fmt: skip
MIN_STEM = 3
MIN_SHARED = 5
# Words a student or tutor may use for a term of the answer; each maps to one spelling.
SYNONYMS = {
    "sugar": "glucose", "sugars": "glucose", "o2": "oxygen", "co2": "carbon dioxide", "h2o": "water",
    "spins": "rotates", "spin": "rotate", "spinning": "rotating", "turns on its axis": "rotates on its axis",
    "moving": "motion", "movement": "motion", "moves": "motion", "big": "large", "huge": "large",
    "biggest": "largest", "tiny": "small", "little": "small", "quick": "fast",
    "quicker": "faster", "speedy": "fast",
    "photosynthesise": "photosynthesis", "goes up": "increases", "rises": "increases",
    "goes down": "decreases", "falls": "decreases", "drops": "decreases", "shrinks": "decreases",
    "grows": "increases",
}  # fmt: skip
PHRASES = re.compile(
    r"\b(?:" + "|".join(sorted((re.escape(k) for k in SYNONYMS), key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def lemma(word: str) -> str:
    """The word without its plural and common suffixes (two passes), never shorter than three letters."""
    word = stem(word)
    if len(word) <= MIN_STEM or not word.isalpha():
        return word
    for _ in range(2):
        for suffix in SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
                word = word[: -len(suffix)]
                break
        else:
            break
    return word


def same_word(a: str, b: str) -> bool:
    """Two forms of one word: equal lemmas, or a shared beginning of five letters or more covering
    most of the shorter one ("gravity" / "gravitational")."""
    if a == b or lemma(a) == lemma(b):
        return True
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return shared >= max(MIN_SHARED, round(0.75 * min(len(a), len(b))))


def with_synonyms(text: str) -> str:
    """`text` with each synonym replaced by its one spelling ("O2" -> "oxygen")."""
    return PHRASES.sub(lambda m: SYNONYMS[m.group(0).lower()], text)


@lru_cache(maxsize=8192)
def concept_words(text: str) -> frozenset[str]:
    """The meaning-bearing words of `text` after synonyms: no function words, no numbers."""
    return frozenset(
        w
        for w in words(with_synonyms(text))
        if w not in STOPWORDS and len(w) > 2 and not any(c.isdigit() for c in w)
    )


def found_terms(terms: frozenset[str], text_words: frozenset[str]) -> frozenset[str]:
    """The terms that `text_words` contain in some form."""
    return frozenset(term for term in terms if any(same_word(term, word) for word in text_words))
