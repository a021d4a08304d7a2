"""A teacher ships a tutor in a real browser: the empty Deploy tab, an adapter's lineage, a vLLM export with
its download and serve.sh, an Ollama export, a hosted fine-tuning job against a local test server, and a
parity check that first agrees and then catches drift.

Screenshots land in tests/artifacts/test_teacher_exports_a_tutor_and_checks_the_server/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.deploy.parity import parity_prompts, studio_replies, studio_variants
from core.inference.backend import GenerationConfig
from core.models.spec import ResolvedBase
from core.paths import Workspace
from core.store import Store
from core.train.pairs_build import build_preference_dataset
from core.train.records import get_adapter
from tests.core.deploy.conftest import register_dpo_adapter
from tests.core.evaluate.helpers import build_test_dataset, ensure_tiny, register_adapter
from tests.core.train.preference_seed import seed_all
from tests.e2e.conftest import PageWatch
from tests.support.openai_server import OpenAITestServer
from tests.support.studio_server import StudioProcess, running_studio

pytestmark = [pytest.mark.browser, pytest.mark.slow]

JOB_TIMEOUT_MS = 300_000
KEY_ENV = "STUDIO_E2E_FT_KEY"


@pytest.fixture(scope="module")
def fresh_studio(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Iterator[StudioProcess]:
    """A studio of its own (empty workspace) whose environment holds a fine-tuning API key variable."""
    workspace = Workspace(tmp_path_factory.mktemp("deploy") / "studio-home").ensure()
    ensure_tiny(workspace, tiny_model_dir)
    with running_studio(workspace, env={KEY_ENV: "sk-e2e"}) as studio:
        yield studio


def seed(workspace: Workspace, tiny_model_dir: Path, tiny_adapter_dir: Path) -> tuple[str, str]:
    store = Store.open(workspace)
    try:
        dataset = build_test_dataset(store, workspace, tiny_model_dir)
        sft = register_adapter(store, workspace, tiny_adapter_dir, dataset)
        seed_all(store)
        build_preference_dataset(store, workspace)  # preferences@v1, what the DPO adapter learnt from
        return sft, register_dpo_adapter(store, workspace, sft, dataset, tiny_model_dir)
    finally:
        store.close()


def studio_answers(workspace: Workspace, adapter_id: str, tokens: int, prompts: int) -> dict[str, str]:
    """What the studio's side of the parity check will answer (the same backend code, the same weights)."""
    from core.inference.transformers_backend import TransformersBackend

    store = Store.open(workspace)
    adapter = get_adapter(store, adapter_id)
    assert adapter is not None
    base = ResolvedBase("tiny", "tiny", str(workspace.models_dir / "tiny"), "tiny")
    backend = TransformersBackend(workspace, base=base)
    variants = studio_variants(store, adapter)
    config = GenerationConfig(max_new_tokens=tokens, temperature=0.0)
    try:
        return {
            p.message: studio_replies(backend, variants, p.message, config)[0]
            for p in parity_prompts(store, adapter, prompts, True)
        }
    finally:
        store.close()


def set_text(page: Any, element: str, value: str) -> None:
    box = page.locator(f"{element} input, {element} textarea").first
    box.fill(value)
    box.press("Tab")


def choose(page: Any, element: str, label: str) -> None:
    page.locator(f"{element} label").filter(has_text=re.compile(re.escape(label))).first.click()


def has_text(page: Any, element: str, text: str) -> None:
    page.wait_for_function(
        "([sel, text]) => (document.querySelector(sel)?.innerText || '').includes(text)", arg=[element, text]
    )


def export_and_wait(page: Any, previous: str) -> str:
    """Press Export; returns the job id once that job's export is shown."""
    page.locator("#deploy-export").click()
    page.wait_for_function(
        # A new job's id, not only a changed text: while the click is pending the notice still shows the old id.
        "old => { const m = document.querySelector('#deploy-notice').innerText.match(/job_[0-9a-f]+/); "
        "return m !== null && !old.includes(m[0]); }",
        arg=previous,
    )
    found = re.search(r"job_[0-9a-f]+", page.inner_text("#deploy-notice"))
    assert found is not None
    job_id = found.group(0)
    page.wait_for_selector(
        f"#deploy-export-job:has-text('{job_id}') .ts-badge-succeeded", timeout=JOB_TIMEOUT_MS
    )
    page.wait_for_selector("#deploy-export-result :text('Exported')", timeout=30_000)
    return job_id


def test_teacher_exports_a_tutor_and_checks_the_server(
    fresh_studio: StudioProcess,
    page: PageWatch,
    artifacts_dir: Path,
    tiny_model_dir: Path,
    tiny_adapter_dir: Path,
    openai_server: OpenAITestServer,
) -> None:
    p = page.page
    p.goto(fresh_studio.url, wait_until="load")
    p.get_by_role("tab", name="Deploy").click()
    p.wait_for_selector("#deploy-empty:has-text('Nothing to deploy yet')")
    assert not p.locator("#deploy-export").is_visible()
    p.screenshot(path=str(artifacts_dir / "01-empty.png"), full_page=True)

    sft_id, dpo_id = seed(fresh_studio.workspace, tiny_model_dir, tiny_adapter_dir)
    p.wait_for_selector("#deploy-export", state="visible", timeout=30_000)  # no reload needed
    p.wait_for_function(
        "id => document.querySelector('#deploy-adapter input').value.includes(id)", arg=dpo_id
    )
    p.wait_for_selector("#deploy-lineage :text('Preference-tuned from')")
    assert sft_id in p.inner_text("#deploy-lineage")
    p.screenshot(path=str(artifacts_dir / "02-ready.png"), full_page=True)

    export_and_wait(p, "")
    result = p.inner_text("#deploy-export-result")
    assert "vllm serve" in result and "kubectl apply -k ." in result
    assert p.locator("#deploy-download a, #deploy-download button").count() > 0  # the zip to download
    preview = p.inner_text("#deploy-preview")
    assert "--enable-lora" in preview and f"{sft_id}=./adapters/" in preview and "--chat-template" in preview
    p.screenshot(path=str(artifacts_dir / "03-vllm-export.png"), full_page=True)

    choose(p, "#deploy-target", "Ollama")
    p.wait_for_selector("#deploy-ollama-mode", state="visible")
    assert not p.locator("#deploy-volume").is_visible()
    export_and_wait(p, p.inner_text("#deploy-notice"))
    p.wait_for_selector("#deploy-preview :text('FROM ./model')")
    assert "ollama create" in p.inner_text("#deploy-export-result")
    p.screenshot(path=str(artifacts_dir / "04-ollama-export.png"), full_page=True)

    openai_server.api_key = "sk-e2e"
    openai_server.script_fine_tuning("validating_files", "running", "succeeded")
    choose(p, "#deploy-target", "OpenAI")
    p.locator("#deploy-hosted input").check()
    set_text(p, "#deploy-api-base", openai_server.base_url)
    set_text(p, "#deploy-key-env", KEY_ENV)
    export_and_wait(p, p.inner_text("#deploy-notice"))
    p.wait_for_selector("#deploy-export-result :text('succeeded')", timeout=120_000)
    assert "ft:gpt-4.1-mini" in p.inner_text("#deploy-export-result")
    assert openai_server.jobs["ftjob-1"]["_body"]["method"] == {"type": "dpo"}  # a DPO adapter: DPO data
    p.screenshot(path=str(artifacts_dir / "05-hosted.png"), full_page=True)

    answers = studio_answers(fresh_studio.workspace, dpo_id, 48, 2)
    openai_server.models = ["tiny", sft_id, dpo_id]
    openai_server.reply_fn = lambda body: answers[body["messages"][-1]["content"]]
    set_text(p, "#deploy-parity-url", openai_server.base_url)
    slider = p.locator("#deploy-parity-prompts input[type=number]")
    slider.fill("2")
    slider.press("Enter")
    p.locator("#deploy-parity-run").click()
    p.wait_for_selector("#deploy-parity-verdict :text('Serving matches the studio')", timeout=JOB_TIMEOUT_MS)
    has_text(p, "#deploy-parity-rows", "test split")
    p.screenshot(path=str(artifacts_dir / "06-parity-agree.png"), full_page=True)

    openai_server.reply_fn = lambda body: "Sure! The answer is 42."
    p.locator("#deploy-parity-run").click()
    p.wait_for_selector("#deploy-parity-verdict :text('Drift')", timeout=JOB_TIMEOUT_MS)
    assert "template drift" in p.inner_text("#deploy-parity-verdict")
    p.locator("#deploy-parity-rows").scroll_into_view_if_needed()
    p.screenshot(path=str(artifacts_dir / "07-parity-drift.png"), full_page=True)

    p.get_by_text("Earlier exports and checks").click()
    has_text(p, "#deploy-exports", "Ollama")
    p.screenshot(path=str(artifacts_dir / "08-history.png"), full_page=True)
    assert p.locator(".toast-body.error").count() == 0
    assert page.app_errors() == []
