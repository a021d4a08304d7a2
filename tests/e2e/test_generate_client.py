"""The Generate tab's endpoints through gradio_client against the running studio: the plan, a preview from
the template teacher and from an HTTP teacher, a full run polled to the end, cancel/resume answers, and
the tutor policy saved and restored."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from core.documents.ingest import load_demo_course
from core.generate.intents import DEFAULT_WEIGHTS, INTENTS
from core.generate.status import source_documents
from core.jobs import wait_for_job
from core.policy import current_policy, default_policy
from core.store import Store
from tests.core.generate.scripted import teacher_reply
from tests.support.openai_server import OpenAITestServer
from tests.support.studio_server import StudioProcess

pytestmark = pytest.mark.slow
WEIGHTS = [DEFAULT_WEIGHTS[i] for i in INTENTS]


@pytest.fixture(scope="module")
def client(studio: StudioProcess) -> Client:
    store = Store.open(studio.workspace)
    for outcome in load_demo_course(store, studio.workspace):
        if outcome.job_id:
            wait_for_job(store, outcome.job_id, timeout_s=300)
    return Client(studio.url, verbose=False)


@pytest.fixture(scope="module")
def documents(studio: StudioProcess, client: Client) -> list[str]:
    return [d.id for d in source_documents(Store.open(studio.workspace)) if d.name == "fractions.md"]


def config(
    documents: list[str], kind: str = "template", url: str = "", model: str = "", per_chunk: int = 1
) -> list[Any]:
    return [documents, [], kind, url, model, "", "", per_chunk, 4, *WEIGHTS]


def test_the_plan_counts_the_conversations(client: Client, documents: list[str]) -> None:
    _chunks, plan = client.predict(documents, [], 3, api_name="/describe_selection")
    assert re.search(r"\*\*21 conversations\*\* will be written: 7 chunks", plan)


def test_a_template_preview_shows_three_conversations(client: Client, documents: list[str]) -> None:
    html = client.predict(*config(documents), api_name="/preview_generation")
    assert html.count('class="generate-card"') == 3 and "Student:" in html and "Tutor:" in html


def test_an_http_teacher_previews_through_the_studio(
    client: Client, documents: list[str], openai_server: OpenAITestServer
) -> None:
    openai_server.reply_fn = teacher_reply
    html = client.predict(
        *config(documents, "openai", openai_server.base_url, "test-model"), api_name="/preview_generation"
    )
    assert html.count('class="generate-card"') == 3 and "Kept" in html
    assert len(openai_server.chat_bodies) >= 6


def test_a_missing_model_name_is_an_error_with_the_fix(client: Client, documents: list[str]) -> None:
    with pytest.raises(AppError, match="Name the model the server should use"):
        client.predict(
            *config(documents, "openai", "http://127.0.0.1:8000/v1", ""), api_name="/preview_generation"
        )


def test_a_run_is_started_and_polled_to_the_end(client: Client, documents: list[str]) -> None:
    notice, run = client.predict(*config(documents, per_chunk=2), api_name="/start_generation")
    assert notice.startswith("Started: 14 conversations from 7 chunks")
    run_id = run["value"] if isinstance(run, dict) else run
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        outputs = client.predict(run_id, documents, "", [], api_name="/generate_status")
        progress = next(o for o in outputs if isinstance(o, str) and 'id="generate-status"' in o)
        if "<b>Done</b>" in progress:
            break
        time.sleep(1)
    assert "<b>Done</b>" in progress and "14 / 14" in progress
    kept = int(re.search(r'generate-count-kept">(\d+)<', progress).group(1))  # type: ignore[union-attr]
    assert kept > 0 and any(isinstance(o, str) and "Tutor:" in o for o in outputs)
    with pytest.raises(AppError, match="not running"):
        client.predict(run_id, api_name="/cancel_generation")
    with pytest.raises(AppError, match="Nothing left to do"):
        client.predict(run_id, api_name="/resume_generation")


def test_the_policy_is_saved_and_restored(client: Client, studio: StudioProcess) -> None:
    edited = default_policy() + "\n11. Always use metric units."
    text, notice = client.predict(edited, api_name="/save_policy")
    assert text == edited and "Compare and Evaluate use this policy" in notice
    assert current_policy(Store.open(studio.workspace)) == edited
    with pytest.raises(AppError, match="only 5 characters"):
        client.predict("short", api_name="/save_policy")
    text, notice = client.predict(api_name="/reset_policy")
    assert text == default_policy() and "default" in notice
