"""Every supported format converts offline, and its chunks carry the text that was in the file."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from core.documents.chunking import chunk_document
from core.documents.converter import ConversionTimeout, convert_file, time_limit
from core.documents.formats import FileKind
from core.documents.tokens import TextTokenCounter
from tests.core.documents import builders
from tests.core.documents.builders import FACTS, LESSON_TITLE, SECTION

FORMATS: dict[str, tuple[FileKind, Callable[[Path], Path]]] = {
    "lesson.pdf": ("pdf", builders.make_pdf),
    "lesson.docx": ("docx", builders.make_docx),
    "lesson.pptx": ("pptx", builders.make_pptx),
    "lesson.xlsx": ("xlsx", builders.make_xlsx),
    "lesson.html": ("html", builders.make_html),
    "lesson.md": ("markdown", builders.make_markdown),
    "lesson.txt": ("text", builders.make_text),
}


@pytest.mark.parametrize("name", list(FORMATS))
def test_each_format_converts_and_its_chunks_hold_the_text(
    name: str, tmp_path: Path, counter: TextTokenCounter
) -> None:
    kind, build = FORMATS[name]
    path = build(tmp_path / name)
    conversion = convert_file(path, kind, name)
    chunks = chunk_document(conversion.document, counter, 350)
    joined = " ".join(" ".join(chunk.text.split()) for chunk in chunks)
    for fact in FACTS:
        assert fact in joined, f"{name}: {fact!r} missing from the chunks"
    assert all(chunk.token_count == counter.count(chunk.text) for chunk in chunks)


@pytest.mark.parametrize("name", ["lesson.docx", "lesson.html", "lesson.md", "lesson.pdf"])
def test_chunks_keep_their_heading_path(name: str, tmp_path: Path, counter: TextTokenCounter) -> None:
    kind, build = FORMATS[name]
    conversion = convert_file(build(tmp_path / name), kind, name)
    chunks = chunk_document(conversion.document, counter, 350)
    first = next(c for c in chunks if FACTS[0] in " ".join(c.text.split()))
    later = next(c for c in chunks if FACTS[2] in " ".join(c.text.split()))
    assert first.heading_path[:1] == [LESSON_TITLE]
    if name != "lesson.pdf":  # the text-only PDF reader sees one heading size in this file
        assert later.heading_path == [LESSON_TITLE, SECTION]


def test_pdf_reports_pages_and_the_text_only_pipeline_offline(tmp_path: Path) -> None:
    path = builders.make_pdf(tmp_path / "three.pdf", pages=3)
    conversion = convert_file(path, "pdf", "three.pdf")
    assert conversion.pages == 3
    assert conversion.pipeline == "native-pdf"
    assert "headings" in (conversion.warning or "") and "tables" in (conversion.warning or "")


def test_slides_are_counted_as_pages(tmp_path: Path) -> None:
    conversion = convert_file(builders.make_pptx(tmp_path / "deck.pptx"), "pptx", "deck.pptx")
    assert conversion.pages == len(FACTS)
    assert conversion.pipeline == "simple"


class CountingHandler(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        CountingHandler.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def counting_server() -> Iterator[str]:
    CountingHandler.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_html_conversion_fetches_nothing_it_references(tmp_path: Path, counting_server: str) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"SECRET-LOCAL-FILE")
    body = (
        f'<img src="{counting_server}/remote.png" alt="remote picture">'
        f'<img src="secret.png" alt="local picture"><img src="file://{secret}" alt="file url">'
        f'<iframe src="{counting_server}/frame.html"></iframe>'
    )
    head = f'<link rel="stylesheet" href="{counting_server}/style.css"><script src="{counting_server}/x.js"></script>'
    path = builders.make_html(tmp_path / "page.html", extra_body=body, head=head)
    conversion = convert_file(path, "html", "page.html")
    markdown = conversion.document.export_to_markdown()
    assert CountingHandler.requests == []
    assert "SECRET-LOCAL-FILE" not in markdown
    assert FACTS[1] in markdown


def test_html_without_a_charset_keeps_its_symbols(tmp_path: Path, counter: TextTokenCounter) -> None:
    path = tmp_path / "symbols.html"
    path.write_bytes(
        "<p>Glucose: 6CO<sub>2</sub> + 6H<sub>2</sub>O → C<sub>6</sub>H<sub>12</sub>O<sub>6</sub></p>".encode()
    )
    chunks = chunk_document(convert_file(path, "html", "symbols.html").document, counter)
    assert "6CO₂ + 6H₂O → C₆H₁₂O₆" in chunks[0].text


def test_windows_1252_text_is_read(tmp_path: Path, counter: TextTokenCounter) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes("Café prices rose by 5 °C… no, by 5%.".encode("cp1252"))
    chunks = chunk_document(convert_file(path, "text", "old.txt").document, counter)
    assert chunks[0].text.startswith("Café prices rose by 5 °C")


def test_time_limit_stops_a_slow_conversion() -> None:
    with (
        pytest.raises(ConversionTimeout, match=r"took longer than the 0\.05 s limit"),
        time_limit(0.05, "slow.pdf"),
    ):
        threading.Event().wait(2)


def test_time_limit_holds_when_the_alarm_is_swallowed() -> None:
    """A finaliser or a library's catch-all can eat the alarm's exception; the limit must still hold."""
    with (
        pytest.raises(ConversionTimeout, match=r"took longer than the 0\.05 s limit"),
        time_limit(0.05, "slow.pdf"),
        # Stands in for code that swallows every exception, the alarm's included.
        contextlib.suppress(BaseException),
    ):
        threading.Event().wait(2)


def test_time_limit_passes_other_errors_through() -> None:
    with pytest.raises(ValueError, match="bad table"), time_limit(5, "fine.pdf"):
        raise ValueError("bad table")
