"""The offline teacher's facts on realistic lessons of different styles (tests/core/generate/lessons/*.md):
every derived question is one a student could ask, its reference answer answers it, the facts of a chunk
ask different things, and a lesson of ordinary prose gives facts (not zero).

The lessons are cut into chunks the way Docling's chunker gives them: one chunk per section, headings
as the path, bold and heading marks dropped, list items as "- ", tables as "| a | b |" rows.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.evaluate.behaviour.normalise import content_words
from core.generate.facts import Fact, extract_facts

LESSONS = Path(__file__).parent / "lessons"
QUESTION_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how"}
AUXILIARIES = {"is", "are", "was", "were", "do", "does", "did", "can", "could", "should", "will", "would"}
COPULAS = {"is", "are", "was", "were"}
RELATIVES = {"that", "which", "who", "whom", "whose", "where", "when", "because", "if", "so"}
DANGLING = {
    "which", "that", "is", "are", "was", "were", "the", "a", "an", "of", "to", "and", "or", "by", "with",
    "for", "from", "in", "on", "at", "as", "who", "when", "whose", "its", "their", "this", "these",
}  # fmt: skip
STRANDED = {"consist of", "made of", "used for", "refer to"}  # a preposition English lets a question end on
IRREGULAR_PLURALS = {"data", "bacteria", "criteria", "mitochondria", "phenomena", "people", "children", "men"}
PRONOUN_STARTS = ("which ", "that ", "it ", "this ", "these ", "they ", "he ", "she ", "so ", "and ", "but ")
# How many facts each lesson gives at least: a lesson of prose must give facts, not zero.
MINIMUM_FACTS = {
    "linear_regression": 8,
    "cell_biology_glossary": 8,
    "percentages_worked": 5,
    "volcanoes_bullets": 5,
    "planets_table": 4,
    "short_magnets": 1,
    "industrial_revolution": 6,
}


@dataclass(frozen=True)
class LessonChunk:
    lesson: str
    heading_path: tuple[str, ...]
    text: str


def lesson_chunks(path: Path) -> list[LessonChunk]:
    """One chunk per section, as Docling's chunker cuts a Markdown lesson (formatting marks dropped)."""
    chunks: list[LessonChunk] = []
    headings: list[str] = []
    body: list[str] = []

    def close() -> None:
        text = "\n".join(body).strip()
        if text:
            chunks.append(LessonChunk(path.stem, tuple(headings), re.sub(r"\n{3,}", "\n\n", text)))
        body.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^(#+)\s+(.*)$", line)
        if heading:
            close()
            level = len(heading.group(1))
            headings[:] = [*headings[: level - 1], heading.group(2).strip()]
        else:
            body.append(line.replace("**", ""))
    close()
    return chunks


ALL_CHUNKS = [chunk for path in sorted(LESSONS.glob("*.md")) for chunk in lesson_chunks(path)]


def chunk_facts(chunk: LessonChunk) -> list[Fact]:
    return extract_facts(chunk.text, chunk.heading_path[-1] if chunk.heading_path else "")


def words(text: str) -> list[str]:
    return re.findall(r"[\w'’-]+", text.lower())


def asked_sentence(question: str) -> str:
    """The sentence that asks (a calculation question may first state the problem in sentences)."""
    return re.split(r"(?<=[.!?])\s+(?=[A-Z])", question.strip())[-1]


def question_problems(question: str) -> list[str]:
    """What is wrong with a question, in the rules a reader would state; empty when it is well formed."""
    problems = []
    asked = asked_sentence(question)
    tokens = words(asked)
    if not question.endswith("?") or question.count("?") != 1:
        problems.append("does not end with a single question mark")
    if not tokens or (tokens[0] not in QUESTION_WORDS and tokens[0] not in AUXILIARIES):
        problems.append("does not start with a question word or an auxiliary verb")
    if not asked[:1].isupper():
        problems.append("does not start with a capital letter")
    if tokens and tokens[-1] in DANGLING and " ".join(tokens[-2:]) not in STRANDED:
        problems.append(f"ends on a dangling '{tokens[-1]}'")
    for first, second in itertools.pairwise(tokens):
        if first == second and first not in {"that", "had"}:
            problems.append(f"repeats the word '{first}'")
    # Only one main verb "is/are": a second one must belong to a relative clause ("... that is ...").
    copulas = [i for i, token in enumerate(tokens) if token in COPULAS]
    if len(copulas) > 1 and not any(t in RELATIVES for t in tokens[copulas[0] + 1 : copulas[1]]):
        problems.append("has two main verbs ('is ... is')")
    # Quotation marks come in pairs (an apostrophe inside a word or after a plural's s is not one).
    quotes = re.findall(r"(?<!\w)['‘’]|(?<![\ws])['‘’](?!\w)", asked)
    if asked.count('"') % 2 or len(quotes) % 2:
        problems.append("has an unbalanced quote")
    are = re.fullmatch(r"what are (?:the |an? )?([\w -]+)\?", asked.lower())
    if are:
        head = are.group(1).split()[-1]
        if not head.endswith("s") and head not in IRREGULAR_PLURALS:
            problems.append(f"'are' with the singular '{head}'")
    if re.match(r"(?i)(?:when|where|why|how) did\b", asked) and re.search(
        r"\b(?:was|were|\w+ed) (?:the |an? )", asked
    ):
        problems.append("a past tense after 'did'")
    return problems


def answer_problems(fact: Fact) -> list[str]:
    problems = []
    answer = fact.answer.strip()
    flat = lambda text: " ".join(words(text))  # noqa: E731 (compare words, not punctuation)
    if not answer or not words(answer):
        problems.append("has an empty answer")
    elif not content_words(answer) <= content_words(fact.reference):
        problems.append("its answer says something its reference answer does not")
    if answer.lower().startswith(PRONOUN_STARTS):
        problems.append("its answer starts with a pronoun or a joining word")
    if words(answer) and words(answer)[-1] in DANGLING - {"that", "this", "these"}:
        problems.append("its answer ends on a dangling word")
    if flat(answer) and f" {flat(answer)} " in f" {flat(fact.question)} ":
        problems.append("its question gives away the answer")
    if not fact.reference[:1].isupper() or not fact.reference.endswith((".", "!")):
        problems.append("its reference is not a whole sentence")
    return problems


@pytest.mark.parametrize(
    "question",
    [
        "What is the slope of the line is b and a?",
        "What is a 'pipeline' is created which?",
        "What are inertia?",
        "The mass is what?",
        "When did James Watt improved the steam engine?",
    ],
)
def test_the_rules_catch_the_broken_questions_seen_on_real_lessons(question: str) -> None:
    assert question_problems(question)


@pytest.mark.parametrize(
    "question",
    [
        "What is the slope of the line?",
        "A 12 V battery is connected to a 4 ohm resistor. What is the current?",
        "What are mitochondria?",
        "When did James Hargreaves invent the spinning jenny?",
        "What is the name for the difference between an observed value and a predicted one?",
    ],
)
def test_the_rules_accept_questions_a_student_asks(question: str) -> None:
    assert question_problems(question) == []


@pytest.mark.parametrize("chunk", ALL_CHUNKS, ids=lambda c: f"{c.lesson}:{'/'.join(c.heading_path[-1:])}")
def test_every_question_is_well_formed_and_answered_by_its_reference(chunk: LessonChunk) -> None:
    for fact in chunk_facts(chunk):
        problems = question_problems(fact.question) + answer_problems(fact)
        assert problems == [], f"{fact.question!r} -> {fact.answer!r}: {problems}"


@pytest.mark.parametrize("chunk", ALL_CHUNKS, ids=lambda c: f"{c.lesson}:{'/'.join(c.heading_path[-1:])}")
def test_the_facts_of_a_chunk_ask_different_questions(chunk: LessonChunk) -> None:
    questions = [fact.question.lower() for fact in chunk_facts(chunk)]
    assert len(questions) == len(set(questions)), questions


@pytest.mark.parametrize("lesson", sorted(MINIMUM_FACTS))
def test_every_lesson_style_gives_facts(lesson: str) -> None:
    facts = [fact for chunk in ALL_CHUNKS if chunk.lesson == lesson for fact in chunk_facts(chunk)]
    assert len(facts) >= MINIMUM_FACTS[lesson], [f.question for f in facts]


def test_every_lesson_file_is_covered() -> None:
    assert {path.stem for path in LESSONS.glob("*.md")} == set(MINIMUM_FACTS)


@pytest.mark.parametrize(
    ("lesson", "question", "answer"),
    [
        ("linear_regression", "What is the residual?", "the difference between an observed value"),
        ("linear_regression", "What does the cost function measure?", "how well the line fits the data"),
        ("cell_biology_glossary", "What are ribosomes?", "tiny structures that make proteins"),
        ("cell_biology_glossary", "What is the nucleus?", "the organelle that contains the cell's genetic"),
        ("industrial_revolution", "When did James Watt improve the steam engine?", "1769"),
        ("industrial_revolution", "When did the Stockton and Darlington Railway open?", "1825"),
        ("volcanoes_bullets", "What is lava?", "magma that has reached the Earth's surface"),
        ("planets_table", "What does the Solar System consist of?", "the Sun and everything that orbits it"),
        ("percentages_worked", "What is the percentage increase?", "25%"),
    ],
)
def test_ordinary_statements_give_the_question_a_student_would_ask(
    lesson: str, question: str, answer: str
) -> None:
    facts = [fact for chunk in ALL_CHUNKS if chunk.lesson == lesson for fact in chunk_facts(chunk)]
    found = {fact.question.rsplit(". ", 1)[-1]: fact.answer for fact in facts}
    assert question in found, sorted(found)
    assert found[question].lower().startswith(answer.lower())
