"""Build small course documents of every supported format (and broken ones) for the documents tests.

Each builder writes a file that carries the given facts as text, so a test can check that the
facts come out of conversion and chunking intact.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

LESSON_TITLE = "Volcanoes"
FACTS = [
    "Magma that reaches the surface is called lava and can be hotter than 1100 degrees Celsius.",
    "Mount Tambora erupted in 1815 and caused the year without a summer in 1816.",
    "A shield volcano has gentle slopes built from runny basalt lava flows.",
]
SECTION = "Types of volcano"


def make_markdown(path: Path, facts: list[str] = FACTS) -> Path:
    body = f"# {LESSON_TITLE}\n\n{facts[0]}\n\n## {SECTION}\n\n" + "\n\n".join(facts[1:]) + "\n"
    path.write_text(body, encoding="utf-8")
    return path


def make_text(path: Path, facts: list[str] = FACTS) -> Path:
    path.write_text(f"{LESSON_TITLE}\n\n" + "\n\n".join(facts) + "\n", encoding="utf-8")
    return path


def make_html(path: Path, facts: list[str] = FACTS, extra_body: str = "", head: str = "") -> Path:
    paragraphs = "".join(f"<p>{fact}</p>" for fact in facts[1:])
    path.write_text(
        f"<html><head><title>{LESSON_TITLE}</title>{head}</head><body><h1>{LESSON_TITLE}</h1><p>{facts[0]}</p>"
        f"<h2>{SECTION}</h2>{paragraphs}{extra_body}</body></html>",
        encoding="utf-8",
    )
    return path


def make_docx(path: Path, facts: list[str] = FACTS) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(LESSON_TITLE, level=1)
    document.add_paragraph(facts[0])
    document.add_heading(SECTION, level=2)
    for fact in facts[1:]:
        document.add_paragraph(fact)
    document.save(str(path))
    return path


def make_pptx(path: Path, facts: list[str] = FACTS) -> Path:
    from pptx import Presentation

    presentation = Presentation()
    for number, fact in enumerate(facts):
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = LESSON_TITLE if number == 0 else f"{SECTION} {number}"
        slide.placeholders[1].text_frame.text = fact
    presentation.save(str(path))
    return path


def make_xlsx(path: Path, facts: list[str] = FACTS) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = LESSON_TITLE
    sheet.append(["Number", "Fact"])
    for number, fact in enumerate(facts, start=1):
        sheet.append([number, fact])
    workbook.save(str(path))
    return path


def make_pdf(
    path: Path,
    paragraphs: list[str] = FACTS,
    *,
    title: str = LESSON_TITLE,
    pages: int = 1,
    page_numbers: bool = False,
    user_password: str | None = None,
) -> Path:
    """A text PDF: a large title, then the paragraphs (repeated on each page), optional page numbers."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    if page_numbers:
        pdf.set_auto_page_break(True, margin=25)
    for page in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 20)
        pdf.multi_cell(
            0, 10, title if page == 0 else f"{title} (part {page + 1})", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.ln(2)
        pdf.set_font("Helvetica", size=11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        if page_numbers:
            pdf.set_auto_page_break(False)
            pdf.set_y(-15)
            pdf.cell(0, 10, str(page + 1), align="C")
            pdf.set_auto_page_break(True, margin=25)
    if user_password:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    pdf.output(str(path))
    return path


def make_zip(path: Path, members: dict[str, bytes], *, compress: bool = True) -> Path:
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", mode) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def make_ole(path: Path, *, encrypted: bool) -> Path:
    """An OLE compound file header (old .doc, or a password-protected .docx/.pptx/.xlsx)."""
    body = "EncryptedPackage".encode("utf-16-le") if encrypted else b"WordDocument"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + body + b"\x00" * 1024)
    return path
