"""Dated events of history and science lessons: "In YEAR, someone did something" -> "When did ...?".

    "In 1764, James Hargreaves invented the spinning jenny, which ..." -> When did James Hargreaves invent
                                                                          the spinning jenny?  (1764)
    "The Stockton and Darlington Railway opened in 1825."              -> When did the Stockton and
                                                                          Darlington Railway open?
    "The city was founded in 753."                                     -> When was the city founded?

Only a sentence with a single year gives a fact, and only when the verb's base form is certain
(fact_grammar.base_verb); "Georg Ohm found this in 1827" (a pronoun object) gives none.
"""

from __future__ import annotations

import re

from core.generate.fact_grammar import Context, Fact, base_verb, capitalise, is_participle, keep_case
from core.generate.fact_words import noun_phrase

YEAR = r"(?:1[0-9]{3}|20[0-9]{2})"
LEADING = re.compile(rf"^In (?P<year>{YEAR}),? (?P<clause>.+)$")
TRAILING = re.compile(
    rf"^(?P<clause>.+?),? in (?P<year>{YEAR})(?:$|[,;]| (?:that|which|when|after|and|to|by)\b)"
)
PASSIVE = re.compile(r"^(?P<subj>.+?) (?P<aux>was|were) (?P<pp>[a-z]+) ?(?P<rest>.*)$")
OBJECT_PRONOUNS = ("this", "it", "that", "them", "these", "those", "him", "her")


def date_fact(sentence: str, context: Context) -> Fact | None:
    """The year an event happened, asked as 'When did/was ...?'."""
    if len(re.findall(rf"\b{YEAR}\b", sentence)) != 1 or "=" in sentence:
        return None
    match = LEADING.match(sentence) or TRAILING.match(sentence)
    if match is None:
        return None
    clause = re.split(r",| which | who ", match.group("clause"), maxsplit=1)[0].strip()
    if re.search(r"\d", clause):
        return None
    asked = _when(clause, context.names)
    if asked is None:
        return None
    question, subject = asked
    return Fact("condition", question, match.group("year"), capitalise(sentence) + ".", subject, form="date")


def _when(clause: str, names: frozenset[str]) -> tuple[str, str] | None:
    """(question, subject) for the clause, or None when its subject or verb cannot be read for sure."""
    passive = PASSIVE.match(clause)
    if passive and noun_phrase(passive.group("subj")) and is_participle(passive.group("pp")):
        after = f" {passive.group('rest')}" if passive.group("rest") else ""
        subject = keep_case(passive.group("subj"), names)
        return f"When {passive.group('aux')} {subject} {passive.group('pp')}{after}?", subject
    words = clause.split()
    for index, word in enumerate(words[1:], start=1):
        base = base_verb(word) if word.islower() else None
        if base is None or word in {"was", "were", "had"}:
            continue
        doer, rest = " ".join(words[:index]), words[index + 1 :]
        named = doer[:1].isupper() or doer.startswith("the ")
        if not noun_phrase(doer) or not named or (rest and rest[0].lower() in OBJECT_PRONOUNS):
            return None
        tail = f" {' '.join(rest)}" if rest else ""
        doer = keep_case(doer, names)
        return f"When did {doer} {base}{tail}?", doer
    return None
