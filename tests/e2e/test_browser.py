"""A real browser opens the studio, clicks every tab, sees no error, and saves a screenshot per tab."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.app import TABS
from tests.e2e.conftest import PageWatch
from tests.support.studio_server import StudioProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_every_tab_opens_without_errors(studio: StudioProcess, page: PageWatch, artifacts_dir: Path) -> None:
    page.page.goto(studio.url, wait_until="load")
    page.page.wait_for_selector("#studio-header")
    assert "Tutor Studio" in page.page.inner_text("#studio-header")
    page.page.wait_for_selector("#jobs-panel")
    page.page.screenshot(path=str(artifacts_dir / "00-start.png"), full_page=True)
    for number, (label, module) in enumerate(TABS, start=1):
        page.page.get_by_role("tab", name=label).click()
        page.page.wait_for_selector(f"#tab-{module}", state="visible")
        page.page.wait_for_timeout(500)
        page.page.screenshot(path=str(artifacts_dir / f"{number:02d}-{module}.png"), full_page=True)
        assert page.page.locator(".toast-body.error").count() == 0, f"error toast on {label}"
    # An empty workspace: the Train tab says where a dataset version comes from.
    page.page.get_by_role("tab", name="Train").click()
    assert "Review" in page.page.inner_text("#train-no-dataset")
    assert page.page.locator("#jobs-panel").is_visible()
    assert page.app_errors() == []
