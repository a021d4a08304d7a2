"""A teacher's walk through the Documents tab in a real browser: the empty state, the demo course,
a document's text beside its chunks, chunk edits, an upload with a bad file, delete and restore.
Screenshots of each step go to tests/artifacts/<test>/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.core.documents import builders
from tests.e2e.conftest import PageWatch
from tests.support.studio_server import StudioProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CONVERT_TIMEOUT_MS = 90_000
EMPTY_STATE = "No documents yet: drop your course files above or press Load demo course"
DEMO_FILES = ("fractions.md", "newtons_laws.docx", "ohms_law.pdf", "photosynthesis.html", "water_cycle.pptx")


def choose(page: Any, elem_id: str, option: str) -> None:
    """Pick the option whose label contains `option` in a gradio dropdown."""
    page.click(f"#{elem_id} input")
    page.get_by_role("option", name=re.compile(re.escape(option))).first.click()


def table_text(page: Any) -> str:
    return str(page.inner_text("#documents-table"))


SHOWN_TEXT_JS = """([selector, text]) => {
    const el = document.querySelector(selector);
    if (!el) return false;
    const fields = Array.from(el.querySelectorAll('textarea, input')).map((f) => f.value).join(' ');
    return (el.innerText + ' ' + fields).includes(text);
}"""


def wait_for_text(page: Any, selector: str, text: str, timeout: int = CONVERT_TIMEOUT_MS) -> None:
    """Wait until `text` is shown in the element (its text, or the value of a text box inside it)."""
    page.wait_for_function(SHOWN_TEXT_JS, arg=[selector, text], timeout=timeout)


def wait_until_converted(page: Any, count: int) -> None:
    page.wait_for_function(
        """(count) => {
            const text = document.querySelector('#documents-table')?.innerText || '';
            const ready = (text.match(/\\bReady\\b/g) || []).length;
            return ready >= count && !/Waiting|Converting/.test(text);
        }""",
        arg=count,
        timeout=CONVERT_TIMEOUT_MS,
    )


def chunk_rows(page: Any) -> int:
    """Data rows of the chunk table (gradio draws them as role=row divs after the header row)."""
    return int(page.locator("#documents-chunks [role=row]").count()) - 1


def test_teacher_loads_reads_and_edits_course_documents(
    fresh_studio: StudioProcess, page: PageWatch, artifacts_dir: Path, tmp_path: Path
) -> None:
    p = page.page
    p.goto(fresh_studio.url, wait_until="load")
    p.wait_for_selector("#studio-header")
    p.get_by_role("tab", name="Documents").click()
    p.wait_for_selector("#documents-empty", state="visible")
    assert EMPTY_STATE in p.inner_text("#documents-empty")
    p.screenshot(path=str(artifacts_dir / "01-empty.png"), full_page=True)

    p.click("#documents-demo")
    wait_for_text(p, "#documents-notice", "5 added")
    p.wait_for_selector("#documents-table", state="visible")
    wait_until_converted(p, 5)
    assert all(name in table_text(p) for name in DEMO_FILES)
    assert not p.locator("#documents-empty").is_visible()
    wait_for_text(p, "#documents-markdown", "A fraction describes part of a whole")
    p.wait_for_selector("#documents-chunks", state="visible")
    assert chunk_rows(p) == 7
    p.screenshot(path=str(artifacts_dir / "02-demo-course.png"), full_page=True)

    choose(p, "documents-selected", "ohms_law.pdf")
    wait_for_text(p, "#documents-detail-header", "tables may be lost")
    wait_for_text(p, "#documents-markdown", "Series circuits")
    p.screenshot(path=str(artifacts_dir / "03-pdf-with-warning.png"), full_page=True)

    choose(p, "documents-selected", "fractions.md")
    wait_for_text(p, "#documents-markdown", "A fraction describes part of a whole")
    wait_for_text(p, "#documents-chunk-text", "Lesson 1: Fractions")
    p.click("#documents-chunk-used input")
    wait_for_text(p, "#documents-edit-notice", "will not be used")
    wait_for_text(p, "#documents-table", "7 (1 excluded)")
    choose(p, "documents-chunk", "Equivalent fractions")
    wait_for_text(p, "#documents-chunk-text", "Two fractions are equivalent")
    choose(p, "documents-split-at", "Before paragraph")
    p.click("#documents-split")
    wait_for_text(p, "#documents-edit-notice", "Split into two chunks")
    assert chunk_rows(p) == 8
    p.click("#documents-merge")
    wait_for_text(p, "#documents-edit-notice", "Merged into one chunk")
    assert chunk_rows(p) == 7
    p.screenshot(path=str(artifacts_dir / "04-chunk-edits.png"), full_page=True)

    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"")
    good = builders.make_docx(tmp_path / "volcanoes.docx")
    p.set_input_files("#documents-upload input[type=file]", [str(good), str(bad)])
    wait_for_text(p, "#documents-notice", "1 added, 1 refused")
    assert "scan.pdf is empty (0 bytes)" in p.inner_text("#documents-notice")
    wait_until_converted(p, 6)
    p.screenshot(path=str(artifacts_dir / "05-upload-with-a-bad-file.png"), full_page=True)

    choose(p, "documents-selected", "volcanoes.docx")
    wait_for_text(p, "#documents-markdown", "Mount Tambora erupted in 1815")
    p.click("#documents-delete")
    wait_for_text(p, "#documents-action-notice", "Deleted volcanoes.docx")
    p.wait_for_function(
        f"() => !document.querySelector('#documents-table').innerText.includes('{good.name}')"
    )
    p.click("#documents-show-deleted input")
    wait_for_text(p, "#documents-table", "Deleted")
    choose(p, "documents-selected", "volcanoes.docx")
    wait_for_text(p, "#documents-detail-header", "This document is deleted")
    p.screenshot(path=str(artifacts_dir / "06-deleted.png"), full_page=True)
    p.click("#documents-restore")
    wait_for_text(p, "#documents-action-notice", "Restored volcanoes.docx")
    p.click("#documents-show-deleted input")
    wait_for_text(p, "#documents-table", "volcanoes.docx")
    p.screenshot(path=str(artifacts_dir / "07-restored.png"), full_page=True)

    assert p.locator(".toast-body.error").count() == 0
    assert page.app_errors() == []
