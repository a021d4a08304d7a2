"""What the Evaluate tab lists, and an evaluation cancelled through its job."""

from __future__ import annotations

import pytest

from core.evaluate.config import EvalConfig, EvalConfigError
from core.evaluate.job import cancel_evaluation, evaluation_progress, start_evaluation
from core.evaluate.overview import evaluation_overview
from core.evaluate.plan import plan_evaluation
from core.jobs import wait_for_job
from core.store import Store
from core.train.pairs_build import build_preference_dataset
from tests.core.evaluate.conftest import EvalWorkspace
from tests.core.train.preference_seed import QUESTIONS, seed_votes


def test_an_empty_workspace_says_what_to_do_first(store: Store) -> None:
    overview = evaluation_overview(store)

    assert overview.empty
    assert overview.empty_message.startswith("Nothing to evaluate yet: train an adapter in the Train tab")
    assert overview.default_dataset(None) is None
    assert [t.name for t in overview.tasks][:4] == [
        "ts_arithmetic",
        "ts_commonsense",
        "ts_general_knowledge",
        "ts_short_answer",
    ]


def test_the_default_dataset_is_the_one_the_adapter_learned_from(eval_workspace: EvalWorkspace) -> None:
    overview = evaluation_overview(eval_workspace.store)

    assert not overview.empty
    assert [a.id for a in overview.adapters] == [eval_workspace.adapter_id]
    assert overview.default_dataset(eval_workspace.adapter_id) == eval_workspace.dataset.id


def test_preference_datasets_are_not_offered_for_replay(eval_workspace: EvalWorkspace) -> None:
    setup = eval_workspace
    seed_votes(setup.store, count=len(QUESTIONS))
    pairs = build_preference_dataset(setup.store, setup.workspace).dataset

    assert [d.id for d in evaluation_overview(setup.store).datasets] == [setup.dataset.id]
    config = EvalConfig(adapter_ids=(setup.adapter_id,), dataset_id=pairs.id)
    with pytest.raises(EvalConfigError, match="holds preference pairs"):
        plan_evaluation(setup.store, setup.workspace, config)


@pytest.mark.slow
def test_a_cancelled_evaluation_ends_without_a_report(eval_workspace: EvalWorkspace) -> None:
    setup = eval_workspace
    started = start_evaluation(
        setup.store, setup.workspace, checks=("behaviour",), max_conversations=1, max_new_tokens=16
    )

    message = cancel_evaluation(setup.store, started.eval_id)
    job = wait_for_job(setup.store, started.job.id, timeout_s=240)

    assert "Cancel" in message or "not running" in message
    assert job.state == "cancelled", job.error
    progress = evaluation_progress(setup.store, started.eval_id)
    assert progress.report is None and progress.problem
    listing = evaluation_overview(setup.store).evaluations[0]
    assert listing.record.id == started.eval_id and listing.state == "cancelled"
    assert evaluation_overview(setup.store).reports == []
