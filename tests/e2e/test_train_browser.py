"""A teacher's walk through the Train tab in a real browser: the empty state, a dataset version arriving,
the quick preset and the estimate, a run with live loss curves, Stop, Resume to the end, the runs table
and the model card. Screenshots of each step go to tests/artifacts/<test>/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from core.store import Store
from tests.core.train.conftest import tutor_conversations, write_dataset
from tests.e2e.conftest import PageWatch
from tests.support.studio_server import StudioProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TRAIN_TIMEOUT_MS = 240_000
SHOWN_TEXT_JS = """([selector, text]) => {
    const el = document.querySelector(selector);
    if (!el) return false;
    const fields = Array.from(el.querySelectorAll('textarea, input')).map((f) => f.value).join(' ');
    return (el.innerText + ' ' + fields).includes(text);
}"""
STEP_JS = """(least) => {
    const match = (document.querySelector('#train-progress')?.innerText || '').match(/Step (\\d+) of/);
    return match !== null && Number(match[1]) >= least;
}"""


def wait_for_text(page: Any, selector: str, text: str, timeout: int = 60_000) -> None:
    page.wait_for_function(SHOWN_TEXT_JS, arg=[selector, text], timeout=timeout)


def set_number(page: Any, elem_id: str, value: int) -> None:
    box = page.locator(f"#{elem_id} input[type=number]").first
    box.fill(str(value))
    box.press("Tab")


def shot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / name), full_page=True)


def test_a_teacher_trains_watches_stops_resumes_and_reads_the_card(
    fresh_studio: StudioProcess, page: PageWatch, artifacts_dir: Path
) -> None:
    p = page.page
    p.goto(fresh_studio.url, wait_until="load")
    p.wait_for_selector("#studio-header")
    p.get_by_role("tab", name="Train").click()
    wait_for_text(p, "#train-estimate", "No dataset version yet")
    wait_for_text(p, "#train-runs-empty", "No training runs yet")
    shot(p, artifacts_dir, "01-empty.png")

    conversations = tutor_conversations(40, seed=3)
    write_dataset(
        Store.open(fresh_studio.workspace),
        fresh_studio.workspace,
        {"train": conversations[:32], "validation": conversations[32:36], "test": conversations[36:]},
    )
    wait_for_text(p, "#train-dataset", "tutor@v1")  # the poll picks up the new version by itself
    p.get_by_text("quick", exact=True).click()
    p.get_by_text(re.compile("^Settings")).click()
    # Enough steps that Stop lands while it runs: on an idle machine tiny trained 80 steps in 4 s, and the
    # run had finished before the screenshot below was taken and Stop was clicked.
    set_number(p, "train-max-steps", 400)
    set_number(p, "train-save-steps", 25)
    wait_for_text(p, "#train-estimate", "400 steps")
    wait_for_text(p, "#train-estimate", "Fits.")
    shot(p, artifacts_dir, "02-settings-and-estimate.png")

    p.click("#train-start")
    wait_for_text(p, "#train-notice", "Started run")
    p.wait_for_function(STEP_JS, arg=6, timeout=TRAIN_TIMEOUT_MS)
    wait_for_text(p, "#train-log", "loss")
    p.wait_for_selector("#train-loss-plot canvas, #train-loss-plot svg")
    shot(p, artifacts_dir, "03-training-live.png")

    p.click("#train-stop")
    wait_for_text(p, "#train-progress", "Stopped", timeout=TRAIN_TIMEOUT_MS)
    wait_for_text(p, "#train-progress", "resume to continue")
    shot(p, artifacts_dir, "04-stopped.png")

    p.click("#train-resume")
    wait_for_text(p, "#train-notice", "Resuming run")
    wait_for_text(p, "#train-progress", "Finished", timeout=TRAIN_TIMEOUT_MS)
    wait_for_text(p, "#train-runs", "tiny@local+tutor@v1+lora@v1")
    shot(p, artifacts_dir, "05-finished.png")

    p.get_by_text("Model card of the watched run").click()
    wait_for_text(p, "#train-card", "Known limits")
    p.get_by_text("Command line").click()
    wait_for_text(p, "#train-command-text", "tutor-studio train --config")
    shot(p, artifacts_dir, "06-card-and-command.png")
    assert p.locator(".toast-body.error").count() == 0
    assert page.app_errors() == []
