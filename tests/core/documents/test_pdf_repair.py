"""The text-only PDF reader's one-item-per-line output is rebuilt into paragraphs, headings, lists
and tables, so chunks read like the page does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.documents.converter import convert_file
from core.documents.pdf_repair import Row, group_blocks, join_lines, repair_native_document
from tests.core.documents import builders

LONG_PARAGRAPHS = [
    "Plate tectonics explains why earthquakes and volcanoes cluster along the edges of the plates. " * 3,
    "Where two plates move apart, magma rises to fill the gap and new crust forms along the ridge. " * 3,
    "Where an ocean plate sinks under a continent, the melting plate feeds a chain of volcanoes. " * 3,
]


def _raw_native(path: Path) -> Any:
    """The native pipeline's document before repair."""
    from docling.datamodel.base_models import InputFormat
    from docling.datamodel.pipeline_options import NativePdfPipelineOptions
    from docling.document_converter import DocumentConverter, NativePdfFormatOption

    options = NativePdfFormatOption(pipeline_options=NativePdfPipelineOptions(generate_page_images=False))
    return DocumentConverter(format_options={InputFormat.PDF: options}).convert(path).document


def _paragraphs(document: Any) -> list[str]:
    return [item.text for item in document.texts if item.label == "paragraph"]


def test_lines_are_joined_back_into_their_paragraphs(tmp_path: Path) -> None:
    path = builders.make_pdf(tmp_path / "plates.pdf", LONG_PARAGRAPHS)
    raw = _raw_native(path)
    assert len(raw.texts) > len(LONG_PARAGRAPHS) + 3  # one item per printed line
    repaired = repair_native_document(raw)
    assert _paragraphs(repaired) == [" ".join(p.split()) for p in LONG_PARAGRAPHS]


def test_the_larger_title_becomes_a_heading_over_the_paragraphs(tmp_path: Path) -> None:
    path = builders.make_pdf(tmp_path / "plates.pdf", LONG_PARAGRAPHS, title="Plate tectonics")
    repaired = repair_native_document(_raw_native(path))
    headings = [item.text for item in repaired.texts if item.label == "section_header"]
    assert headings == ["Plate tectonics"]
    assert repaired.export_to_markdown().startswith("## Plate tectonics\n\n")


def test_page_numbers_are_dropped_and_pages_kept(tmp_path: Path) -> None:
    path = builders.make_pdf(tmp_path / "numbered.pdf", LONG_PARAGRAPHS[:1], pages=3, page_numbers=True)
    repaired = repair_native_document(_raw_native(path))
    texts = [item.text.strip() for item in repaired.texts]
    assert not any(text in {"1", "2", "3"} for text in texts)
    assert repaired.num_pages() == 3


def test_the_converter_returns_the_repaired_document(tmp_path: Path) -> None:
    path = builders.make_pdf(tmp_path / "plates.pdf", LONG_PARAGRAPHS)
    conversion = convert_file(path, "pdf", "plates.pdf")
    assert _paragraphs(conversion.document) == [" ".join(p.split()) for p in LONG_PARAGRAPHS]


def test_a_demo_pdf_table_comes_back_as_a_table() -> None:
    demo = Path(__file__).resolve().parents[3] / "assets" / "demo_course" / "ohms_law.pdf"
    markdown = convert_file(demo, "pdf", "ohms_law.pdf").document.export_to_markdown(compact_tables=True)
    assert "| Voltage (V) | Current (A) | Resistance (ohms) |" in markdown
    assert "| 12 | 3.0 | 4 |" in markdown
    assert "### Series circuits" in markdown
    assert "1. What current flows through a 10 ohm resistor with 5 V across it?" in markdown


def _row(top: float, text: str, *, page: int = 1, height: float = 10.0, right: float = 500.0) -> Row:
    return Row(page=page, cells=[text], left=50.0, top=top, right=right, bottom=top + height)


def test_a_wider_gap_starts_a_new_paragraph() -> None:
    rows = [_row(100, "First line of one"), _row(114, "paragraph goes on."), _row(140, "A second paragraph.")]
    blocks = group_blocks(rows)
    assert [len(b.rows) for b in blocks] == [2, 1]


def test_a_short_line_ending_a_sentence_ends_the_paragraph_without_a_gap() -> None:
    rows = [_row(100, "A full line that runs"), _row(114, "to its end.", right=150), _row(128, "Next one.")]
    assert [len(b.rows) for b in group_blocks(rows)] == [2, 1]


def test_a_sentence_continues_over_a_page_break() -> None:
    rows = [
        _row(700, "This sentence runs to the"),
        _row(714, "bottom of the page and"),
        _row(60, "ends here.", page=2),
    ]
    blocks = group_blocks(rows)
    assert len(blocks) == 1 and join_lines([r.text for r in blocks[0].rows]).endswith("and ends here.")


def test_list_items_and_cells_on_one_line_are_told_apart() -> None:
    cells = Row(page=1, cells=["Voltage", "Current"], left=50, top=160, right=300, bottom=170)
    rows = [_row(100, "• one item"), _row(114, "2. another item"), cells, _row(174, "")]
    kinds = [block.kind for block in group_blocks(rows[:3])]
    assert kinds == ["item", "item", "table"]


def test_hyphenated_words_are_joined_at_line_ends() -> None:
    assert (
        join_lines(["The photo-", "synthesis rate rises with", "light."])
        == "The photosynthesis rate rises with light."
    )
    assert join_lines(["A well-", "Known name"]) == "A well- Known name"
