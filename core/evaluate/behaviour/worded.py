"""Worded answers: the terms that carry an answer, and the ways a reply can state them.

    head_terms("Refraction: light bends as it passes from water to air.")   -> {"refraction"}
    name_terms("George Washington")                                         -> {"george", "washington"}
    spelled_out("It starts with 'Mer' and ends with 'cury'.", {"mercury"})  -> "mercury"

A reply states a worded answer when it uses most of the answer's terms in one sentence (in any form:
"condenses" for "condensation", "sugar" for "glucose"), all of them across its statements (a list
named item by item), the answer's name or head term ("That's personification"), or spells it out.
"""

from __future__ import annotations

import re

from core.evaluate.behaviour.lexicon import concept_words

HEAD_PATTERNS = (
    re.compile(r"^\s*(?:through |by |using |it'?s |it is |this is )?(?P<head>[^:,;.()]{2,40}?)\s*[:—–]\s"),
    re.compile(r"\((?:the |a |an )?(?P<head>[^()]{3,50})\)\s*\.?\s*$"),
    re.compile(
        r"\b(?:is called|are called|known as|is named|the name is|termed)\s+(?P<head>[^,;.()]{2,40})", re.I
    ),
    re.compile(r"^\s*(?:through |by |using )(?P<head>\w+(?: \w+)?)\s*,", re.I),
)
MAX_HEAD_WORDS = 6
MAX_NAME_WORDS = 4
QUOTED = re.compile(r"['‘\"“]([A-Za-z]{1,20})['’\"”]")
SPELLED = re.compile(r"\b(?:[A-Za-z][-–.]\s?){2,}[A-Za-z]\b")
START_CUE = re.compile(r"\b(?:starts?|begins?|first (?:letters?|part|half|syllable)s?)\b", re.IGNORECASE)
END_CUE = re.compile(r"\b(?:ends?|last (?:letters?|part|half|syllable)s?)\b", re.IGNORECASE)
LETTER = re.compile(
    r"\b(?:with|is|are)\s+(?:an? |the letter )?['‘\"“]?([A-Za-z]{1,12})['’\"”]?(?=[\s,.;!?]|$)"
)


def head_terms(reference: str, exclude: frozenset[str]) -> frozenset[str]:
    """The terms of the name an answer opens with or gives in brackets ("Personification: ...",
    "... (the law of supply and demand)", "is called photosynthesis")."""
    for pattern in HEAD_PATTERNS:
        match = pattern.search(reference)
        if match and len(match.group("head").split()) <= MAX_HEAD_WORDS:
            terms = concept_words(match.group("head")) - exclude
            if terms:
                return terms
    return frozenset()


def name_terms(source: str, exclude: frozenset[str]) -> frozenset[str]:
    """The words of a short answer that is a proper name ("George Washington", "The Nile"): any one of
    them names the answer. Lists ("Pacific, Atlantic and Indian") are not names."""
    tokens = re.findall(r"[A-Za-z][\w'-]*", source)
    if not tokens or len(tokens) > MAX_NAME_WORDS or re.search(r",|\band\b|\bor\b", source):
        return frozenset()
    content = [t for t in tokens if t.lower() not in ("the", "a", "an", "of")]
    if not content or not all(t[0].isupper() for t in content):
        return frozenset()
    return frozenset(t.lower() for t in content if len(t) > 2) - exclude


def spelled_out(text: str, terms: frozenset[str]) -> str | None:
    """A term spelled letter by letter ("I-R-O-N") or given as its beginning and end ("starts with 'Mer'
    and ends with 'cury'", "first letter N, last letter E")."""
    for match in SPELLED.finditer(text):
        joined = re.sub(r"[^A-Za-z]", "", match.group(0)).lower()
        if joined in terms:
            return match.group(0)
    starts, ends = _pieces(text, START_CUE), _pieces(text, END_CUE)
    for term in terms:
        if len(term) >= 3 and any(term.startswith(s) for s in starts) and any(term.endswith(e) for e in ends):
            return term
    return None


def _pieces(text: str, cue: re.Pattern[str]) -> set[str]:
    """Fragments that follow a cue in the same clause ("ends with 'cury'" -> {"cury"})."""
    found = set()
    for match in cue.finditer(text):
        clause = re.split(r"[;.!?]|\band\b", text[match.end() : match.end() + 40])[0]
        found |= {q.lower() for q in QUOTED.findall(clause)}
        found |= {m.lower() for m in LETTER.findall(clause)}
    return found
