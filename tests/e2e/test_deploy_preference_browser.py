"""A teacher improves a trained tutor from preferences in a real browser: the Train tab's preference panel
builds a dataset from votes, edits and caught leaks, a DPO run starts from the supervised adapter, its reward
margins are plotted live, and the new adapter appears in the runs table and in the Deploy tab.

Screenshots land in tests/artifacts/test_teacher_preference_tunes_a_tutor_in_the_train_tab/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.paths import Workspace
from core.store import Store
from tests.core.evaluate.helpers import build_test_dataset, ensure_tiny, register_adapter
from tests.core.train.preference_seed import seed_all
from tests.e2e.conftest import PageWatch
from tests.support.studio_server import StudioProcess, running_studio

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RUN_TIMEOUT_MS = 300_000


@pytest.fixture(scope="module")
def fresh_studio(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Iterator[StudioProcess]:
    workspace = Workspace(tmp_path_factory.mktemp("preference") / "studio-home").ensure()
    ensure_tiny(workspace, tiny_model_dir)
    with running_studio(workspace) as studio:
        yield studio


def test_teacher_preference_tunes_a_tutor_in_the_train_tab(
    fresh_studio: StudioProcess,
    page: PageWatch,
    artifacts_dir: Path,
    tiny_model_dir: Path,
    tiny_adapter_dir: Path,
) -> None:
    store = Store.open(fresh_studio.workspace)
    dataset = build_test_dataset(store, fresh_studio.workspace, tiny_model_dir)
    parent = register_adapter(store, fresh_studio.workspace, tiny_adapter_dir, dataset)
    seed_all(store)
    store.close()

    p = page.page
    p.goto(fresh_studio.url, wait_until="load")
    p.get_by_role("tab", name="Train").click()
    p.wait_for_selector("#tab-train", state="visible")
    p.get_by_text("Preference tuning (DPO / ORPO)").click()
    p.wait_for_selector("#train-pref-build", state="visible")
    p.wait_for_function(
        "id => document.querySelector('#train-pref-parent input').value.includes(id)", arg=parent
    )
    p.screenshot(path=str(artifacts_dir / "01-panel.png"), full_page=True)

    p.locator("#train-pref-build").click()
    p.wait_for_selector("#train-pref-build-status :text('Built preferences@v1')")
    assert "6 from votes" in p.inner_text("#train-pref-build-status")
    p.wait_for_function(
        "() => document.querySelector('#train-pref-dataset input').value.includes('preferences@v1')"
    )
    steps = p.locator("#train-pref-steps input")
    steps.fill("6")
    steps.press("Tab")
    p.wait_for_selector("#train-pref-estimate :text('6 steps')")  # not an estimate from before the edit
    p.wait_for_selector("#train-pref-estimate-body :text('Ready.')")
    p.screenshot(path=str(artifacts_dir / "02-ready.png"), full_page=True)

    p.locator("#train-pref-start").click()
    p.wait_for_selector("#train-pref-notice :text('Started DPO run')")
    run_id = re.search(r"run_[0-9a-f]+", p.inner_text("#train-pref-notice"))
    assert run_id is not None
    p.wait_for_selector("#train-reward-plot", state="visible", timeout=RUN_TIMEOUT_MS)
    p.wait_for_selector("#train-progress-body :text('Finished')", timeout=RUN_TIMEOUT_MS)
    p.wait_for_timeout(2500)  # the last poll redraws the plots
    assert "Preference rewards" in p.inner_text("#train-reward-plot")
    assert "dpo@v1" in p.inner_text("#train-progress-body")
    p.screenshot(path=str(artifacts_dir / "03-finished.png"), full_page=True)

    p.get_by_text("Model card of the watched run").click()
    p.wait_for_selector("#train-card :text('Lineage and preference tuning')")
    assert parent in p.inner_text("#train-card")
    p.locator("#train-card").scroll_into_view_if_needed()
    p.screenshot(path=str(artifacts_dir / "04-card.png"))

    p.get_by_role("tab", name="Deploy").click()
    p.wait_for_function(
        "() => (document.querySelector('#deploy-adapter input')?.value || '').includes('dpo@v1')"
    )
    p.wait_for_selector("#deploy-lineage :text('Preference-tuned from')")
    p.screenshot(path=str(artifacts_dir / "05-deploy.png"), full_page=True)
    assert p.locator(".toast-body.error").count() == 0
    assert page.app_errors() == []
