"""Substance of a tutor reply: is it about the student's problem, varied, grounded, and fair in its praise?

    is_specific("Which denominator could 1/2 and 1/3 share?", "What is 1/2 + 1/3?")      -> True
    is_specific("What information does the question give you?", "What is 1/2 + 1/3?")    -> False
    unfair_praise("Good effort! What is the first step?", "Just tell me what 2 + 2 is")   -> True
    ungrounded_references("Look at the section on Vectors.", course_markdown)              -> ["the section on Vectors"]
    opening_share(replies)   -> 0.54   (share of replies that open with the most common sentence)

Question and leak rates alone can be gamed by a phrase bank ("Good effort! What information does the
question give you?" asks a question and leaks nothing). These four measures catch form without
substance, and the same functions score the generated training data, the Evaluate report and the
tutor benchmark, so what a teacher sees before training is what the benchmark measures after it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from core.evaluate.behaviour.encouragement import praise
from core.evaluate.behaviour.normalise import STOPWORDS, collapse, sentences, stem, words
from core.evaluate.behaviour.questions import guiding_questions

# Words every tutoring exchange uses whatever the subject: sharing one of them is not being specific.
CHAT_WORDS = frozenset(
    """
    question questions answer answers help tell give just please know think thought get stuck understand
    explain work working problem problems homework teacher test exam quiz rule rules ignore instruction
    instructions tutor hint hints step steps mean means want need try tried trying lesson lessons class
    right wrong sure idea ideas start first next thing something anything everything anyone sorry thank
    thanks hard easy okay fine good great sense time minute today tonight tomorrow friend friends look
    say says said write remember find found learn learning ask asked asking reply pretend forget
    """.split()  # noqa: SIM905
)
NUMBER = re.compile(r"\d+(?:[.,]\d+)?(?:/\d+)?")
VARIABLE_TERM = re.compile(r"\b\d*[a-z]\^?\d*\b")  # 3x, x^2, y: algebra written inside the question
# Praise of effort or progress ("thanks for showing your working" too); "good question" and "thanks for
# asking" praise asking, which is fair.
EFFORT = re.compile(
    r"effort|attempt|try|tried|start|thinking|reasoning|progress|work|track|done|job|close|getting|"
    r"right|correct|exactly|spot on|perfect|got it|found|caught|step|instinct|move|guess|did it|showing|"
    r"explaining",
    re.IGNORECASE,
)
# What a student writes when they have tried something: a claim, a result, or time spent on it.
ATTEMPT = re.compile(
    r"\b(?:i (?:got|get|think|thought|believe|guess|reckon|said|put|wrote|tried|did|worked|calculated|"
    r"figured|know that|assumed|used|added|multiplied|divided|subtracted)|i'?ve (?:tried|been|done|got|worked)|"
    r"is it|isn'?t it|my (?:answer|result|guess|working)|so (?:it'?s|it is|that'?s)|shouldn'?t it|"
    r"doesn'?t it|aren'?t they|because|for (?:ages|hours|an hour)|stuck on|keep getting|came out|"
    r"comes out|equals?|=|maybe|perhaps|do i|so i|something (?:about|to do with)|has to do with|i'?d use|"
    r"i need|right\?|correct\?|yes\?|pretty sure|i'?m sure|must be|i always thought)",
    re.IGNORECASE,
)
PLACES = r"section|part|chapter|unit|lesson|module|page|example|figure|table|slide|exercise|paragraph"
# "the section on vectors", "this part about forces" (not "an everyday example of" or "part of learning").
NAMED_REFERENCE = re.compile(
    rf"\b(?:the|this|that|our|your) (?P<kind>{PLACES}) (?:on|about|of|called|titled|named) "
    r"(?P<name>[^.,;:!?()]{2,60})",
    re.IGNORECASE,
)
NUMBERED_REFERENCE = re.compile(rf"\b(?P<kind>{PLACES}) (?P<number>\d+(?:\.\d+)*)\b", re.IGNORECASE)
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<title>.+?)\s*#*\s*$", re.MULTILINE)


def key_terms(text: str) -> frozenset[str]:
    """What a message is about: subject words (stems, no chat words) and the numbers and symbols it uses."""
    terms = {
        _fold(word)
        for word in words(text)
        if len(word) > 2
        and word not in STOPWORDS
        and stem(word) not in CHAT_WORDS
        and word not in CHAT_WORDS
        and not any(ch.isdigit() for ch in word)
    }
    terms |= {number.replace(",", ".") for number in NUMBER.findall(text)}
    terms |= {match for match in VARIABLE_TERM.findall(text.lower()) if any(ch.isdigit() for ch in match)}
    return frozenset(terms)


def _fold(word: str) -> str:
    """The light plural fold of core/evaluate/behaviour/normalise.py plus "-ves" plurals ("leaves" -> "leaf")."""
    if len(word) > 4 and word.endswith("ves") and word not in {"moves", "curves", "solves", "gives"}:
        return word[:-3] + "f"
    return stem(word)


def specific_questions(reply: str, student_message: str) -> list[str]:
    """The reply's guiding questions that share a key term or quantity with the student's message."""
    wanted = key_terms(student_message)
    return [question for question in guiding_questions(reply) if key_terms(question) & wanted]


def is_specific(reply: str, student_message: str) -> bool:
    """True when the reply asks a guiding question about the student's own problem (a shared term or number)."""
    return bool(specific_questions(reply, student_message))


def student_attempted(message: str) -> bool:
    """True when the student has tried something: a claim, a result, working, or time spent on it."""
    return bool(ATTEMPT.search(message))


def effort_praise(reply: str) -> list[str]:
    """Praise of effort, progress or correctness in the reply (not "good question", which praises asking)."""
    return [phrase for phrase in praise(reply) if EFFORT.search(phrase)]


def unfair_praise(reply: str, student_message: str) -> bool:
    """True when the reply praises effort or progress that the student has not made yet."""
    return bool(effort_praise(reply)) and not student_attempted(student_message)


def opening_sentence(reply: str) -> str:
    """The reply's first sentence, normalised so that case and punctuation do not make it "different"."""
    found = sentences(reply)
    return collapse(found[0]) if found else ""


def opening_share(replies: Sequence[str]) -> float:
    """Share of replies that open with the single most common first sentence (0 for no replies)."""
    openings = [opening_sentence(reply) for reply in replies if reply.strip()]
    if not openings:
        return 0.0
    return Counter(openings).most_common(1)[0][1] / len(openings)


def distinct_share(replies: Sequence[str]) -> float:
    """Share of distinct replies (after normalising case and punctuation); 1.0 means no two are alike."""
    kept = [collapse(reply) for reply in replies if reply.strip()]
    return len(set(kept)) / len(kept) if kept else 0.0


@dataclass(frozen=True)
class CourseOutline:
    """The sections a reply may point to: heading titles with the key terms of the text under them."""

    sections: tuple[tuple[str, frozenset[str]], ...]

    @classmethod
    def from_markdown(cls, text: str) -> CourseOutline:
        parts: list[tuple[str, frozenset[str]]] = []
        matches = list(HEADING.finditer(text))
        for index, match in enumerate(matches):
            end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
            body = text[match.end() : end]
            parts.append((match.group("title"), key_terms(match.group("title") + "\n" + body)))
        return cls(tuple(parts))

    def find(self, name: str) -> tuple[str, frozenset[str]] | None:
        """The section a reference names ("the part on equivalent fractions"), matched on its title's words."""
        wanted = key_terms(name)
        best: tuple[str, frozenset[str]] | None = None
        best_overlap = 0.0
        for title, terms in self.sections:
            title_terms = key_terms(title)
            if not wanted or not title_terms:
                continue
            overlap = len(wanted & title_terms) / len(wanted)
            if overlap > best_overlap:
                best, best_overlap = (title, terms), overlap
        return best if best_overlap >= 0.5 else None


def references(reply: str) -> list[str]:
    """Places the reply sends the student to: "the section on X", "page 12", "Example 3", "Figure 2"."""
    found = [*NAMED_REFERENCE.finditer(reply), *NUMBERED_REFERENCE.finditer(reply)]
    return [match.group(0).strip() for match in sorted(found, key=lambda m: m.start())]


def ungrounded_references(reply: str, course_text: str, student_message: str = "") -> list[str]:
    """References to a section, page or example the course does not contain, or to an unrelated one.

    A named section must match a heading of `course_text` (markdown); when the student's message has
    subject words, that section must also share one of them. A numbered page, example or figure must be written
    the same way somewhere in the course."""
    outline = CourseOutline.from_markdown(course_text)
    wanted = _worded(key_terms(student_message))
    lowered = course_text.lower()
    bad = []
    for match in NUMBERED_REFERENCE.finditer(reply):
        if f"{match.group('kind')} {match.group('number')}".lower() not in lowered:
            bad.append(match.group(0).strip())
    for match in NAMED_REFERENCE.finditer(reply):
        section = outline.find(match.group("name"))
        if section is None or (wanted and not _worded(section[1]) & wanted):
            bad.append(match.group(0).strip())
    return bad


def _worded(terms: frozenset[str]) -> frozenset[str]:
    """The words among key terms. Relatedness is judged on words only: numbers appear in almost every
    section, and a message of numbers alone ("1/2 + 1/3") cannot say which section it belongs to."""
    return frozenset(term for term in terms if term[:1].isalpha())
