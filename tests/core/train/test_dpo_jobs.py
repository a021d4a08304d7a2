"""Preference tuning as a background job, like SFT: the Train tab's and the CLI's way in, stop and resume,
and the refusals that say what to do first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.cli import main
from core.jobs import get_job, read_metrics, wait_for_job
from core.paths import Workspace
from core.store import Store
from core.train.dpo_config import PreferenceConfig, load_run_config
from core.train.dpo_runs import plan_preference_training, preference_choices, start_preference_training
from core.train.records import get_adapter, get_run
from core.train.runs import resume_training, stop_training
from core.train.sft_config import TrainingError
from core.train.status import run_view
from tests.core.train.test_dpo import dpo_config, lineage  # noqa: F401 (the fixture)
from tests.core.train.test_train_jobs import training_step, wait_until

pytestmark = pytest.mark.slow
JOB_TIMEOUT_S = 300


def test_a_dpo_job_trains_and_its_curves_show_reward_margins(
    tiny_workspace: Workspace,
    store: Store,
    lineage: dict[str, Any],  # noqa: F811
) -> None:
    started = start_preference_training(store, tiny_workspace, dpo_config(lineage, max_steps=8))
    assert started.job.kind == "train" and started.job.resource == "gpu"
    assert started.job.title.startswith("DPO-tune")
    assert isinstance(load_run_config(started.run.path / "run.yaml"), PreferenceConfig)
    job = wait_for_job(store, started.job.id, timeout_s=JOB_TIMEOUT_S)
    assert job.state == "succeeded", job.error
    run = get_run(store, started.run.id)
    assert run is not None and run.status == "succeeded" and run.adapter_id
    adapter = get_adapter(store, run.adapter_id)
    assert adapter is not None and adapter.method == "dpo"
    view = run_view(store, tiny_workspace, run.id)
    assert view is not None and any(r.reward_margin is not None for r in view.metrics)
    assert any("loss" in r for r in read_metrics(tiny_workspace, started.job.id))


def test_stop_then_resume_continues_the_dpo_run(
    tiny_workspace: Workspace,
    store: Store,
    lineage: dict[str, Any],  # noqa: F811
) -> None:
    started = start_preference_training(
        store, tiny_workspace, dpo_config(lineage, max_steps=300, save_steps=100)
    )
    wait_until(lambda: training_step(store, started.job.id) >= 3)
    assert "saves a checkpoint" in stop_training(store, tiny_workspace, started.run.id)
    assert wait_for_job(store, started.job.id, timeout_s=JOB_TIMEOUT_S).state == "stopped"
    resumed = resume_training(store, tiny_workspace, started.run.id)
    assert "from its checkpoint at step" in resumed.notice
    assert get_job(store, resumed.job.id).target == "core.train.dpo_job:preference_job"
    wait_until(lambda: training_step(store, resumed.job.id) >= 1)
    stop_training(store, tiny_workspace, started.run.id)
    assert wait_for_job(store, resumed.job.id, timeout_s=JOB_TIMEOUT_S).state == "stopped"


def test_planning_refuses_with_what_to_do_first(tiny_workspace: Workspace, store: Store) -> None:
    with pytest.raises(TrainingError, match="train a supervised adapter first"):
        plan_preference_training(store, tiny_workspace, PreferenceConfig())
    assert preference_choices(store).adapters == []


def test_the_plan_takes_the_parents_shape_and_estimates_the_run(
    tiny_workspace: Workspace,
    store: Store,
    lineage: dict[str, Any],  # noqa: F811
) -> None:
    plan = plan_preference_training(store, tiny_workspace, PreferenceConfig(lora_rank=64))
    assert plan.parent.id == lineage["parent"] and plan.dataset.id == "preferences@v1"
    assert plan.config.lora_rank == 8 and plan.config.base == "tiny"  # the parent adapter's rank, not 64
    assert plan.problem is None and plan.estimate is not None and plan.estimate.steps > 0
    assert "parent_adapter: " + lineage["parent"] in plan.yaml


def test_cli_trains_dpo_from_an_adapter_building_the_preference_dataset(
    tiny_workspace: Workspace,
    store: Store,
    lineage: dict[str, Any],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["train", "--workspace", str(tiny_workspace.root), "--json", "--method", "dpo"]
    argv += ["--from", lineage["parent"], "--max-steps", "4", "--preset", "quick", "--beta", "0.2"]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    assert data["method"] == "dpo" and data["parent_adapter"] == lineage["parent"]
    assert data["adapter_id"].endswith("+dpo@v1") and data["steps"] == 4
    assert data["dataset"] == "preferences@v1" and data["reward_margin"] is not None
    assert "Nothing changed since preferences@v1" in captured.err  # reused the version the fixture built
    config = load_run_config(Path(data["run_folder"]) / "run.yaml")
    assert isinstance(config, PreferenceConfig) and config.beta == 0.2


def test_cli_refuses_preference_options_without_a_method(
    tiny_workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["train", "--workspace", str(tiny_workspace.root), "--from", "x", "--json"])
    assert code == 2 and "need --method dpo or orpo" in capsys.readouterr().err
