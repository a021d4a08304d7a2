"""The shared tokenisation of the detectors: words, content words and sentences.

    words("Don't add the denominators!")   -> ["don't", "add", "the", "denominators"]
    content_words("The denominators are added") -> {"denominator", "added"}
    sentences("Good. What is 3/4? Try it.")  -> ["Good.", "What is 3/4?", "Try it."]

Content words drop common English function words and fold plurals ("fractions" -> "fraction"), so
overlap measures compare meaning-bearing words only.
"""

from __future__ import annotations

import re
from functools import lru_cache

WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)*")
# A sentence ends at . ! or ? followed by space and a capital, digit, quote or bracket; decimals
# ("0.5") and fractions never contain a space after the point, so they stay whole.
SENTENCE_END = re.compile(
    r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(\[A-Z0-9*-])|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)"
)

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
    don't down during each few for from further had hadn't has hasn't have haven't having he he'd he'll
    he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't
    it it's its itself just let's me more most mustn't my myself no nor not of off on once only or other
    ought our ours ourselves out over own same shan't she she'd she'll she's should shouldn't so some
    such than that that's the their theirs them themselves then there there's these they they'd they'll
    they're they've this those through to too under until up very was wasn't we we'd we'll we're we've
    were weren't what what's when when's where where's which while who who's whom why why's will with
    won't would wouldn't you you'd you'll you're you've your yours yourself yourselves yes yeah ok okay
    oh so well now also still really quite get got gets one ones thing things way lot bit like just much
    many make makes made use used using
    """.split()  # noqa: SIM905
)


@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[str, ...]:
    return tuple(w.replace("’", "'") for w in WORD.findall(text.lower()))


def words(text: str) -> list[str]:
    """Lower-cased words (apostrophes kept inside words, "’" folded to "'")."""
    return list(_words(text))


def stem(word: str) -> str:
    """A light plural fold: "fractions" -> "fraction", "batteries" -> "battery", "glass" stays."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=8192)
def content_words(text: str) -> frozenset[str]:
    """The meaning-bearing words of `text`: no function words, no bare numbers, plurals folded.

    Cached: the same texts (a policy, a chunk, a reference answer) are measured for every conversation."""
    return frozenset(
        stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 2 and not any(c.isdigit() for c in w)
    )


def sentences(text: str) -> list[str]:
    """Split text into sentences (and list items), keeping each one's closing punctuation."""
    return list(_sentences(text))


@lru_cache(maxsize=8192)
def _sentences(text: str) -> tuple[str, ...]:
    parts = SENTENCE_END.split(text.strip())
    return tuple(p.strip() for p in parts if p and p.strip())


def collapse(text: str) -> str:
    """Lower case, typographic quotes folded, punctuation other than number marks dropped, single spaces."""
    text = text.lower().replace("’", "'").replace("×", " x ").replace("÷", " / ")
    text = re.sub(r"[^\w\s/.%'-]", " ", text)
    text = re.sub(r"(?<!\d)[.](?!\d)", " ", text)
    return " ".join(text.split())
