"""Bad files are refused before any conversion, each with a message that names the file, the
problem and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.documents.limits import MB, DocumentLimits, DocumentRejected, check_file
from tests.core.documents import builders

DOCX_PARTS = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}


def rejection(path: Path, name: str | None = None, limits: DocumentLimits | None = None) -> str:
    with pytest.raises(DocumentRejected) as caught:
        check_file(path, name or path.name, limits)
    message = str(caught.value)
    assert (name or path.name) in message, "the message must name the file"
    return message


def test_good_files_pass_with_their_kind_hash_and_pages(tmp_path: Path) -> None:
    pdf = check_file(builders.make_pdf(tmp_path / "a.pdf", pages=2), "a.pdf")
    assert (pdf.kind, pdf.pages, len(pdf.sha256)) == ("pdf", 2, 64)
    assert check_file(builders.make_pptx(tmp_path / "s.pptx"), "s.pptx").pages == 3
    assert check_file(builders.make_docx(tmp_path / "d.docx"), "d.docx").kind == "docx"
    assert check_file(builders.make_xlsx(tmp_path / "x.xlsx"), "x.xlsx").kind == "xlsx"
    assert check_file(builders.make_html(tmp_path / "p.htm"), "p.htm").kind == "html"
    assert check_file(builders.make_markdown(tmp_path / "m.md"), "m.md").kind == "markdown"


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.pdf").write_bytes(b"")
    assert "is empty (0 bytes)" in rejection(tmp_path / "empty.pdf")


def test_blank_text_file(tmp_path: Path) -> None:
    (tmp_path / "blank.md").write_text("  \n\n\t\n")
    assert "contains no text" in rejection(tmp_path / "blank.md")


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = builders.make_markdown(tmp_path / "big.md", ["word " * 300_000])
    message = rejection(path, limits=DocumentLimits(max_bytes=1 * MB))
    assert "more than the 1 MB limit" in message and "Split it" in message


def test_pdf_with_too_many_pages(tmp_path: Path) -> None:
    path = builders.make_pdf(tmp_path / "book.pdf", pages=3)
    message = rejection(path, limits=DocumentLimits(max_pages=2))
    assert "has 3 pages, more than the 2-page limit" in message


def test_slides_over_the_page_limit(tmp_path: Path) -> None:
    path = builders.make_pptx(tmp_path / "deck.pptx")
    assert "has 3 slides, more than the 2-slide limit" in rejection(path, limits=DocumentLimits(max_pages=2))


def test_password_protected_pdf(tmp_path: Path) -> None:
    path = builders.make_pdf(tmp_path / "locked.pdf", user_password="pupil")
    assert "is password-protected" in rejection(path)


def test_password_protected_office_file(tmp_path: Path) -> None:
    path = builders.make_ole(tmp_path / "locked.docx", encrypted=True)
    assert "is password-protected" in rejection(path)


def test_old_office_format_with_a_new_extension(tmp_path: Path) -> None:
    path = builders.make_ole(tmp_path / "old.docx", encrypted=False)
    message = rejection(path)
    assert "old Office format (.doc)" in message and "save it as .docx" in message


def test_damaged_pdf(tmp_path: Path) -> None:
    good = builders.make_pdf(tmp_path / "good.pdf").read_bytes()
    (tmp_path / "cut.pdf").write_bytes(good[: len(good) // 3])
    assert "is damaged or incomplete" in rejection(tmp_path / "cut.pdf")


def test_damaged_docx(tmp_path: Path) -> None:
    good = builders.make_docx(tmp_path / "good.docx").read_bytes()
    (tmp_path / "cut.docx").write_bytes(good[: len(good) // 2])
    assert "is damaged or incomplete" in rejection(tmp_path / "cut.docx")


def test_zip_bomb_by_declared_size(tmp_path: Path) -> None:
    path = builders.make_zip(tmp_path / "bomb.docx", {**DOCX_PARTS, "word/media/zeros.bin": b"\0" * (3 * MB)})
    message = rejection(path, limits=DocumentLimits(max_uncompressed_bytes=2 * MB))
    assert "would unpack to 3 MB" in message and "zip bomb" in message


def test_zip_bomb_by_compression_ratio(tmp_path: Path) -> None:
    path = builders.make_zip(
        tmp_path / "ratio.pptx", {"ppt/presentation.xml": b"<p/>", "ppt/x.bin": b"\0" * (2 * MB)}
    )
    message = rejection(path, limits=DocumentLimits(ratio_floor_bytes=1 * MB))
    assert "ppt/x.bin unpacks" in message and "zip bomb" in message


def test_too_many_zip_members(tmp_path: Path) -> None:
    members = {**DOCX_PARTS, **{f"word/part{i}.xml": b"<x/>" for i in range(30)}}
    path = builders.make_zip(tmp_path / "many.docx", members)
    assert "holds 32 internal parts, more than the 20" in rejection(
        path, limits=DocumentLimits(max_members=20)
    )


@pytest.mark.parametrize(
    ("name", "build", "expected"),
    [
        (
            "lesson.docx",
            lambda p: builders.make_pdf(p),
            "actually contains a PDF file. Rename it to end in .pdf",
        ),
        (
            "lesson.pdf",
            lambda p: builders.make_docx(p),
            "actually contains a Word file. Rename it to end in .docx",
        ),
        ("slides.docx", lambda p: builders.make_pptx(p), "actually contains a PowerPoint file"),
        (
            "notes.md",
            lambda p: builders.make_html(p),
            "actually contains a Web page file. Rename it to end in .html",
        ),
        ("notes.txt", lambda p: builders.make_docx(p), "actually contains a Word file"),
        (
            "photo.md",
            lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
            "actually contains a PNG image file",
        ),
    ],
)
def test_content_that_does_not_match_the_extension(tmp_path: Path, name: str, build, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    build(path)
    assert expected in rejection(path)


def test_zip_that_is_not_an_office_document(tmp_path: Path) -> None:
    path = builders.make_zip(tmp_path / "archive.docx", {"readme.txt": b"hello"})
    assert "is a zip archive but not a Word document" in rejection(path)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.doc", "save it as .docx"),
        ("program.exe", ".exe files are not supported"),
        ("README", "without an extension"),
    ],
)
def test_unsupported_types(tmp_path: Path, name: str, expected: str) -> None:
    (tmp_path / name).write_bytes(b"something")
    assert expected in rejection(tmp_path / name)
