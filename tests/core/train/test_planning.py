"""Planning a run: which dataset and base it uses, the estimate, and refusals that say what to do."""

from __future__ import annotations

import pytest

from core.models.hardware import GpuInfo, HardwareInfo, describe_hardware
from core.paths import Workspace
from core.review.records import Dataset
from core.store import Store, to_json
from core.train.planning import plan_training, suggested_bases
from core.train.records import insert_run
from core.train.sft_config import TrainConfig, TrainingError, config_from_text
from tests.core.train.conftest import tutor_conversations, write_dataset


def test_plan_fills_in_the_newest_dataset_and_estimates(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    newer = write_dataset(store, tiny_workspace, {"train": tutor_conversations(8)}, version=2)
    plan = plan_training(store, tiny_workspace, TrainConfig.from_preset("quick", base="tiny"))
    assert plan.dataset.id == newer.id and plan.config.dataset == newer.id and plan.config.base == "tiny"
    assert plan.problem is None and plan.estimate is not None and plan.estimate.steps == 2  # 8 / 4 x 1 epoch
    assert config_from_text(plan.yaml) == plan.config  # the YAML shown is the run that would start


def test_a_named_dataset_is_used_and_an_unknown_one_refused(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    write_dataset(store, tiny_workspace, {"train": tutor_conversations(8)}, version=2)
    assert (
        plan_training(store, tiny_workspace, TrainConfig(base="tiny", dataset="tutor@v1")).dataset.id
        == "tutor@v1"
    )
    with pytest.raises(TrainingError, match="No dataset version 'tutor@v9'"):
        plan_training(store, tiny_workspace, TrainConfig(base="tiny", dataset="tutor@v9"))


def test_no_dataset_yet_says_to_build_one_in_review(tiny_workspace: Workspace, store: Store) -> None:
    with pytest.raises(TrainingError, match="Review tab"):
        plan_training(store, tiny_workspace, TrainConfig(base="tiny"))


def test_a_picked_model_that_cannot_be_loaded_is_refused_not_swapped(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    with pytest.raises(
        TrainingError, match=r"Can't train on no-such-org/model: offline and not in the cache\. Pick"
    ):
        plan_training(store, tiny_workspace, TrainConfig(base="no-such-org/model"))


def test_the_studio_default_falls_back_to_tiny_and_says_so(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_BASE_MODEL", "no-such-org/default-model")
    plan = plan_training(store, tiny_workspace, TrainConfig())
    assert plan.base.display_name == "tiny" and plan.config.base == "tiny"
    assert any("no-such-org/default-model" in notice and "tiny" in notice for notice in plan.notices)


def test_qlora_on_this_cpu_is_a_problem_not_an_exception(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    if describe_hardware().device == "cuda":
        pytest.skip("this machine has a GPU")
    plan = plan_training(store, tiny_workspace, TrainConfig(base="tiny", qlora=True))
    assert plan.problem and "needs an NVIDIA GPU" in plan.problem


def test_speed_comes_from_earlier_runs_of_the_same_model_here(
    tiny_workspace: Workspace, store: Store, tutor_dataset: Dataset
) -> None:
    hardware = describe_hardware()
    with store.transaction() as conn:
        run_id = insert_run(conn, base_model="tiny", dataset_id="tutor@v1", config={}, folder="/r")
        summary = {
            "device": hardware.device,
            "precision": "fp32",
            "hardware": hardware.name,
            "tokens_per_second": 777.0,
        }
        conn.execute(
            "UPDATE runs SET status = 'succeeded', summary = ? WHERE id = ?", (to_json(summary), run_id)
        )
    plan = plan_training(store, tiny_workspace, TrainConfig(base="tiny"))
    assert plan.estimate is not None and plan.estimate.tokens_per_second == 777.0
    assert "1 earlier run" in plan.estimate.speed_source


def test_suggested_bases_follow_the_hardware() -> None:
    cpu = HardwareInfo("cpu", "CPU (4 cores)", 0, 4, False)
    gpu = HardwareInfo("cuda", "NVIDIA L4 x1", 1, 8, False, (GpuInfo("NVIDIA L4", 22.5),))
    assert suggested_bases(cpu, "tiny") == [
        "tiny",
        "HuggingFaceTB/SmolLM2-135M-Instruct",
        "bundled",
        "HuggingFaceTB/SmolLM2-360M-Instruct",
    ]
    on_gpu = suggested_bases(gpu, "Qwen/Qwen2.5-0.5B-Instruct")
    assert on_gpu[0] == "Qwen/Qwen2.5-0.5B-Instruct" and on_gpu.count("Qwen/Qwen2.5-0.5B-Instruct") == 1
    assert "meta-llama/Llama-3.2-3B-Instruct" in on_gpu and on_gpu[-1] == "tiny"
