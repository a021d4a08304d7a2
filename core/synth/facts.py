"""Facts the offline template teacher can ask about, found in a chunk's text with plain patterns.

    facts = extract_facts(chunk_text, topic="Ohm's law")
    facts[0].question   -> "A 12 V battery is connected to a 4 ohm resistor. What is the current?"
    facts[0].answer     -> "3 A"

Kinds, tried in this order on every sentence:
- calculation  "... the current is I = V / R = 12 / 4 = 3 A"  (the value after the last "=")
- term         "... is called inertia", "...: this is transpiration", "... (infiltration)", "pores called stomata"
- definition   "A force is a push or a pull", "A fraction describes part of a whole"
- condition    "Two fractions are equivalent when they name the same amount"
- reason       "X, which is why leaves look green", "X, forming clouds", "X because Y"
Sentences that carry planted instructions ("ignore previous instructions ...") and questions are never
used as facts. A chunk with none of these (a list of exercises) has no facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from core.behaviour.injection import has_instructions
from core.behaviour.normalise import sentences
from core.behaviour.numbers import Quantity, evaluate, expression_values, find_quantities

FactKind = Literal["calculation", "term", "definition", "condition", "reason"]
PERSONAL_PRONOUNS = ("it ", "they ", "he ", "she ", "we ", "you ")
PRONOUNS = ("it ", "they ", "this ", "these ", "that ", "those ", "he ", "she ", "we ", "you ")
DETERMINERS = ("a ", "an ", "the ", "its ", "their ", "his ", "her ", "each ", "every ", "one ", "our ")
MAX_TERM_WORDS = 4
MAX_FACTS = 8


@dataclass(frozen=True)
class Fact:
    """One thing a student can ask about and reach: the question, the answer, and what hints build on."""

    kind: FactKind
    question: str
    answer: str  # what the student finally says ("3 A", "resistance to a change in motion")
    reference: str  # the reference answer, in full
    subject: str  # the term or quantity the conversation is about
    method: str = ""  # calculation: the rule the lesson gives ("multiply by the reciprocal")
    formula: str = ""  # calculation: a formula from the lesson ("I = V / R")
    setup: str = ""  # calculation: the arithmetic with the numbers in ("12 / 4")
    wrong: str = ""  # a plausible wrong answer


def extract_facts(text: str, topic: str = "") -> list[Fact]:
    """The facts of a chunk, in reading order, without duplicate answers (at most MAX_FACTS)."""
    found: list[Fact] = []
    seen: set[str] = set()
    for paragraph in paragraphs(text):
        for index, sentence in enumerate(paragraph):
            fact = fact_from_sentence(sentence, paragraph[:index])
            if (
                fact is not None
                and fact.answer.lower() not in seen
                and fact.answer.lower() not in fact.question.lower()
            ):
                seen.add(fact.answer.lower())
                found.append(fact)
    return found[:MAX_FACTS]


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


def fact_from_sentence(sentence: str, before: list[str]) -> Fact | None:
    if sentence.endswith("?"):
        return None
    body = re.sub(r"^(?:worked example|example|note)\s*[:.]\s*", "", sentence.rstrip(". "), flags=re.I)
    for finder in (_calculation, _term, _definition, _condition, _reason):
        fact = finder(body, before)
        if fact is not None:
            return fact
    return None


# -- calculations ------------------------------------------------------------------------------------


def _calculation(sentence: str, before: list[str]) -> Fact | None:
    for clause in reversed(re.split(r", (?:and|so|then) |; ", sentence)):
        if clause.count("=") >= 1:
            fact = _calculation_clause(clause.strip(), sentence, before)
            if fact is not None:
                return fact
    return None


def _calculation_clause(clause: str, sentence: str, before: list[str]) -> Fact | None:
    parts = [p.strip() for p in clause.split("=")]
    final = _final_quantity(parts[-1])
    if final is None or not _has_operation(parts[:-1]):
        return None
    method, _, lhs = parts[0].rpartition(": ") if ": " in parts[0] else ("", "", parts[0])
    question, subject = _calculation_question(lhs.strip(), method, before)
    if question is None or any(q.matches(final) for q in find_quantities(question)):
        return None
    return Fact(
        kind="calculation",
        question=question,
        answer=final.text,
        reference=sentence.rstrip(".") + ".",
        subject=subject,
        method=_method_action(method),
        formula=_formula(parts),
        setup=_setup(parts[:-1]),
        wrong=_wrong_value(final),
    )


def _final_quantity(text: str) -> Quantity | None:
    head = text.split(",")[0].strip().rstrip(".")
    found = find_quantities(head)
    return found[0] if len(found) == 1 and found[0].text == head else None


def _has_operation(parts: list[str]) -> bool:
    return any(expression_values(p) or re.search(r"\b[A-Za-z]\w*\s*[/×*+−-]\s*[A-Za-z]", p) for p in parts)


def _calculation_question(lhs: str, method: str, before: list[str]) -> tuple[str | None, str]:
    context = _context(before)
    if " is " in lhs:
        name = _lower_first(lhs.rsplit(" is ", 1)[0])
        return (f"{context} What is {name}?".strip() if context else f"What is {name}?"), name
    if expression_values(lhs) and evaluate(lhs) is not None and re.fullmatch(r"[\d\s./+×*÷x−-]+", lhs):
        return (context if context.endswith("?") else f"How do I work out {lhs}?"), lhs
    if re.fullmatch(r"[A-Za-z][\w -]{0,40}", lhs) and len(lhs.split()) <= MAX_TERM_WORDS and context:
        name = _noun_phrase(lhs)
        return f"{context} What is {name}?", name
    purpose = re.match(r"to ([^,]+), ", method, flags=re.I)
    if purpose and find_quantities(lhs) and " it " in f" {purpose.group(1)} ":
        action = re.sub(r"\bit\b", lhs, purpose.group(1), count=1)
        return f"How do I {action}?", lhs
    return None, ""


def _context(before: list[str]) -> str:
    """Up to two earlier sentences that set up the numbers (and no result of their own)."""
    useful = [s for s in before[-2:] if find_quantities(s) and "=" not in s]
    cleaned = [re.sub(r"^(?:worked example|example)\s*[:.]\s*", "", s, flags=re.I) for s in useful]
    return " ".join(_capitalise(s.rstrip(".") + ("" if s.endswith("?") else ".")) for s in cleaned)


def _noun_phrase(text: str) -> str:
    phrase = text.strip().rstrip(",")
    lowered = phrase[0].lower() + phrase[1:] if phrase[:2] != phrase[:2].upper() else phrase
    return lowered if lowered.lower().startswith(DETERMINERS) else f"the {lowered}"


def _method_action(method: str) -> str:
    method = method.strip()
    match = re.match(r"to [^,]+, (.+)", method, flags=re.I)
    return (match.group(1) if match else method).strip().rstrip(".")


def _formula(parts: list[str]) -> str:
    for index, part in enumerate(parts[1:-1], start=1):
        if re.fullmatch(r"[A-Za-z]\w*(?:\s*[/×*+−x-]\s*[A-Za-z]\w*)+", part):
            symbol = parts[index - 1].split()[-1] if parts[index - 1].split() else ""
            return f"{symbol} = {part}" if re.fullmatch(r"[A-Za-z]\w?", symbol) else part
    return ""


def _setup(parts: list[str]) -> str:
    for part in parts:
        tail = part.rpartition(": ")[2]
        found = expression_values(tail)
        if found:
            return found[0][1]
    return ""


def _wrong_value(final: Quantity) -> str:
    value = final.value * 2 if final.value else Fraction(1)
    written_unit = re.sub(r"^[-−]?[\d.,/ ]+", "", final.text).strip()
    unit = "%" if written_unit == "%" else (f" {written_unit}" if written_unit else "")
    if value.denominator == 1:
        return f"{value.numerator}{unit}"
    if "/" in final.text:
        return f"{value.numerator}/{value.denominator}{unit}"
    return f"{float(value):g}{unit}"


# -- worded facts ------------------------------------------------------------------------------------

TERM_PATTERNS = (
    (re.compile(r"^(?P<desc>.+?) (?:is|are) (?:called|known as) (?P<term>[\w' -]+)$", re.I), False),
    (re.compile(r"^(?P<desc>.+?): this is (?P<term>[\w' -]+)$", re.I), True),
    (re.compile(r"^(?P<desc>.+?): (?P<term>[\w-]+)$"), True),
    (re.compile(r"^(?P<desc>[A-Z][^(),]+?) \((?P<term>[a-z][\w-]*(?: [a-z][\w-]*)?)\)(?:$|,| and )"), True),
)
NOT_TERMS = ("so ", "there ", "here ", "then ", "thus ", "this ", "that ", "it ", "which ")
CALLED = re.compile(
    r"^(?P<before>.+?) (?P<prep>through|by|into|from|with|inside|in) (?P<np>(?:[\w-]+ ){0,3}[\w-]+) called (?P<term>[\w-]+)"
)
APPOSITIVE = re.compile(r"\b(?P<term>[a-z][\w-]+), (?P<desc>an? [\w -]+? (?:that|which) [^,]+)")
DEFINITION = re.compile(
    r"^(?P<term>(?:an? |the |one )?[\w' -]{2,40}?)(?: such as [^,]+?)? (?P<verb>is|are|describes|means) "
    r"(?P<desc>(?:an? |the |part |one |any ).+)$",
    re.I,
)
CONDITION = re.compile(
    r"^(?P<subj>[\w' -]{3,40}?) (?:(?P<verb>is|are) (?P<adj>[\w-]+)|can (?:only )?be (?P<pp>[\w-]+)) when (?P<cond>[^;]+)",
    re.I,
)
REASONS = (
    re.compile(r"^(?P<cause>.+?),? which is why (?P<effect>.+)$", re.I),
    re.compile(r"^(?P<cause>[A-Z].+?),? forming (?P<formed>[\w -]+)$"),
    re.compile(r"^(?P<effect>[A-Z].+?) because (?P<cause>.+)$"),
)


def _term(sentence: str, before: list[str]) -> Fact | None:
    if "=" in sentence:
        return None
    for pattern, is_clause in TERM_PATTERNS:
        match = pattern.search(sentence)
        if (
            match
            and _plain_term(match.group("term"))
            and not match.group("desc").lower().startswith(PERSONAL_PRONOUNS)
        ):
            desc = _describe(match.group("desc"))
            return _term_fact(match.group("term"), f"when {desc}" if is_clause else desc, sentence)
    called = CALLED.search(sentence)
    if called and _plain_term(called.group("term")) and not _starts_with_pronoun(called.group("before")):
        answer = f"{called.group('np')} {called.group('prep')} which {_lower_first(called.group('before'))}"
        return _term_fact(called.group("term"), answer, sentence)
    appositive = APPOSITIVE.search(sentence)
    if appositive:
        return _term_fact(appositive.group("term"), appositive.group("desc"), sentence)
    return None


def _plain_term(term: str) -> bool:
    words = term.split()
    return (
        0 < len(words) <= MAX_TERM_WORDS - 1
        and not any(ch.isdigit() for ch in term)
        and term.lower() != "this"
    )


def _starts_with_pronoun(text: str) -> bool:
    return text.lower().startswith(PRONOUNS)


def _describe(desc: str) -> str:
    desc = re.sub(r"^(?:this|these|that|those|the) ", "", desc.strip(), flags=re.I)
    return _lower_first(desc)


def _term_fact(term: str, answer: str, sentence: str) -> Fact:
    term = term.strip()
    plural = term.endswith(("ta", "ia")) or (term.endswith("s") and not term.endswith(("ss", "is", "us")))
    verb = "are" if plural else "is"
    return Fact("term", f"What {verb} {term}?", answer, _capitalise(sentence) + ".", term)


def _definition(sentence: str, before: list[str]) -> Fact | None:
    match = DEFINITION.search(sentence)
    if match is None or len(match.group("term").split()) > MAX_TERM_WORDS + 1 or "=" in match.group("term"):
        return None
    term, verb, desc = match.group("term").strip(), match.group("verb").lower(), match.group("desc")
    desc = re.sub(r"\s+too\b", "", desc).strip()
    if (term + " ").lower().startswith(PRONOUNS + NOT_TERMS) or any(ch.isdigit() for ch in term):
        return None
    lowered = _lower_first(term)
    question = {"describes": f"What does {lowered} describe?", "means": f"What does {lowered} mean?"}.get(
        verb, f"What {verb} {lowered}?"
    )
    return Fact("definition", question, desc, _capitalise(sentence) + ".", lowered)


def _condition(sentence: str, before: list[str]) -> Fact | None:
    match = CONDITION.search(sentence)
    if match is None or _starts_with_pronoun(match.group("subj") + " "):
        return None
    subj = _lower_first(match.group("subj"))
    if match.group("verb"):
        question = f"When {match.group('verb').lower()} {subj} {match.group('adj')}?"
    else:
        question = f"When can {subj} be {match.group('pp')}?"
    answer = f"when {match.group('cond').strip()}"
    return Fact("condition", question, answer, _capitalise(sentence) + ".", subj)


def _reason(sentence: str, before: list[str]) -> Fact | None:
    for pattern in REASONS:
        match = pattern.search(sentence)
        if match is None:
            continue
        groups = match.groupdict()
        if groups.get("formed"):
            question, answer, subject = (
                f"How do {groups['formed']} form?",
                _lower_first(groups["cause"]),
                groups["formed"],
            )
        else:
            effect = _lower_first(groups["effect"])
            if _starts_with_pronoun(effect) or len(effect.split()) < 3:
                continue
            question, answer, subject = f"Why is it that {effect}?", _lower_first(groups["cause"]), effect
        if not _starts_with_pronoun(answer):
            return Fact("reason", question, answer, _capitalise(sentence) + ".", subject)
    return None


def _lower_first(text: str) -> str:
    text = text.strip()
    if len(text) > 1 and text[1].isupper():
        return text  # an acronym or symbol ("CO2", "DNA")
    return text[:1].lower() + text[1:]


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
