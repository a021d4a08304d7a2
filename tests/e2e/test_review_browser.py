"""A teacher reviews in a real browser: loads the demo set, edits a conversation turn by turn, saves with
Ctrl+S, rejects with R, restores an old revision, meets a second editor's conflicting save, uses bulk
actions with undo, builds and downloads a dataset, and imports a file with a bad line. Screenshots of
each step land in tests/artifacts/<test name>/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PageWatch
from tests.support.studio_server import StudioProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT_MS = 20_000


def open_review(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#studio-header")
    page.get_by_role("tab", name="Review").click()
    page.wait_for_selector("#review-table", state="visible")
    page.wait_for_timeout(800)


def wait_text(page: Any, selector: str, text: str) -> str:
    page.wait_for_function(
        "([s, t]) => { const e = document.querySelector(s); return e && e.innerText.includes(t); }",
        arg=[selector, text],
        timeout=TIMEOUT_MS,
    )
    return str(page.inner_text(selector))


def search(page: Any, words: str) -> None:
    page.fill("#review-search textarea, #review-search input", words)
    page.press("#review-search textarea, #review-search input", "Enter")
    page.wait_for_timeout(1200)


def open_row(page: Any, row: int = 0) -> str:
    page.click(f"#review-table [data-testid=cell-{row}-4]")
    header = wait_text(page, "#review-example-header", "Revision")
    return header.split("·")[1].strip().split()[0]


def test_a_teacher_reviews_edits_and_restores(
    studio: StudioProcess, page: PageWatch, artifacts_dir: Path
) -> None:
    p = page.page
    open_review(p, studio.url)
    p.screenshot(path=str(artifacts_dir / "01-review-tab.png"), full_page=True)
    p.click("#review-demo")
    wait_text(p, "#review-notice", "demo conversations")
    p.fill("#review-reviewer input", "Ms Rivera")
    p.dispatch_event("#review-reviewer input", "input")
    search(p, "chlorophyll green")
    example_id = open_row(p)
    p.screenshot(path=str(artifacts_dir / "02-example-open.png"), full_page=True)
    p.fill(
        "#review-text-1 textarea",
        "Good idea to think about colour! What does a leaf do with the green light?",
    )
    p.keyboard.press("Control+s")
    assert "Saved revision" in wait_text(p, "#review-message", "Saved")
    p.click("#review-add-tutor")
    p.wait_for_selector("#review-text-6", state="visible")
    p.click("#review-delete-6")
    p.wait_for_selector("#review-text-6", state="hidden")
    p.click("#review-example-header")  # out of the text boxes, so letters are shortcuts
    p.keyboard.press("r")
    p.wait_for_timeout(1500)
    assert "rejected" in p.inner_text("#review-table")
    p.fill("#review-goto input", example_id)
    p.press("#review-goto input", "Enter")
    wait_text(p, "#review-example-header", "rejected")
    p.click("#review-history-box")
    p.fill("#review-restore-number input", "1")
    p.click("#review-restore")
    assert "Restored revision 1" in wait_text(p, "#review-message", "Restored")
    assert "reflects" not in p.input_value("#review-text-1 textarea")  # the original tutor turn is back
    p.screenshot(path=str(artifacts_dir / "03-restored.png"), full_page=True)
    assert page.app_errors() == []


def test_a_second_editors_save_is_refused_with_both_versions(
    studio: StudioProcess, browser: Any, page: PageWatch, artifacts_dir: Path
) -> None:
    first = page.page
    open_review(first, studio.url)
    first.click("#review-demo")
    search(first, "stomata")
    example_id = open_row(first)
    other_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    second = other_context.new_page()
    open_review(second, studio.url)
    second.fill("#review-goto input", example_id)
    second.press("#review-goto input", "Enter")
    wait_text(second, "#review-example-header", example_id)
    second.fill("#review-text-0 textarea", "Colleague's version: what are those tiny leaf pores called?")
    second.click("#review-save")
    wait_text(second, "#review-message", "Saved")
    first.fill("#review-text-0 textarea", "My version: which pores let carbon dioxide in?")
    first.click("#review-save")
    message = wait_text(first, "#review-message", "Not saved")
    assert "compare" in message.lower()
    first.wait_for_selector("#review-theirs", state="visible")
    assert "Colleague's version" in first.inner_text("#review-theirs")
    assert "My version" in first.inner_text("#review-yours")
    first.locator("#review-theirs").scroll_into_view_if_needed()
    first.screenshot(path=str(artifacts_dir / "01-conflict.png"), full_page=True)
    first.click("#review-keep-theirs")
    first.wait_for_selector("#review-theirs", state="hidden")
    assert "Colleague's version" in first.input_value("#review-text-0 textarea")
    other_context.close()
    assert page.app_errors() == []


def test_bulk_undo_build_export_and_import(
    studio: StudioProcess, page: PageWatch, artifacts_dir: Path, tmp_path: Path
) -> None:
    p = page.page
    open_review(p, studio.url)
    p.click("#review-demo")
    wait_text(p, "#review-notice", "demo conversations")
    search(p, "circuit")
    p.click("#review-bulk")
    p.locator("#review-bulk-action input").click()
    p.get_by_role("option", name="Add a tag").click()
    p.fill("#review-bulk-tag input", "circuits-checked")
    p.click("#review-bulk-apply")
    assert "Added the tag" in wait_text(p, "#review-bulk-message", "example")
    p.wait_for_timeout(1500)
    assert "circuits-checked" in p.inner_text("#review-table")
    p.click("#review-undo")
    wait_text(p, "#review-bulk-message", "Undid")
    p.wait_for_timeout(1500)
    assert "circuits-checked" not in p.inner_text("#review-table")
    p.click("#review-stats")
    p.wait_for_timeout(1500)
    p.locator("#review-stats").scroll_into_view_if_needed()
    p.screenshot(path=str(artifacts_dir / "01-statistics.png"), full_page=True)
    p.fill("#review-build-name input", "browser")
    p.click("#review-build")
    status = wait_text(p, "#review-build-status", "browser@v")
    assert "train" in status
    assert "| train |" in p.inner_text("#review-manifest") or "train" in p.inner_text("#review-manifest")
    p.click("#review-export")
    wait_text(p, "#review-build-status", "Exported")
    assert p.locator("#review-download a").count() >= 1
    p.locator("#review-build-section").scroll_into_view_if_needed()
    p.screenshot(path=str(artifacts_dir / "02-dataset-built.png"), full_page=True)
    bad = tmp_path / "teacher.jsonl"
    good = {
        "messages": [
            {"role": "user", "content": "Browser import?"},
            {"role": "assistant", "content": "Which part?"},
        ]
    }
    bad.write_text(json.dumps(good) + "\n" + '{"messages": [{"role": "user", "content": ""}]}\n')
    p.click("#review-import-section")
    p.locator("#review-import-files input[type=file]").set_input_files(str(bad))
    p.wait_for_timeout(1000)
    p.click("#review-import")
    assert "Nothing was imported" in wait_text(p, "#review-import-report", "imported")
    p.wait_for_selector("#review-import-errors", state="visible")
    assert "empty" in p.inner_text("#review-import-errors")
    p.locator("#review-import-section").scroll_into_view_if_needed()
    p.screenshot(path=str(artifacts_dir / "03-import-errors.png"), full_page=True)
    assert page.app_errors() == []
