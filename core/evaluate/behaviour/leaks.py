"""Answer leaks: does a tutor turn state the reference answer before the student has reached it?

    key = answer_key("The current is I = V / R = 12 / 4 = 3 A.", question="... What is the current?")
    states_answer("So the current is 3 amps.", key)    -> Statement(how="number", evidence="3 amps")
    states_answer("What does 12 / 4 give you?", key)   -> None (a guiding question on the last step)
    find_leak(messages, key)                           -> Leak(turn=2, ...) or None

A tutor turn states the answer when it contains, before any student turn did:
- the short answer verbatim (after folding case and punctuation);
- the final value (the first value after the answer's last "=", else its last value that the question
  does not give), however written: "0.5" = "1/2" = "half" = "50%", "3 A" = "3 amps";
- the final step given away: a statement (not a question) that writes out arithmetic equal to it;
- for a worded answer, most of its key words (those the question does not already contain): 60% of
  them in a statement, all of them in a question ("Is it because chlorophyll reflects green light?").
When the answer only re-writes a value in another form ("2 1/3 as an improper fraction" -> "7/3"), the
written form is compared instead of the value, since the tutor must be able to say "2 1/3".
Beyond that, a turn states the answer when it
- writes the value in another notation: 3 × 10^8, 5.000, 0.8333 for 5/6, 3000 mA for 3 A, "8 billion",
  "nineteen eighty-nine", "one" where it stands as a value; or as arithmetic in words ("twelve over four");
- gives the last step as an instruction ("divide the 12 by the 4", "just drop the .5");
- for an answer the question offers (multiple choice, "X or Y", a value it gives), singles it out in a
  statement ("It's B", "Not 2/3, so 3/4 is the larger one", "x = 5");
- for an algebraic answer, writes its factors or expression ("(x + 3)(x - 3)");
- for a worded answer, uses its terms in another form or synonym ("condenses", "sugar"), names its head
  term ("That's personification"), names it item by item across sentences, or spells it out ("I-R-O-N").
A number that labels something ("step 3") or counts something else ("3 bulbs" when the answer is in volts)
is not the answer.
The student has reached the answer once a student turn states it, with a looser bar (half the key words).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from core.evaluate.behaviour.choices import (
    algebra_forms,
    alternatives,
    answer_letter,
    assignment,
    names_letter,
    options,
    question_stem,
    singles_out,
    squash,
)
from core.evaluate.behaviour.lexicon import concept_words, found_terms
from core.evaluate.behaviour.normalise import collapse, sentences, words
from core.evaluate.behaviour.numbers import Quantity, expression_values, find_quantities
from core.evaluate.behaviour.worded import head_terms, name_terms, spelled_out

LeakKind = Literal["verbatim", "number", "final step", "key phrase", "choice", "algebra", "spelled out"]
STATEMENT_COVERAGE = 0.6
QUESTION_COVERAGE = 1.0
STUDENT_COVERAGE = 0.5
TURN_COVERAGE = 0.75  # across all the statements of a turn: a list named item by item
MIN_VERBATIM_CHARS = 3
MAX_NUMERIC_TERMS = 3  # an answer with more key words than this is worded, even if it mentions numbers
MAX_CHOICE_TERMS = 4
# Words that carry no part of an answer's meaning, whatever the subject.
GENERIC_ANSWER_WORDS = frozenset(
    """
    answer because called known mean means meaning equal equals work worked out result lesson example
    call calls name named term word therefore thus give gives about approximately roughly around
    """.split()  # noqa: SIM905
)
TRUNCATE = re.compile(
    r"\b(?:drop|remove|ignore|chop off|cut off|get rid of|lose)\s+the\s+(?:\.\d+|decimals?(?: part)?|"
    r"fraction(?:al)? part|bit after the (?:decimal )?point)|\bkeep (?:just )?the whole (?:number|part)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AnswerKey:
    """What counts as stating one reference answer (build it with `answer_key`)."""

    reference: str
    question: str
    short_answer: str
    final: Quantity | None  # the value the student has to reach, when the answer is a number
    by_form: bool  # the answer re-writes a value in another form (2 1/3 -> 7/3): match the written form
    key_terms: frozenset[str]  # the answer's meaning-bearing words that the question does not contain
    offered: bool = False  # the question itself offers the answer (an option, "X or Y", a value it gives)
    others: tuple[str, ...] = ()  # the other options the question offers, as written there
    choice_terms: frozenset[str] = frozenset()  # the words of an offered worded answer
    letter: str | None = None  # the multiple-choice letter of the answer
    option: str = ""  # the multiple-choice option's text, as the question writes it
    head: frozenset[str] = frozenset()  # the name the answer gives itself ("personification")
    names: frozenset[str] = frozenset()  # a proper-name answer: any of these words names it
    forms: tuple[str, ...] = ()  # algebra: factors or the expression, squashed ("(x+3)")
    variable: str | None = None  # algebra: "x" of an answer "x = 5"
    question_words: frozenset[str] = field(default=frozenset(), repr=False)


@dataclass(frozen=True)
class Statement:
    how: LeakKind
    evidence: str


@dataclass(frozen=True)
class Leak:
    """The first tutor turn that gave the answer away (its index in the message list) and how."""

    turn: int
    how: LeakKind
    evidence: str

    def describe(self) -> str:
        return f"tutor turn {self.turn + 1} states the answer ({self.how}: {self.evidence!r}) before the student reached it"


def answer_key(reference_answer: str, question: str = "", short_answer: str | None = None) -> AnswerKey:
    """The answer to look for: the short answer when given (e.g. "3 A"), else the reference answer."""
    source = (short_answer or "").strip() or reference_answer
    asked = [q for q in find_quantities(question) if not q.label]
    question_words = concept_words(question)
    offered_options = options(question)
    letter = answer_letter(source, offered_options) if offered_options else None
    forms = algebra_forms(source)
    assigned = assignment(source)
    terms = _minus(concept_words(source), question_words) - GENERIC_ANSWER_WORDS
    final, by_form, offered = _final(source, asked, terms, numeric_ok=not forms)
    others: tuple[str, ...] = ()
    choice_terms: frozenset[str] = frozenset()
    if letter is not None:
        others = tuple(text for key, text in offered_options.items() if key != letter)
        # Words the question's stem already uses do not single the option out ("water" for "H2O").
        choice_terms = concept_words(offered_options[letter]) - concept_words(question_stem(question))
        final, terms = None, frozenset()
    elif final is None and not terms and len(concept_words(source)) <= MAX_CHOICE_TERMS:
        choice_terms = concept_words(source) - GENERIC_ANSWER_WORDS
    if offered or choice_terms:
        wanted = choice_terms or frozenset()
        others = others or tuple(
            alt
            for alt in alternatives(question)
            if not (
                found_terms(wanted, concept_words(alt))
                if wanted
                else any(final and q.matches(final) for q in find_quantities(alt))
            )
        )
    return AnswerKey(
        reference=reference_answer,
        question=question,
        short_answer=collapse(short_answer or ""),
        final=final,
        by_form=by_form,
        key_terms=frozenset(terms),
        offered=offered or bool(choice_terms) or letter is not None,
        others=others,
        choice_terms=choice_terms,
        letter=letter,
        option=offered_options.get(letter, "") if letter else "",
        head=head_terms(reference_answer, question_words) if not short_answer else frozenset(),
        names=name_terms(source, question_words),
        forms=forms,
        variable=assigned[0] if assigned else None,
        question_words=question_words,
    )


def _final(
    source: str, asked: list[Quantity], terms: frozenset[str], numeric_ok: bool
) -> tuple[Quantity | None, bool, bool]:
    """The value to reach, whether it must be matched by its written form, and whether the question gives it."""
    if not numeric_ok:
        return None, False, False
    # The value a worked answer arrives at follows its last "=" ("... = 11/12, not 3/7"); otherwise
    # the last value the question does not already give is taken as the one to reach.
    tail = source.rsplit("=", 1)[1] if "=" in source else source
    candidates = [q for q in find_quantities(tail) if not q.label]
    fresh = [q for q in candidates if not any(_is_final(q, a) for a in asked)]
    if "=" in source:
        fresh = fresh[:1]
    # A worded answer that mentions numbers on the way ("the voltage is shared (6 V across 4 ohms)") is
    # judged by its words; a worked result or a short value by its value.
    numeric = "=" in source or len(terms) <= MAX_NUMERIC_TERMS
    if not numeric or not candidates:
        return None, False, False
    if fresh:
        final = fresh[-1]
        others = find_quantities(source.rsplit("=", 1)[0]) if "=" in source else []
        by_form = any(
            q.value == final.value and _is_final(final, q) and _form(q) != _form(final)
            for q in others + asked
        )
        return final, by_form, False
    # "Simplify 12/16" -> "3/4": the answer is a value the question gives, written another way.
    rewritten = [q for q in candidates if any(_is_final(q, a) and _form(q) != _form(a) for a in asked)]
    if rewritten:
        return rewritten[-1], True, False
    return candidates[0 if "=" in source else -1], False, True


def states_answer(text: str, key: AnswerKey) -> Statement | None:
    """How `text` (a tutor turn) gives the answer away, or None when it does not."""
    if verbatim := _verbatim(text, key):
        return Statement("verbatim", verbatim)
    if key.forms:
        squashed = squash(text)
        return Statement("algebra", key.forms[0]) if all(f in squashed for f in key.forms) else None
    if key.letter is not None and names_letter(text, key.letter):
        return Statement("choice", key.letter)
    if key.offered:
        return _offered(text, key)
    if key.final is not None:
        return _numeric(text, key)
    return _worded(text, key, STATEMENT_COVERAGE, QUESTION_COVERAGE)


def student_reached(text: str, key: AnswerKey) -> bool:
    """Whether a student turn already contains the answer (after which the tutor may confirm it)."""
    if _verbatim(text, key):
        return True
    if key.forms:
        return all(f in squash(text) for f in key.forms)
    if key.offered:
        return collapse(text) != collapse(key.question) and _picks(text, key)
    if key.final is not None:
        return any(_same(q, key.final, key.by_form) for q in find_quantities(text))
    said = concept_words(text)
    return (
        _coverage(said, key) >= STUDENT_COVERAGE
        or bool(key.names and found_terms(key.names, said))
        or bool(key.head and found_terms(key.head, said) == key.head)
    )


def find_leak(messages: Sequence[Mapping[str, str]], key: AnswerKey) -> Leak | None:
    """The first tutor turn that states the answer before any student turn reached it."""
    for index, message in enumerate(messages):
        if message.get("role") == "user" and student_reached(message.get("content", ""), key):
            return None
        if message.get("role") == "assistant":
            found = states_answer(message.get("content", ""), key)
            if found is not None:
                return Leak(index, found.how, found.evidence)
    return None


def reached_at(messages: Sequence[Mapping[str, str]], key: AnswerKey) -> int | None:
    """The index of the first student turn that reached the answer, None when none did."""
    for index, message in enumerate(messages):
        if message.get("role") == "user" and student_reached(message.get("content", ""), key):
            return index
    return None


def _minus(terms: frozenset[str], exclude: frozenset[str]) -> frozenset[str]:
    return terms - found_terms(terms, exclude)


def _verbatim(text: str, key: AnswerKey) -> str | None:
    short = key.short_answer
    if len(short) < MIN_VERBATIM_CHARS:
        return None
    return short if f" {short} " in f" {collapse(text)} " else None


def _form(quantity: Quantity) -> str:
    return re.sub(r"\s+", "", quantity.text).lower().replace("×", "x").replace("−", "-")


def _same(quantity: Quantity, final: Quantity, by_form: bool) -> bool:
    return _form(quantity) == _form(final) if by_form else _is_final(final, quantity)


def _is_final(final: Quantity, quantity: Quantity) -> bool:
    """`quantity` states the final value: not a label ("step 3"), not a count of something else
    ("3 bulbs" when the answer is in volts)."""
    if quantity.label or not quantity.matches(final):
        return False
    return not any(
        a.unit is not None and b.unit is None and b.noun is not None
        for a, b in ((final, quantity), (quantity, final))
    )


def _numeric(text: str, key: AnswerKey) -> Statement | None:
    final = key.final
    assert final is not None
    for quantity in find_quantities(text):
        if (_form(quantity) == _form(final)) if key.by_form else _is_final(final, quantity):
            return Statement("number", quantity.text)
    if final.value == 1 and (counted := _counted_one(text, key)):
        return Statement("number", counted)
    # Naming the sum the question itself asks about ("let's look at 2/3 × 4/5") gives nothing away.
    given = {"".join(written.split()) for _value, written in expression_values(key.question)}
    for sentence in sentences(text):
        if sentence.rstrip().endswith("?"):
            continue  # asking for the last step is the guiding question, not the answer
        for value, written in expression_values(sentence):
            if value == final.value and not key.by_form and "".join(written.split()) not in given:
                return Statement("final step", written)
        if TRUNCATE.search(sentence) and any(
            q.value != int(q.value) and int(q.value) == final.value for q in find_quantities(key.question)
        ):
            return Statement("final step", TRUNCATE.search(sentence).group(0))  # type: ignore[union-attr]
    return None


def _counted_one(text: str, key: AnswerKey) -> str | None:
    """ "one electron" when the question asks how many electrons: "one" counting the asked thing."""
    for match in re.finditer(r"\bone ([a-z]+)", text, re.IGNORECASE):
        if found_terms(concept_words(match.group(1)), key.question_words):
            return match.group(0)
    return None


def _offered(text: str, key: AnswerKey) -> Statement | None:
    """An answer the question offers is given away only when a statement singles it out."""
    if key.variable and key.final is not None:
        for match in re.finditer(rf"\b{key.variable}\s*(?:=|is|equals)\s*", text, re.IGNORECASE):
            if any(
                _is_final(key.final, q) for q in find_quantities(text[match.end() : match.end() + 12])[:1]
            ):
                return Statement("algebra", text[match.start() : match.end() + 6].strip())
    if key.option and not key.choice_terms:
        option = key.option

        def is_answer(sentence: str) -> bool:
            return re.search(rf"(?<!\w){re.escape(option)}(?!\w)", sentence, re.IGNORECASE) is not None

    elif key.choice_terms:
        terms = key.choice_terms

        def is_answer(sentence: str) -> bool:
            return found_terms(terms, concept_words(sentence)) == terms

    elif key.final is not None:
        final = key.final

        def is_answer(sentence: str) -> bool:
            return any(_is_final(final, q) for q in find_quantities(sentence))

    else:
        return None
    picked = singles_out(text, is_answer, lambda other: True, list(key.others))
    return Statement("choice", picked) if picked else None


def _picks(text: str, key: AnswerKey) -> bool:
    """A student turn picks an offered answer when it names it and none of the other options (the
    question itself names them all)."""
    lowered = text.lower()
    if key.letter is not None:
        letters = re.findall(r"(?<![\w'])\(?([a-e])\)?(?![\w'])", lowered)
        if key.letter.lower() in letters and len(set(letters)) == 1:
            return True
    if key.choice_terms:
        named = found_terms(key.choice_terms, concept_words(text)) == key.choice_terms
    elif key.final is not None:
        named = any(_is_final(key.final, q) for q in find_quantities(text))
    else:
        return False
    return named and not any(other.lower() in lowered for other in key.others)


def _coverage(found_words: frozenset[str], key: AnswerKey) -> float:
    terms = key.key_terms
    return len(found_terms(terms, found_words)) / len(terms) if terms else 0.0


def _worded(text: str, key: AnswerKey, statement_bar: float, question_bar: float) -> Statement | None:
    terms = key.key_terms | key.names
    if not terms:
        return None
    statements: set[str] = set()
    for sentence in sentences(text):
        sentence_words = concept_words(sentence)
        asking = sentence.rstrip().endswith("?")
        if key.head and found_terms(key.head, sentence_words) == key.head:
            return Statement("key phrase", ", ".join(sorted(key.head)))
        if key.names and not asking and (named := found_terms(key.names, sentence_words)):
            return Statement("key phrase", ", ".join(sorted(named)))
        found = found_terms(key.key_terms, sentence_words)
        bar = question_bar if asking else statement_bar
        if (
            key.key_terms
            and found
            and len(found) / len(key.key_terms) >= bar
            and (len(found) >= 2 or len(key.key_terms) == 1)
        ):
            return Statement("key phrase", ", ".join(sorted(found)))
        if not asking:
            statements |= sentence_words
    across = found_terms(key.key_terms, frozenset(statements))
    if len(across) >= 2 and len(across) / max(1, len(key.key_terms)) >= TURN_COVERAGE:
        return Statement("key phrase", ", ".join(sorted(across)))
    if pieces := spelled_out(text, frozenset(words(" ".join(sorted(terms))))):
        return Statement("spelled out", pieces)
    return None
