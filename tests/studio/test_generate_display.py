"""The Generate tab's formatting: source and chunk choices, the plan line, the live progress and its counters,
the substance figures, the reasons chart, the left-out conversations and the run list."""

from __future__ import annotations

from core.documents.records import Chunk
from core.generate.quality import SubstanceFigures
from core.generate.records import GenerationItem, GenerationRun
from core.generate.status import GenerateOverview, RunStatus, Selection, SourceDocument
from studio.tabs.generate import display as show

RUN = GenerationRun(
    id="gen_0123456789", config={"per_chunk": 2}, policy="", teacher="template", total=10, job_id=None,
    created_at=0.0, updated_at=0.0,
)  # fmt: skip
MESSAGES = [
    {"role": "system", "content": "be Socratic"},
    {"role": "user", "content": "What is <I>?"},
    {"role": "assistant", "content": "What do you know about V?"},
]


def status(**changes: object) -> RunStatus:
    values: dict[str, object] = dict(
        run=RUN, counts={"pending": 3, "kept": 4, "filtered": 2, "failed": 1}, reasons={"no_fact": 2, "teacher_error": 1},
        job=None, queue_position=None, rate_per_min=None, eta_s=None, latest_kept=[], latest_filtered=[],
    )  # fmt: skip
    return RunStatus(**{**values, **changes})  # type: ignore[arg-type]


def item(state: str = "filtered", reason: str = "answer_leak", payload: dict | None = None) -> GenerationItem:
    return GenerationItem(
        run_id=RUN.id, position=0, chunk_id="chk_1", slot=0, intent="confused", state=state, reason=reason,  # type: ignore[arg-type]
        detail="said the answer", example_id=None, job_id=None, attempts=1, seconds=0.1, payload=payload, updated_at=0.0,
    )  # fmt: skip


def test_document_choices_count_the_chunks_in_use() -> None:
    documents = [SourceDocument("doc_1", "ohm.md", 1), SourceDocument("doc_2", "fractions.md", 7)]
    assert show.document_choices(documents) == [
        ("ohm.md (1 chunk)", "doc_1"),
        ("fractions.md (7 chunks)", "doc_2"),
    ]


def test_chunk_choices_name_the_document_and_section_and_shorten_the_text() -> None:
    chunk = Chunk(
        id="chk_1", document_id="doc_1", position=0.0, heading_path=["Ohm", "Current"], text="word " * 40,
        token_count=40, excluded=False, derived_from=[], retired_at=None, created_at=0.0,
    )  # fmt: skip
    [(label, value)] = show.chunk_choices([chunk], {"doc_1": "ohm.md"})
    assert value == "chk_1"
    assert label.startswith("ohm.md › Current · word word") and label.endswith("…")


def test_the_plan_line_says_how_many_conversations_or_why_none() -> None:
    assert show.plan_markdown(Selection([], {}, 3, 24)).startswith(
        "**24 conversations** will be written: 3 chunks"
    )
    assert show.plan_markdown(Selection([], {}, 0, 0, "Pick a document")) == "⚠️ Pick a document"


def test_progress_shows_the_counters_and_the_resume_hint() -> None:
    page = show.progress_html(status())
    assert "Not started" in page and 'value="0.700"' in page
    assert 'class="generate-count-done">7 / 10<' in page
    assert 'class="generate-count-kept">4<' in page and 'class="generate-count-failed">1<' in page
    assert show.progress_html(None) == f'<p class="ts-empty">{show.NO_RUN}</p>'


def test_progress_escapes_the_explanation_of_a_run_that_kept_nothing() -> None:
    page = show.progress_html(status(explanation="Every chunk <lacked> a fact."))
    assert 'id="generate-explanation">Every chunk &lt;lacked&gt; a fact.<' in page


def test_substance_figures_show_as_percentages_with_their_warnings() -> None:
    figures = SubstanceFigures(
        conversations=12, tutor_turns=30, specific=0.5, top_opening=0.25, ungrounded=2, unfair_praise=0
    )
    page = show.substance_html(figures)
    assert 'class="generate-substance-specific">50% of tutor turns<' in page
    assert page.count('class="ts-warning"') == len(figures.warnings) == 3
    assert show.substance_html(None) == ""


def test_the_reasons_chart_uses_short_labels() -> None:
    frame = show.reasons_frame(status())
    assert frame.to_dict("records") == [
        {"reason": "No fact in chunk", "conversations": 2},
        {"reason": "Teacher error", "conversations": 1},
    ]
    assert show.reasons_frame(None).empty


def test_left_out_conversations_show_the_reason_and_only_student_and_tutor_turns() -> None:
    page = show.filtered_html([item(payload={"messages": MESSAGES})])
    assert "Student:</b> What is &lt;I&gt;?" in page and "Tutor:</b> What do you know about V?" in page
    assert "be Socratic" not in page
    assert "said the answer" in page
    assert "Nothing filtered out yet" in show.filtered_html([])
    assert "Student:" not in show.filtered_html([item(state="failed", reason="teacher_error")])


def test_the_sources_signature_changes_with_chunks_and_runs() -> None:
    one = GenerateOverview([SourceDocument("doc_1", "ohm.md", 2)], [], None)
    more = GenerateOverview([SourceDocument("doc_1", "ohm.md", 3)], [], None)
    with_run = GenerateOverview([SourceDocument("doc_1", "ohm.md", 2)], [RUN], None)
    assert len({show.sources_signature(o) for o in (one, more, with_run)}) == 3


def test_run_choices_name_the_size_teacher_and_id() -> None:
    [(label, value)] = show.run_choices([RUN])
    assert value == RUN.id and label.endswith("· 10 conversations · template · gen_0123456789")
