"""The Train tab's formatting: the settings form round trip, dataset and run choices, the live progress,
the loss/learning-rate/speed/reward curves, the runs table and the poll's section keys."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from core.review.records import Dataset
from core.train.records import Adapter, Run
from core.train.sft_config import TrainConfig
from core.train.status import RunRow, RunView, TrainingOverview
from core.train.summary import MetricRecord, RunSummary
from studio.tabs.train import display as show
from studio.tabs.train import preference_display as pref_show

RUN = Run(
    id="run_0123456789", job_id="job_1", method="sft", base_model="tiny", dataset_id="tutor@v1",
    parent_adapter_id=None, config={}, folder="/ws/runs/run_0123456789", status="running",
    created_at=0.0, updated_at=5.0,
)  # fmt: skip
ADAPTER = Adapter(
    id="tiny@local+tutor@v1+lora@v1", run_id=RUN.id, base_model="tiny", base_revision="local",
    dataset_id="tutor@v1", method="sft", version=1, path="/ws/runs/a", size_bytes=2048, metrics={},
    card_path=None, created_at=0.0, deleted_at=None,
)  # fmt: skip
FINISHED = RunSummary(steps=12, total_steps=12, final_loss=1.23456, eval_loss=1.5, tokens_per_second=321.6)


def dataset(dataset_id: str, manifest: dict) -> Dataset:
    return Dataset(
        id=dataset_id, name=dataset_id.split("@")[0], version=1, kind="sft", seed=1, system_prompt=None,
        manifest=manifest, manifest_hash="h", path="/ws/datasets/x", created_at=0.0,
    )  # fmt: skip


def view(status: str = "running", **changes: object) -> RunView:
    values: dict[str, object] = dict(
        run=RUN, status=status, job=None, summary=RunSummary(engine_reason="plain <peft>"),
        metrics=[MetricRecord(step=2, loss=2.0, learning_rate=1e-4, tokens_per_second=300.0, time=10.0)],
        step=2, total_steps=8, eta_s=90.0, message="step 2 of 8", log_tail="", checkpoint_step=None,
        adapter=None,
    )  # fmt: skip
    return RunView(**{**values, **changes})  # type: ignore[arg-type]


def test_the_settings_form_round_trips_a_config() -> None:
    config = TrainConfig.from_preset("quick", max_steps=None, eval_steps=None)
    values = show.form_values(config)
    assert values[show.FORM_FIELDS.index("max_steps")] == 0  # 0 means "use the epochs"
    again = show.config_from_form("tutor@v1", "tiny", "quick", values)
    assert again == config.model_copy(update={"base": "tiny", "dataset": "tutor@v1"})


def test_dataset_choices_show_the_split_sizes_and_keep_a_still_offered_pick() -> None:
    choices = show.dataset_choices([dataset("tutor@v2", {"counts": {"train": 24, "validation": 6}})])
    assert choices == [("tutor@v2 · 24 train / 6 validation", "tutor@v2")]
    assert show.pick_choice("tutor@v2", choices) == "tutor@v2"
    assert show.pick_choice("tutor@v1", choices) == "tutor@v2"  # gone: the newest is picked
    assert show.pick_choice("tutor@v1", []) is None


def test_progress_shows_step_eta_status_and_the_engine_escaped() -> None:
    html = show.progress_html(view())
    assert "Step 2 of 8" in html and "1m 30s left" in html and "Training" in html
    assert "Engine: plain &lt;peft&gt;" in html and 'value="0.250"' in html
    done = show.progress_html(view("succeeded", adapter=ADAPTER, eta_s=None))
    assert "Finished" in done and ADAPTER.id in done and "left" not in done
    assert "No training runs yet" in show.progress_html(None)


def test_loss_curves_keep_both_series_in_the_legend_before_any_validation() -> None:
    metrics = [
        MetricRecord(step=2, loss=2.123456),
        MetricRecord(step=4, loss=1.5),
        MetricRecord(step=4, eval_loss=1.7),
    ]
    frame = show.loss_frame(metrics[:2])
    assert list(frame["loss"])[:2] == [2.1235, 1.5] and set(frame["series"]) == {"Training", "Validation"}
    assert math.isnan(frame[frame["series"] == "Validation"]["loss"].iloc[0])
    both = show.loss_frame(metrics)
    assert both[both["series"] == "Validation"]["loss"].tolist() == [1.7]
    assert show.loss_frame([]).dtypes["step"] == "int64"


def test_rate_and_speed_plots_take_only_the_records_that_measured_them() -> None:
    metrics = [MetricRecord(step=2, learning_rate=1e-4), MetricRecord(step=3, tokens_per_second=250.0)]
    assert show.rate_frame(metrics).to_dict("records") == [{"step": 2, "learning rate": 1e-4}]
    assert show.speed_frame(metrics).to_dict("records") == [{"step": 3, "tokens/s": 250.0}]


def test_runs_table_lists_adapter_losses_size_and_ids_row_for_row() -> None:
    finished = RunRow(replace(RUN, status="succeeded"), "succeeded", ADAPTER, FINISHED)
    waiting = RunRow(replace(RUN, id="run_b"), "queued", None, RunSummary())
    frame = show.runs_frame([finished, waiting])
    assert list(frame.columns) == show.RUN_COLUMNS
    first = frame.iloc[0].to_dict()
    assert first["Status"] == "Finished" and first["Adapter"] == ADAPTER.id and first["Steps"] == "12 / 12"
    assert first["Train loss"] == "1.235" and first["Tokens/s"] == "322" and first["Size"] == "2.0 KB"
    assert frame.iloc[1]["Steps"] == "" and frame.iloc[1]["Status"] == "Waiting"
    assert show.run_ids([finished, waiting]) == [RUN.id, "run_b"]
    assert show.run_choices([waiting])[0][0] == "run_b · Waiting · tiny on tutor@v1"


def test_poll_keys_change_only_with_their_section() -> None:
    overview = TrainingOverview(view(), [RunRow(RUN, "running", None, RunSummary())], [], "card")
    keys = show.poll_keys(overview)
    assert show.changed_sections(None, keys) == dict.fromkeys(keys, True)
    more = view(metrics=[*view().metrics, MetricRecord(step=4, loss=1.0)])
    changed = show.changed_sections(keys, show.poll_keys(replace(overview, view=more)))
    assert changed == {"metrics": True, "runs": False, "card": False, "datasets": False}


def test_reward_curves_show_every_series_and_appear_only_for_preference_runs() -> None:
    metrics = [
        MetricRecord(step=1, loss=0.7),
        MetricRecord(step=2, reward_margin=0.123456, reward_chosen=0.2),
    ]
    frame = pref_show.reward_frame(metrics)
    assert set(frame["series"]) == set(pref_show.REWARD_COLORS)
    margin = frame[frame["series"] == "Margin (chosen − rejected)"]
    assert margin["reward"].tolist() == [0.1235] and margin["step"].tolist() == [2]
    assert pref_show.has_rewards(metrics) and not pref_show.has_rewards(metrics[:1])


def test_preference_dataset_choices_name_pairs_and_sources() -> None:
    manifest = {"counts": {"train": 9, "test": 2}, "sources": {"votes": 6, "leaks": 3, "edits": 0}}
    choices = pref_show.dataset_choices([dataset("preferences@v1", manifest)])
    assert choices == [("preferences@v1 · 9 train pairs (6 votes, 3 leaks)", "preferences@v1")]


@pytest.mark.parametrize(("message", "cls"), [("Needs a GPU <now>", "ts-warning")])
def test_errors_are_escaped_in_the_estimate_panels(message: str, cls: str) -> None:
    for html in (show.error_html(message), pref_show.error_html(message)):
        assert "Needs a GPU &lt;now&gt;" in html and cls in html
