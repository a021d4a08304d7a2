"""Facts the offline template teacher can ask about, found in a chunk's text with plain patterns.

    facts = extract_facts(chunk_text, topic="Ohm's law")
    facts[0].question   -> "A 12 V battery is connected to a 4 ohm resistor. What is the current?"
    facts[0].answer     -> "3 A"
    fact = pick_fact(facts, slot=3, intents=["confused", "frustrated", "confused", "confused"])

Finders, tried in this order on every sentence (the first that reads it wins):
- calculation  "... the current is I = V / R = 12 / 4 = 3 A"          (core/generate/fact_numbers.py)
- date         "In 1764, James Hargreaves invented the spinning jenny"  (core/generate/fact_dates.py)
- term, glossary, definition, function, use, place, action, condition, reason         (core/generate/fact_words.py)
Every question must pass fact_grammar.usable_question; a sentence that would give a question nobody
would ask is skipped, never mangled. Sentences that carry planted instructions ("ignore previous
instructions ...") and questions are never used. A chunk with none of these (a list of exercises) has
no facts; explain_no_facts says why, in words a teacher can act on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from core.evaluate.behaviour.injection import has_instructions
from core.evaluate.behaviour.normalise import sentences
from core.generate.fact_dates import date_fact
from core.generate.fact_grammar import Context, Fact, FactKind, proper_names, usable_question
from core.generate.fact_numbers import calculation_fact
from core.generate.fact_words import (
    condition_fact,
    definition_fact,
    function_fact,
    glossary_fact,
    location_fact,
    past_action_fact,
    reason_fact,
    term_fact,
    use_fact,
)

__all__ = ["MAX_FACTS", "Fact", "FactKind", "extract_facts", "paragraphs", "pick_fact"]
MAX_FACTS = 12
FINDERS: tuple[Callable[[str, Context], Fact | None], ...] = (
    calculation_fact,
    date_fact,
    term_fact,
    glossary_fact,
    definition_fact,
    function_fact,
    use_fact,
    location_fact,
    past_action_fact,
    condition_fact,
    reason_fact,
)


def extract_facts(text: str, topic: str = "") -> list[Fact]:
    """The facts of a chunk, in reading order, each with its own question and answer (at most MAX_FACTS)."""
    found: list[Fact] = []
    seen: set[str] = set()
    names = proper_names(f"{topic}. {text}")
    for paragraph in paragraphs(text):
        for index, sentence in enumerate(paragraph):
            fact = fact_from_sentence(sentence, Context(paragraph[:index], names))
            if fact is None:
                continue
            keys = {fact.answer.lower(), _asked(fact.question).lower()}
            if not keys & seen and fact.answer.lower() not in fact.question.lower():
                seen |= keys
                found.append(fact)
    return found[:MAX_FACTS]


def _asked(question: str) -> str:
    """The asking sentence of a question (a calculation may state its problem first)."""
    return re.split(r"(?<=[.!?])\s+(?=[A-Z])", question)[-1]


def paragraphs(text: str) -> list[list[str]]:
    """Clean sentences per paragraph: no markdown marks, tables, list markers, questions or planted instructions."""
    result = []
    for block in re.split(r"\n\s*\n", text):
        lines = [_clean_line(line) for line in block.splitlines() if not line.lstrip().startswith("|")]
        joined = "\n".join(line for line in lines if line)
        kept = [s for s in _sentences(joined) if not has_instructions(s)]
        if kept:
            result.append(kept)
    return result


def _clean_line(line: str) -> str:
    line = re.sub(r"[*_`#]+", "", line).strip()
    return re.sub(r"^(?:[-•]|\d+[.)])\s+", "", line)


def _sentences(block: str) -> list[str]:
    found: list[str] = []
    for line in block.split("\n"):
        found.extend(s.strip() for s in sentences(line) if len(s.split()) >= 3)
    return found


def fact_from_sentence(sentence: str, context: Context | list[str] | None = None) -> Fact | None:
    """The first fact a finder reads in the sentence whose question a student could ask, else None."""
    if sentence.endswith("?"):
        return None
    if not isinstance(context, Context):
        context = Context(list(context or []))
    body = re.sub(r"^(?:worked example|example|note)\s*[:.]\s*", "", sentence.rstrip(". "), flags=re.I)
    for finder in FINDERS:
        fact = finder(body, context)
        if fact is not None and usable_question(fact.question) and fact.answer.strip():
            return fact
    return None


def pick_fact(facts: Sequence[Fact], slot: int, intents: Sequence[str] = ()) -> Fact:
    """The fact a chunk's conversation `slot` asks about, so that slots share a question only when needed.

    `intents` are the intents of the chunk's slots in slot order (as planned for the run). Each slot, in
    order, takes the next fact no earlier slot asked about; once every fact is taken, it takes a fact no
    earlier slot asked with the same intent; only past that does a (question, intent) pair repeat. The
    choice depends only on (facts, slot, intents), so a resumed item picks the same fact."""
    if not facts:
        raise ValueError("pick_fact needs at least one fact")
    used: list[tuple[int, str]] = []
    choice = 0
    for current in range(slot + 1):
        intent = intents[current] if current < len(intents) else ""
        order = [(current + offset) % len(facts) for offset in range(len(facts))]
        asked = {index for index, _ in used}
        fresh = [i for i in order if i not in asked]
        other_intent = [i for i in order if (i, intent) not in used]
        choice = (fresh or other_intent or order)[0]
        used.append((choice, intent))
    return facts[choice]
