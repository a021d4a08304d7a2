"""Checks a file must pass before a conversion job is started for it, each with a message that says
what is wrong and how to fix it.

    checked = check_file(Path("upload/lesson.pdf"), "lesson.pdf")     # raises DocumentRejected
    checked.kind, checked.sha256, checked.pages

Size, emptiness, the extension against the content, encrypted or damaged files, the page (slide)
count, the amount of text, and for Office files the zip's member count and declared uncompressed size (zip bombs).
Fast and docling-free: it runs in the upload handler, so a bad file never reaches a job.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from core.documents.formats import (
    KIND_LABELS,
    OOXML_MAIN_PART,
    SUGGESTED_EXTENSION,
    SUPPORTED_TEXT,
    UNSUPPORTED_HINTS,
    FileKind,
    content_label,
    decode_text,
    kind_for_name,
    looks_like_html,
    sniff,
)

MB = 1024 * 1024
HEAD_BYTES = 64 * 1024
SLIDE_PART = re.compile(r"^ppt/slides/slide\d+\.xml$")
DOCX_PAGES = re.compile(rb"<Pages>(\d+)</Pages>")


class DocumentRejected(ValueError):
    """A file the studio will not convert; the message names the file, the problem and the fix."""


@dataclass(frozen=True)
class DocumentLimits:
    """Upper bounds for one document. The defaults suit course material (lessons, slides, handouts)."""

    max_bytes: int = 100 * MB
    max_pages: int = 500
    max_uncompressed_bytes: int = 300 * MB  # the sum a zip declares for its members
    max_members: int = 5000
    max_compression_ratio: float = 200.0  # per member; real documents stay well below
    ratio_floor_bytes: int = 10 * MB  # smaller members may be as compressible as they like
    # About 2,500 pages of text: a whole textbook. Larger text files are refused before any work starts.
    max_characters: int = 5_000_000
    # Chunking stops (and the document is refused) past this many chunks, so memory stays bounded.
    max_chunks: int = 20_000
    timeout_s: float = 300.0  # per document, conversion and chunking together, enforced by the job


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check: what it is, its content hash, and its pages (when known)."""

    kind: FileKind
    size_bytes: int
    sha256: str
    pages: int | None


def check_file(path: Path, name: str, limits: DocumentLimits | None = None) -> CheckedFile:
    """Check `path` (shown to the user as `name`) against the limits; raise DocumentRejected if it fails."""
    limits = limits or DocumentLimits()
    kind = _supported_kind(name)
    size = path.stat().st_size
    if size == 0:
        raise DocumentRejected(
            f"{name} is empty (0 bytes). Check that it was saved completely, then upload it again."
        )
    if size > limits.max_bytes:
        raise DocumentRejected(
            f"{name} is {size / MB:.0f} MB, more than the {limits.max_bytes / MB:.0f} MB limit for one document. "
            "Split it into smaller files (for example one per chapter) or compress its images."
        )
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    found = sniff(head)
    pages: int | None
    if kind == "pdf":
        pages = _check_pdf(path, name, found, limits)
    elif kind in OOXML_MAIN_PART:
        pages = _check_office(path, name, kind, found, limits)
    else:
        pages = None
        _check_text(path, name, kind, found, limits)
    return CheckedFile(kind=kind, size_bytes=size, sha256=file_sha256(path), pages=pages)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(MB), b""):
            digest.update(block)
    return digest.hexdigest()


def _supported_kind(name: str) -> FileKind:
    kind = kind_for_name(name)
    if kind is not None:
        return kind
    suffix = Path(name).suffix.lower()
    hint = UNSUPPORTED_HINTS.get(suffix, f"Upload {SUPPORTED_TEXT}.")
    what = f"{suffix} files are" if suffix else "Files without an extension are"
    raise DocumentRejected(f"{name}: {what} not supported. {hint}")


def _mismatch(name: str, kind: FileKind, found: str) -> DocumentRejected:
    label = content_label(found)
    expected = KIND_LABELS[kind]
    if found in SUGGESTED_EXTENSION:
        fix = f"Rename it to end in {SUGGESTED_EXTENSION[found]} and upload it again."
    else:
        fix = f"Upload the {expected} document itself, or export it again from the program that made it."
    return DocumentRejected(
        f"{name}: its name says {expected} ({Path(name).suffix.lower()}), but it actually contains "
        f"{'an' if label[0].lower() in 'aeiou' else 'a'} {label} file. {fix}"
    )


def _check_pdf(path: Path, name: str, found: str, limits: DocumentLimits) -> int:
    if found != "pdf":
        raise _mismatch(name, "pdf", _office_kind(path) if found == "zip" else found)
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise DocumentRejected(
                f"{name} is password-protected. Open it, remove the password (or print it to a new PDF), "
                "and upload that copy."
            ) from exc
        raise DocumentRejected(
            f"{name} is damaged or incomplete: a PDF reader cannot open it ({exc}). Download or export it "
            "again, then upload the new copy."
        ) from exc
    try:
        pages = len(document)
    finally:
        document.close()
    if pages == 0:
        raise DocumentRejected(f"{name} has no pages. Export it again from the program that made it.")
    _check_pages(name, pages, "pages", limits)
    return pages


def _check_pages(name: str, pages: int, unit: str, limits: DocumentLimits) -> None:
    if pages > limits.max_pages:
        raise DocumentRejected(
            f"{name} has {pages} {unit}, more than the {limits.max_pages}-{unit[:-1]} limit for one document. "
            "Split it into smaller files (for example one per chapter) and upload those."
        )


def _office_kind(path: Path) -> str:
    """Which Office format a zip holds ("docx", "pptx", "xlsx"), else "zip"."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return "zip"
    return next((kind for kind, part in OOXML_MAIN_PART.items() if part in names), "zip")


def _check_office(path: Path, name: str, kind: FileKind, found: str, limits: DocumentLimits) -> int | None:
    if found == "ole":
        raise _ole_rejection(path, name, kind)
    if found != "zip":
        raise _mismatch(name, kind, found)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_zip_members(name, members, limits)
            names = {member.filename for member in members}
            app_xml = (
                archive.read("docProps/app.xml") if kind == "docx" and "docProps/app.xml" in names else b""
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise DocumentRejected(
            f"{name} is damaged or incomplete ({exc}). Open it in its program, save it again, and upload the new copy."
        ) from exc
    if OOXML_MAIN_PART[kind] not in names:
        actual = _office_kind(path)
        if actual != "zip":
            raise _mismatch(name, kind, actual)
        raise DocumentRejected(
            f"{name} is a zip archive but not a {KIND_LABELS[kind]} document (it has no {OOXML_MAIN_PART[kind]}). "
            "Open it in its program and save it again, or unpack it and upload the documents inside."
        )
    return _office_pages(name, kind, names, app_xml, limits)


def _check_zip_members(name: str, members: list[zipfile.ZipInfo], limits: DocumentLimits) -> None:
    if len(members) > limits.max_members:
        raise DocumentRejected(
            f"{name} holds {len(members)} internal parts, more than the {limits.max_members} a document may have. "
            "It may be a damaged or malicious file; open it in its program, save it again and upload that copy."
        )
    if any(member.flag_bits & 0x1 for member in members):
        raise DocumentRejected(
            f"{name} is encrypted. Remove its password in its program and upload it again."
        )
    declared = sum(member.file_size for member in members)
    if declared > limits.max_uncompressed_bytes:
        raise DocumentRejected(
            f"{name} would unpack to {declared / MB:.0f} MB, more than the {limits.max_uncompressed_bytes / MB:.0f} MB "
            "allowed (a 'zip bomb' or a file full of huge images). Compress its pictures or split it, then upload it again."
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.ratio_floor_bytes and ratio > limits.max_compression_ratio:
            raise DocumentRejected(
                f"{name}: its part {member.filename} unpacks {ratio:.0f} times larger than it is stored, which real "
                "documents never do (a 'zip bomb'). Open it in its program, save it again and upload that copy."
            )


def _office_pages(
    name: str, kind: FileKind, names: set[str], app_xml: bytes, limits: DocumentLimits
) -> int | None:
    if kind == "pptx":
        slides = sum(1 for member in names if SLIDE_PART.match(member))
        _check_pages(name, slides, "slides", limits)
        return slides
    if kind == "docx" and (match := DOCX_PAGES.search(app_xml)):
        pages = int(match.group(1))
        _check_pages(name, pages, "pages", limits)
    return None  # Word's own count is a hint only; the conversion reports none for Word files


def _ole_rejection(path: Path, name: str, kind: FileKind) -> DocumentRejected:
    """Office files with a password are stored as an OLE container holding an 'EncryptedPackage'."""
    with open(path, "rb") as handle:
        data = handle.read(4 * MB)
    if "EncryptedPackage".encode("utf-16-le") in data:
        return DocumentRejected(
            f"{name} is password-protected. Open it in its program, remove the password "
            "(File > Info > Protect), save it, and upload it again."
        )
    old = {"docx": ".doc", "pptx": ".ppt", "xlsx": ".xls"}[kind]
    return DocumentRejected(
        f"{name} is in the old Office format ({old}) although its name ends in {Path(name).suffix.lower()}. "
        f"{UNSUPPORTED_HINTS[old]}"
    )


def _check_text(path: Path, name: str, kind: FileKind, found: str, limits: DocumentLimits) -> None:
    if found != "text":
        raise _mismatch(name, kind, _office_kind(path) if found == "zip" else found)
    text = decode_text(path.read_bytes())
    check_characters(name, len(text), limits)
    if not text.strip():
        raise DocumentRejected(
            f"{name} contains no text, only blank space. Check that it was saved completely."
        )
    if kind != "html" and looks_like_html(text):
        raise _mismatch(name, kind, "html")


def check_characters(name: str, characters: int, limits: DocumentLimits) -> None:
    """Refuse a document with more text than one document may have (checked before and after conversion)."""
    if characters > limits.max_characters:
        raise DocumentRejected(
            f"{name} has {characters:,} characters of text, more than the {limits.max_characters:,}-character "
            "limit for one document (about 2,500 pages). Split it into smaller files (for example one per "
            "chapter) and upload those."
        )
