"""Rebuild paragraphs, headings, lists and simple tables from the native PDF pipeline's output.

Docling's model-free PDF pipeline emits one text item per printed line, with its position on the
page but no structure. Chunks cut from that read badly (a sentence split over three "paragraphs"),
so the lines are regrouped from their geometry:

- lines closer together than the usual line gap continue a paragraph; a wider gap, a short line
  ending a sentence, or a different kind of line starts a new block (hyphenated words are joined);
- lines printed taller than the body text are headings, the tallest size being level 1;
- lines starting with a bullet or "1." are list items; following lines continue them;
- rows of two or more separate cells on the same baseline, one after another, form a table;
- a lone page number at the top or bottom of a page is dropped.

    repaired = repair_native_document(result.document)     # a new DoclingDocument
"""

from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass, field
from typing import Any

HEADING_HEIGHT_RATIO = 1.15
MAX_HEADING_CHARS = 150
SHORT_LINE_RATIO = 0.8
SAME_SIZE_TOLERANCE = 0.05
LIST_MARKER = re.compile(r"^\s*(?:[-•▪◦*–]|\d{1,3}[.)]|[a-zA-Z][.)])\s+")
PAGE_NUMBER = re.compile(r"^\s*(?:page\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?\s*$", re.IGNORECASE)
SENTENCE_END = (".", "!", "?", ":", ";")


@dataclass
class Row:
    """One printed line: its cells (left to right) and its box in top-left page coordinates."""

    page: int
    cells: list[str]
    left: float
    top: float
    right: float
    bottom: float

    @property
    def text(self) -> str:
        return " ".join(self.cells)

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass
class Block:
    kind: str  # heading | paragraph | item | table
    rows: list[Row] = field(default_factory=list)


def repair_native_document(document: Any) -> Any:
    """A new DoclingDocument with paragraphs, headings, lists and tables rebuilt from line items."""
    rows = _rows(document)
    blocks = group_blocks(rows)
    return _build_document(document, blocks)


def _rows(document: Any) -> list[Row]:
    """Line items in reading order, cells on the same baseline merged into one row."""
    rows: list[Row] = []
    for item in document.texts:
        text = (item.text or "").strip()
        if not text or not item.prov:
            continue
        prov = item.prov[0]
        page = document.pages.get(prov.page_no)
        box = prov.bbox.to_top_left_origin(page.size.height) if page is not None else prov.bbox
        last = rows[-1] if rows else None
        if last and last.page == prov.page_no and _same_line(last, box.t, box.b) and box.l >= last.right - 1:
            last.cells.append(text)
            last.right, last.bottom = box.r, max(last.bottom, box.b)
            continue
        rows.append(Row(prov.page_no, [text], box.l, box.t, box.r, box.b))
    return _drop_page_numbers(rows)


def _same_line(row: Row, top: float, bottom: float) -> bool:
    overlap = min(row.bottom, bottom) - max(row.top, top)
    return overlap > 0.5 * min(row.height, bottom - top)


def _drop_page_numbers(rows: list[Row]) -> list[Row]:
    edge = set()
    for index, row in enumerate(rows):
        first = index == 0 or rows[index - 1].page != row.page
        last = index == len(rows) - 1 or rows[index + 1].page != row.page
        if (first or last) and len(row.cells) == 1 and PAGE_NUMBER.match(row.text):
            edge.add(index)
    return [row for index, row in enumerate(rows) if index not in edge]


@dataclass(frozen=True)
class Layout:
    """Typical measures of the body text, from which headings and paragraph breaks are told apart."""

    body_height: float
    line_gap: float
    right_edge: dict[int, float]

    @classmethod
    def measure(cls, rows: list[Row]) -> Layout:
        heights = [row.height for row in rows if row.height > 0] or [10.0]
        body = statistics.median(heights)
        gaps = [
            b.top - a.bottom
            for a, b in itertools.pairwise(rows)
            if a.page == b.page and abs(a.height - body) < 0.1 * body and abs(b.height - body) < 0.1 * body
        ]
        positive = [gap for gap in gaps if gap >= 0]
        right: dict[int, float] = {}
        for row in rows:
            right[row.page] = max(right.get(row.page, 0.0), row.right)
        return cls(body, statistics.median(positive) if positive else 0.3 * body, right)

    def kind_of(self, row: Row) -> str:
        if len(row.cells) >= 2:
            return "table"
        if row.height >= HEADING_HEIGHT_RATIO * self.body_height and len(row.text) <= MAX_HEADING_CHARS:
            return "heading"
        return "item" if LIST_MARKER.match(row.text) else "line"

    def breaks_between(self, previous: Row, row: Row) -> bool:
        """True when `row` starts a new paragraph after `previous` (both body lines)."""
        if previous.page != row.page:
            return previous.text.rstrip().endswith(SENTENCE_END)
        if row.top - previous.bottom > self.line_gap + 0.5 * self.body_height:
            return True
        short = previous.right < previous.left + SHORT_LINE_RATIO * (
            self.right_edge[row.page] - previous.left
        )
        return short and previous.text.rstrip().endswith(SENTENCE_END)


def group_blocks(rows: list[Row]) -> list[Block]:
    """Rows grouped into headings, paragraphs, list items and tables, in reading order."""
    layout = Layout.measure(rows)
    blocks: list[Block] = []
    for row in rows:
        kind = layout.kind_of(row)
        current = blocks[-1] if blocks else None
        if current is not None and _continues(layout, current, kind, row):
            current.rows.append(row)
        else:
            blocks.append(Block("paragraph" if kind == "line" else kind, [row]))
    return blocks


def _continues(layout: Layout, block: Block, kind: str, row: Row) -> bool:
    previous = block.rows[-1]
    if block.kind == "table":
        return kind == "table" and previous.page == row.page
    if block.kind == "heading":
        close = row.page == previous.page and row.top - previous.bottom < layout.body_height
        return kind == "heading" and close and abs(row.height - previous.height) < 1.0
    if kind != "line":
        return False
    return not layout.breaks_between(previous, row)


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph as running text; a word hyphenated at a line end is joined again."""
    text = ""
    for line in lines:
        line = line.strip()
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line[:1].islower():
            text = text[:-1] + line
        else:
            text = f"{text} {line}" if text else line
    return text


def _build_document(original: Any, blocks: list[Block]) -> Any:
    from docling_core.types.doc import DocItemLabel, DoclingDocument

    document = DoclingDocument(name=original.name, origin=original.origin)
    document.pages = dict(original.pages)
    levels = _heading_levels(blocks)
    list_group = None
    for block in blocks:
        prov = _provenance(original, block)
        text = join_lines([row.text for row in block.rows])
        if block.kind == "item":
            list_group = list_group or document.add_list_group()
            marker = LIST_MARKER.match(text)
            document.add_list_item(
                text[marker.end() :] if marker else text,
                enumerated=bool(marker and marker.group(0).strip()[0].isdigit()),
                marker=marker.group(0).strip() if marker else None,
                prov=prov,
                parent=list_group,
            )
            continue
        list_group = None
        if block.kind == "heading":
            document.add_heading(text, level=_level(levels, block.rows[0].height), prov=prov)
        elif block.kind == "table":
            document.add_table(data=_table_data(block), prov=prov)
        else:
            document.add_text(label=DocItemLabel.PARAGRAPH, text=text, prov=prov)
    return document


def _heading_levels(blocks: list[Block]) -> list[float]:
    """The distinct heading sizes, tallest first; sizes within a few percent count as one."""
    sizes: list[float] = []
    for height in sorted((b.rows[0].height for b in blocks if b.kind == "heading"), reverse=True):
        if not sizes or height < sizes[-1] * (1 - SAME_SIZE_TOLERANCE):
            sizes.append(height)
    return sizes


def _level(sizes: list[float], height: float) -> int:
    """1 for the tallest heading size, 2 for the next, ... (at most 6)."""
    index = next(
        (i for i, size in enumerate(sizes) if height >= size * (1 - SAME_SIZE_TOLERANCE)), len(sizes) - 1
    )
    return min(index + 1, 6)


def _provenance(original: Any, block: Block) -> Any:
    from docling_core.types.doc import BoundingBox, CoordOrigin, ProvenanceItem

    first = block.rows[0]
    rows = [row for row in block.rows if row.page == first.page]
    box = BoundingBox(
        l=min(r.left for r in rows),
        t=min(r.top for r in rows),
        r=max(r.right for r in rows),
        b=max(r.bottom for r in rows),
        coord_origin=CoordOrigin.TOPLEFT,
    )
    page = original.pages.get(first.page)
    if page is not None:
        box = box.to_bottom_left_origin(page.size.height)
    length = sum(len(row.text) for row in block.rows)
    return ProvenanceItem(page_no=first.page, bbox=box, charspan=(0, length))


def _table_data(block: Block) -> Any:
    from docling_core.types.doc import TableCell, TableData

    width = max(len(row.cells) for row in block.rows)
    cells = [
        TableCell(
            text=text,
            start_row_offset_idx=r,
            end_row_offset_idx=r + 1,
            start_col_offset_idx=c,
            end_col_offset_idx=c + 1,
            column_header=r == 0,
        )
        for r, row in enumerate(block.rows)
        for c, text in enumerate(row.cells)
    ]
    return TableData(num_rows=len(block.rows), num_cols=width, table_cells=cells)
