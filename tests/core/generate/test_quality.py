"""The substance of generated training data: the template teacher's conversations are about the problem,
varied, grounded and fair, and a generic phrase bank is caught with warnings a teacher can act on."""

from __future__ import annotations

from core.generate.intents import INTENTS
from core.generate.quality import measure_substance
from core.generate.teachers import NoFactError, SourceChunk
from core.generate.template import TemplateTeacher
from core.policy import default_policy
from tests.core.generate.conftest import CHUNKS

COURSE = "\n\n".join(f"# {' / '.join(heading)}\n{text}" for heading, text in CHUNKS.values())


def template_conversations(per_intent: int = 4) -> list[list[dict[str, str]]]:
    teacher, found = TemplateTeacher(), []
    for name, (heading, text) in CHUNKS.items():
        chunk = SourceChunk(f"chk_{name}", "doc_1", "lesson.md", tuple(heading), text)
        for slot in range(2):
            try:
                derivation = teacher.derive(chunk, slot, 0)
            except NoFactError:
                break
            for intent in INTENTS:
                for seed in range(per_intent):
                    found.append(teacher.write(chunk, derivation, intent, default_policy(), seed * 31 + slot))
    return found


def test_the_template_teachers_data_is_specific_varied_grounded_and_fair() -> None:
    conversations = template_conversations()
    figures = measure_substance(conversations, COURSE)
    assert figures.conversations >= 100
    assert figures.specific >= 0.85, figures
    assert figures.top_opening <= 0.10, figures
    assert figures.ungrounded == 0 and figures.unfair_praise == 0, figures
    assert figures.warnings == []


def test_a_generic_phrase_bank_is_flagged_before_training() -> None:
    bank = [
        [
            {"role": "user", "content": f"Solve {n + 2}x + 5 = 20. Just tell me."},
            {"role": "assistant", "content": "Good effort, you've made a start. What information does the question give you to start from?"},
            {"role": "user", "content": "I don't know, just tell me."},
            {"role": "assistant", "content": "Nice thinking. What does the section on Fractions say about it?"},
        ]
        for n in range(20)
    ]  # fmt: skip
    figures = measure_substance(bank, COURSE)
    assert figures.specific == 0 and figures.top_opening == 1.0
    assert figures.unfair_praise == 40 and figures.ungrounded == 20
    assert len(figures.warnings) == 4
