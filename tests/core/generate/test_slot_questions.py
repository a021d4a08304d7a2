"""One chunk, several conversations: each slot gets its own question where the chunk has one, and a
(question, intent) pair is never taught twice; a resumed item picks the same fact."""

from __future__ import annotations

import pytest

from core.generate.teachers import RepeatedQuestion, SourceChunk
from core.generate.template import TemplateTeacher
from tests.core.generate.conftest import CHUNKS


def chunk(intents: tuple[str, ...]) -> SourceChunk:
    heading, text = CHUNKS["fractions"]
    return SourceChunk("chk_fractions", "doc_1", "lesson.md", tuple(heading), text, slot_intents=intents)


def test_slots_take_fresh_questions_before_repeating_one() -> None:
    teacher = TemplateTeacher()
    source = chunk(("confused", "confused", "frustrated"))
    questions = [teacher.derive(source, slot, 0).question for slot in range(2)]
    assert len(set(questions)) == 2
    assert teacher.derive(source, 1, 0).question == questions[1]  # the same item resumed: the same fact


def test_a_question_is_not_asked_twice_of_the_same_kind_of_student() -> None:
    teacher = TemplateTeacher()
    facts = 2  # the fractions chunk gives two questions
    intents = ("confused",) * (facts + 1)
    source = chunk(intents)
    for slot in range(facts):
        teacher.derive(source, slot, 0)
    with pytest.raises(RepeatedQuestion):
        teacher.derive(source, facts, 0)
    # ... while a student with another intent may ask it again.
    other = chunk(("confused", "confused", "frustrated"))
    assert teacher.derive(other, 2, 0).question
