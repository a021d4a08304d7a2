"""A teacher evaluates an adapter in a real browser: the empty state, the form with its defaults, a run
with progress, the report (verdict, numbers, plots, replies) and the comparison of two reports.

Screenshots land in tests/artifacts/test_teacher_evaluates_an_adapter_and_compares_two_reports/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.paths import Workspace
from core.store import Store
from tests.core.evaluate.helpers import build_test_dataset, ensure_tiny, register_adapter
from tests.e2e.conftest import PageWatch
from tests.support.studio_server import StudioProcess, running_studio

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RUN_TIMEOUT_MS = 480_000
EVAL_ID = re.compile(r"eval_[0-9a-f]+")


@pytest.fixture(scope="module")
def fresh_studio(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Iterator[StudioProcess]:
    """A studio of its own on an empty workspace, so the empty state is what a newcomer sees."""
    workspace = Workspace(tmp_path_factory.mktemp("evaluate") / "studio-home").ensure()
    ensure_tiny(workspace, tiny_model_dir)
    with running_studio(workspace) as studio:
        yield studio


def open_tab(page: Any, url: str) -> None:
    page.goto(url, wait_until="load")
    page.wait_for_selector("#studio-header")
    page.get_by_role("tab", name="Evaluate").click()
    page.wait_for_selector("#tab-evaluate", state="visible")


def choose_fast_settings(page: Any, tasks_to_untick: list[str]) -> None:
    page.get_by_text("Settings: forgetting tasks, replay, judge").click()
    page.locator("#evaluate-conversations input").fill("1")
    for slider, value in (("#evaluate-tokens", "32"), ("#evaluate-limit", "5")):
        box = page.locator(f"{slider} input[type=number]")
        box.fill(value)
        box.press("Enter")
    for label in tasks_to_untick:
        page.locator("#evaluate-tasks label").filter(has_text=re.compile(r"^\s*" + re.escape(label))).click()


def run_and_wait(page: Any, previous: str | None = None) -> str:
    """Press Run; returns the new evaluation's id once its report is the one shown."""
    page.locator("#evaluate-run").click()
    page.wait_for_function(
        "old => { const m = document.querySelector('#evaluate-notice').innerText.match(/eval_[0-9a-f]+/);"
        " return m && m[0] !== old; }",
        arg=previous or "",
    )
    found = EVAL_ID.search(page.inner_text("#evaluate-notice"))
    assert found is not None
    eval_id = found.group(0)
    page.wait_for_selector(f"#evaluate-progress-done:has-text('{eval_id}')", timeout=RUN_TIMEOUT_MS)
    page.wait_for_function(
        "id => document.querySelector('#evaluate-report input').value.includes(id)", arg=eval_id
    )
    page.wait_for_timeout(2500)  # the report's plots and tables render
    return eval_id


def pick(page: Any, dropdown: str, value: str) -> None:
    box = page.locator(f"{dropdown} input")
    box.fill(value)
    box.press("Enter")
    page.keyboard.press("Escape")


def test_teacher_evaluates_an_adapter_and_compares_two_reports(
    fresh_studio: StudioProcess,
    page: PageWatch,
    artifacts_dir: Path,
    tiny_model_dir: Path,
    tiny_adapter_dir: Path,
) -> None:
    p = page.page
    open_tab(p, fresh_studio.url)
    p.wait_for_selector("#evaluate-empty:has-text('Nothing to evaluate yet')")
    assert not p.locator("#evaluate-run").is_visible()
    p.screenshot(path=str(artifacts_dir / "01-empty.png"), full_page=True)

    store = Store.open(fresh_studio.workspace)
    dataset = build_test_dataset(store, fresh_studio.workspace, tiny_model_dir)
    adapter_id = register_adapter(store, fresh_studio.workspace, tiny_adapter_dir, dataset)
    store.close()
    # No reload: the tab notices the new adapter and dataset on its own and shows the form.
    p.wait_for_selector("#evaluate-run", state="visible", timeout=30_000)
    p.wait_for_function(
        "id => document.querySelector('#evaluate-adapters').innerText.includes(id)", arg=adapter_id
    )
    assert adapter_id in p.inner_text("#evaluate-adapters")  # the newest adapter is picked
    assert dataset.id in p.locator("#evaluate-dataset input").input_value()  # and the version it learned from
    p.screenshot(path=str(artifacts_dir / "02-ready.png"), full_page=True)

    choose_fast_settings(p, ["General knowledge", "Common sense", "Arithmetic (short answer)"])
    p.screenshot(path=str(artifacts_dir / "03-settings.png"), full_page=True)
    p.locator("#evaluate-run").click()
    p.wait_for_selector("#evaluate-progress-body", timeout=60_000)
    p.screenshot(path=str(artifacts_dir / "04-running.png"), full_page=True)
    found = EVAL_ID.search(p.inner_text("#evaluate-notice"))
    assert found is not None
    first = found.group(0)
    p.wait_for_selector(f"#evaluate-progress-done:has-text('{first}')", timeout=RUN_TIMEOUT_MS)
    p.wait_for_selector(".ts-verdict")
    p.wait_for_timeout(2500)
    verdict = p.inner_text("#evaluate-verdict")
    assert ("Hold" in verdict or "Ship it" in verdict) and "Correct refusals" in verdict
    assert "Input tokens per message" in p.inner_text("#evaluate-plot-prompt_tokens")
    assert "Input tokens per request (tokens)" in p.inner_text("#evaluate-overall")
    p.screenshot(path=str(artifacts_dir / "05-report.png"), full_page=True)
    p.locator("#evaluate-probes").scroll_into_view_if_needed()
    p.wait_for_selector("#evaluate-probes :text('answer-fractions')")
    p.screenshot(path=str(artifacts_dir / "06-replies.png"))

    # A second run without the base model, to compare with the first.
    p.locator("#evaluate-include label").filter(has_text="Base model").click()
    second = run_and_wait(p, previous=first)
    assert second != first
    p.get_by_text("Compare two reports").click()
    pick(p, "#evaluate-before", first)
    pick(p, "#evaluate-after", second)
    assert first in p.locator("#evaluate-before input").input_value()
    assert second in p.locator("#evaluate-after input").input_value()
    p.locator("#evaluate-compare").click()
    p.wait_for_selector("#evaluate-changes :text('Guiding questions')")
    tutors = {line.strip() for line in p.inner_text("#evaluate-changes").splitlines()}
    assert "Prompted" in tutors and "Base" not in tutors  # the second run left the base model out
    p.locator("#evaluate-compare-box").scroll_into_view_if_needed()
    p.wait_for_timeout(1000)
    p.screenshot(path=str(artifacts_dir / "07-compare.png"), full_page=True)
    assert p.locator(".toast-body.error").count() == 0
    assert page.app_errors() == []
