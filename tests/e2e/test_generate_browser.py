"""A teacher's walk through the Generate tab in a real browser: the empty state, the demo course, the
plan line, the student mix, a preview, a full run with live counters and the newest conversations, and
an edited tutor policy. Screenshots of each step go to tests/artifacts/<test>/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from core.documents.ingest import demo_course_files
from core.documents.records import list_chunks
from core.policy import current_policy
from core.store import Store
from tests.e2e.conftest import PageWatch
from tests.support.studio_server import StudioProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CONVERT_TIMEOUT_MS = 90_000
RUN_TIMEOUT_MS = 60_000
DEMO_NAMES = [path.name for path in demo_course_files()]


def wait_for_text(page: Any, selector: str, pattern: str, timeout: int = RUN_TIMEOUT_MS) -> None:
    try:
        page.wait_for_function(
            "([selector, pattern]) => new RegExp(pattern).test(document.querySelector(selector)?.innerText || '')",
            arg=[selector, pattern],
            timeout=timeout,
        )
    except Exception as exc:
        shown = page.inner_text(selector) if page.locator(selector).count() else "(not on the page)"
        raise AssertionError(f"{selector} never matched {pattern!r}; it shows: {shown[:500]}") from exc


def open_generate(page: Any) -> None:
    page.get_by_role("tab", name="Generate").click()
    page.wait_for_selector("#tab-generate", state="visible")


def load_demo_course(page: Any) -> None:
    page.get_by_role("tab", name="Documents").click()
    page.click("#documents-demo")
    page.wait_for_function(
        """() => {
            const text = document.querySelector('#documents-table')?.innerText || '';
            return (text.match(/\\bReady\\b/g) || []).length >= 5 && !/Waiting|Converting/.test(text);
        }""",
        timeout=CONVERT_TIMEOUT_MS,
    )


def test_teacher_generates_conversations_from_the_demo_course(
    fresh_studio: StudioProcess, page: PageWatch, artifacts_dir: Path
) -> None:
    p = page.page
    p.goto(fresh_studio.url, wait_until="load")
    p.wait_for_selector("#studio-header")
    open_generate(p)
    wait_for_text(p, "#generate-empty", "No course material yet: add documents in the Documents tab")
    assert p.locator("#generate-empty").is_visible()
    p.screenshot(path=str(artifacts_dir / "01-empty.png"), full_page=True)

    load_demo_course(p)
    open_generate(p)
    # The tab's poll (every 2 s) adds each document as it becomes ready, and it can lag the Documents tab on
    # a busy machine, so the plan can show before the last: wait until every demo document is chosen.
    for name in DEMO_NAMES:
        wait_for_text(p, "#generate-documents", re.escape(name))
    chunks = len(list_chunks(Store.open(fresh_studio.workspace), include_excluded=False))
    wait_for_text(p, "#generate-plan", rf"\d+ conversations will be written: {chunks} chunks")
    assert not p.locator("#generate-empty").is_visible()
    assert "Offline template teacher" in p.inner_text("#generate-teacher")
    p.click("#generate-mix button, #generate-mix .label-wrap")
    p.screenshot(path=str(artifacts_dir / "02-ready.png"), full_page=True)

    p.click("#generate-preview")
    wait_for_text(p, "#generate-preview-output", "Tutor:")
    preview = p.inner_text("#generate-preview-output")
    assert "Student:" in preview and "not stored" in preview
    assert p.locator("#generate-preview-output .generate-card").count() == 3
    p.screenshot(path=str(artifacts_dir / "03-preview.png"), full_page=True)

    p.click("#generate-start")
    wait_for_text(p, "#generate-notice", "Started")
    wait_for_text(p, "#generate-progress", r"Done\b")
    wait_for_text(p, "#generate-latest", "Tutor:")
    kept = int(p.inner_text("#generate-progress .generate-count-kept"))
    assert kept > 0
    assert p.locator("#generate-latest .generate-card").count() >= 1
    p.wait_for_selector("#generate-reasons canvas, #generate-reasons svg", timeout=15_000)
    p.wait_for_timeout(1500)  # the chart draws after it is shown
    p.screenshot(path=str(artifacts_dir / "04-generated.png"), full_page=True)

    p.click("#generate-policy-box button, #generate-policy-box .label-wrap")
    box = p.locator("#generate-policy textarea")
    box.fill(box.input_value() + "\n11. Use the metric system in every example.")
    box.press("Tab")  # leave the box, as a person does, so the app has the edited text before Save
    p.wait_for_timeout(300)
    p.click("#generate-save-policy")
    wait_for_text(p, "#generate-policy-notice", "Saved")
    p.screenshot(path=str(artifacts_dir / "05-policy.png"), full_page=True)
    assert "metric system" in current_policy(Store.open(fresh_studio.workspace))
    assert p.locator(".toast-body.error").count() == 0
    assert page.app_errors() == []


def test_a_wrong_server_address_shows_how_to_fix_it(
    fresh_studio: StudioProcess, page: PageWatch, artifacts_dir: Path
) -> None:
    p = page.page
    p.goto(fresh_studio.url, wait_until="load")
    p.wait_for_selector("#studio-header")
    open_generate(p)
    p.get_by_text("OpenAI-compatible server").click()
    p.locator("#generate-url input, #generate-url textarea").first.fill("not a web address")
    p.locator("#generate-model input, #generate-model textarea").first.fill("some-model")
    p.click("#generate-preview")
    p.wait_for_selector(".toast-body.error", timeout=15_000)
    message = p.inner_text(".toast-body.error")
    assert re.search(r"not a web address.*http://127\.0\.0\.1:8000/v1", message, re.S)
    p.screenshot(path=str(artifacts_dir / "01-error.png"), full_page=True)
