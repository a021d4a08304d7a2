"""Which files the studio reads, and what a file really is (by its bytes, not its name).

    kind_for_name("notes.PDF")        # "pdf"
    sniff(first_bytes)                # "pdf" | "zip" | "ole" | "png" | ... | "text" | "binary"
    decode_text(data)                 # text of a .md/.txt/.html file (UTF-8, UTF-16 or Windows-1252)

Torch- and docling-free: the upload handler runs these before any conversion job is submitted.
"""

from __future__ import annotations

import codecs
from pathlib import PurePath
from typing import Literal

FileKind = Literal["pdf", "docx", "pptx", "xlsx", "html", "markdown", "text"]

EXTENSIONS: dict[str, FileKind] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".pptx": "pptx",
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
}
KIND_LABELS: dict[str, str] = {
    "pdf": "PDF",
    "docx": "Word",
    "pptx": "PowerPoint",
    "xlsx": "Excel",
    "html": "Web page",
    "markdown": "Markdown",
    "text": "Text",
}
# What a sniffed content type is called in messages (KIND_LABELS covers the supported kinds).
CONTENT_LABELS: dict[str, str] = {
    "ole": "old-format Office",
    "zip": "zip archive",
    "binary": "binary (not text)",
}
# The extension to give a file whose content is of this kind (for "rename it to ..." advice).
SUGGESTED_EXTENSION: dict[str, str] = {
    "pdf": ".pdf",
    "docx": ".docx",
    "pptx": ".pptx",
    "xlsx": ".xlsx",
    "html": ".html",
    "markdown": ".md",
    "text": ".txt",
}
# The part each Office Open XML format must contain; how a zip tells which program made it.
OOXML_MAIN_PART: dict[FileKind, str] = {
    "docx": "word/document.xml",
    "pptx": "ppt/presentation.xml",
    "xlsx": "xl/workbook.xml",
}
UNSUPPORTED_HINTS: dict[str, str] = {
    ".doc": "Open it in Word and save it as .docx (Word Document).",
    ".ppt": "Open it in PowerPoint and save it as .pptx.",
    ".xls": "Open it in Excel and save it as .xlsx.",
    ".rtf": "Open it in a word processor and save it as .docx.",
    ".odt": "Save it as .docx or export it as PDF.",
    ".zip": "Unpack the archive and upload the documents inside it.",
}
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"\x1f\x8b", "gzip archive"),
    (b"Rar!", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"{\\rtf", "RTF document"),
)
SUPPORTED_TEXT = (
    "PDF, Word (.docx), PowerPoint (.pptx), Excel (.xlsx), web pages (.html), Markdown (.md) or text (.txt)"
)
PDF_MARKER_WINDOW = 1024  # PDF readers accept junk before %PDF- in the first kilobyte
TEXT_PROBE_BYTES = 8192


def content_label(found: str) -> str:
    return KIND_LABELS.get(found) or CONTENT_LABELS.get(found) or found


def kind_for_name(name: str) -> FileKind | None:
    return EXTENSIONS.get(PurePath(name).suffix.lower())


def sniff(head: bytes) -> str:
    """What the first bytes of a file say it is: pdf, zip, ole, an image/archive name, text or binary."""
    if b"%PDF-" in head[:PDF_MARKER_WINDOW]:
        return "pdf"
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    probe = head[:TEXT_PROBE_BYTES]
    if probe.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "text"
    if b"\x00" in probe:
        return "binary"
    return "text"


def looks_like_html(text: str) -> bool:
    start = text.lstrip()[:512].lower()
    return start.startswith(("<!doctype html", "<html")) or "<body" in text[:4096].lower()


def decode_text(data: bytes) -> str:
    """Text from bytes: a byte-order mark wins, then UTF-8, then Windows-1252 (which most old files use)."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
