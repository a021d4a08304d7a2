"""A teacher's walk through the Compare tab in a real browser: three tutors answer side by side, a
conversation goes on in every column, then a blind round is voted on, revealed, and shows on the
leaderboard. Screenshots of each step go to tests/artifacts/<test>/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.paths import Workspace
from core.store import Store
from core.train.records import insert_adapter
from tests.e2e.conftest import PageWatch
from tests.support.studio_server import StudioProcess, running_studio

pytestmark = [pytest.mark.browser, pytest.mark.slow]
REPLY_TIMEOUT_MS = 120_000
REPLY_TOKENS = 48


@pytest.fixture(scope="module")
def compare_studio(
    tmp_path_factory: pytest.TempPathFactory, tiny_adapter_dir: Path
) -> Iterator[StudioProcess]:
    workspace = Workspace(tmp_path_factory.mktemp("compare-browser") / "studio-home").ensure()
    with Store.open(workspace).transaction() as conn:
        insert_adapter(conn, adapter_id="tutor-v1", base_model="tiny", path=str(tiny_adapter_dir), version=1)
    with running_studio(workspace) as studio:
        yield studio


def wait_for_text(page: Any, selector: str, text: str, timeout: int = REPLY_TIMEOUT_MS) -> None:
    page.wait_for_function(
        "([selector, text]) => (document.querySelector(selector)?.innerText || '').includes(text)",
        arg=[selector, text],
        timeout=timeout,
    )


def send_and_wait(page: Any, message: str) -> None:
    page.fill("#compare-message textarea", message)
    page.click("#compare-send")
    for column in range(3):
        wait_for_text(page, f"#compare-chat-{column}", message)
    wait_for_round(page)


def wait_for_round(page: Any) -> None:
    """Until every column's reply is finished (a Send before that waits for the round to end)."""
    page.wait_for_function(
        "() => [0, 1, 2].every(i => /first token|after your vote/.test("
        "document.querySelector(`#compare-usage-${i}`)?.innerText || ''))",
        timeout=REPLY_TIMEOUT_MS,
    )


def test_teacher_compares_three_tutors_and_votes_blind(
    compare_studio: StudioProcess, page: PageWatch, artifacts_dir: Path
) -> None:
    p = page.page
    p.goto(compare_studio.url, wait_until="load")
    p.get_by_role("tab", name="Compare").click()
    p.wait_for_selector("#compare-send", state="visible")
    assert p.input_value("#compare-variant-2 input") == "Adapter tutor-v1"  # the latest adapter, third column
    assert "tiny" in p.inner_text("#compare-answering") and "gibberish" in p.inner_text("#compare-answering")
    p.screenshot(path=str(artifacts_dir / "01-start.png"), full_page=True)
    p.fill("#compare-max-tokens input[type=number]", str(REPLY_TOKENS))  # short replies keep the walk quick
    p.press("#compare-max-tokens input[type=number]", "Enter")

    p.click("#compare-scenario-frustration")
    wait_for_text(p, "#compare-scenario-note", "frustrated student")
    first = p.input_value("#compare-message textarea")
    assert first
    p.click("#compare-send")
    p.wait_for_timeout(300)
    p.screenshot(path=str(artifacts_dir / "02-streaming.png"), full_page=True)
    # A teacher who sends the next message while the round is still being written: it runs next, not lost.
    wait_for_text(p, "#compare-chat-0", first)
    send_and_wait(p, "Can you give me a hint instead?")
    for column in range(3):
        assert first in p.inner_text(f"#compare-chat-{column}")  # each column kept its own history
    usage = [p.inner_text(f"#compare-usage-{i}") for i in range(3)]
    assert all("Input" in u and "first token" in u for u in usage)
    wait_for_text(p, "#compare-savings", "tokens a day")
    p.screenshot(path=str(artifacts_dir / "03-mid-conversation.png"), full_page=True)

    p.get_by_text("Where the tutors run").click()
    p.wait_for_selector("#compare-vllm-command", state="visible")
    command = p.inner_text("#compare-vllm-command")
    assert "vllm serve" in command and "--lora-modules" in command and "tutor-v1=" in command
    p.get_by_text("OpenAI-compatible server (vLLM, Ollama, OpenAI)").click()
    p.wait_for_selector("#compare-server-url", state="visible")
    p.click("#compare-check")
    wait_for_text(p, "#compare-check-result", "is the server running?")  # nothing listens on :8000 here
    p.locator("#compare-serving").screenshot(path=str(artifacts_dir / "03b-serving.png"))
    p.get_by_text("In the studio (transformers)").click()

    p.click("#compare-new")
    wait_for_text(p, "#compare-status", "New conversation")
    assert first not in p.inner_text("#compare-chat-0")

    p.click("#compare-blind label")
    p.wait_for_selector("#compare-contestants", state="visible")
    assert not p.locator("#compare-variant-0").is_visible()
    p.click("#compare-scenario-prompt_injection")
    wait_for_text(p, "#compare-scenario-note", "ignore your instructions")
    p.click("#compare-send")
    p.wait_for_selector("#compare-vote", state="visible", timeout=REPLY_TIMEOUT_MS)
    assert p.inner_text("#compare-title-0") == "Tutor A" and "Adapter" not in p.inner_text("#compare-chat-0")
    assert "after your vote" in p.inner_text("#compare-usage-0")
    p.screenshot(path=str(artifacts_dir / "04-blind-round.png"), full_page=True)

    p.locator("#compare-best").get_by_text("Tutor B").click()
    p.locator("#compare-second").get_by_text("Tutor A").click()
    p.click("#compare-vote-submit")
    wait_for_text(p, "#compare-reveal", "your vote is counted")
    assert "ranked 1st" in p.inner_text("#compare-title-1")
    p.screenshot(path=str(artifacts_dir / "05-revealed.png"), full_page=True)
    p.click("#compare-vote-submit")
    wait_for_text(p, "#compare-reveal", "already counted")

    p.get_by_role("tab", name="Leaderboard").click()
    p.wait_for_selector("#compare-ratings-svg", state="visible")
    wait_for_text(p, "#compare-board-summary", "1 vote on 1 blind comparison")
    p.click("#compare-export")
    wait_for_text(p, "#compare-export-note", "Exported 3 preference pairs")
    p.screenshot(path=str(artifacts_dir / "06-leaderboard.png"), full_page=True)
    assert p.locator(".toast-body.error").count() == 0
    assert page.app_errors() == []
