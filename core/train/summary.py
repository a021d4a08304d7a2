"""Typed views of what a run leaves behind: its summary (the run row's JSON), its metric records (the jobs'
JSON lines) and the result `tutor-studio train --json` prints. The Train tab and the CLI read these, never
the raw dicts, so the two cannot drift.

    summary = run_summary(run)              # RunSummary: steps, losses, tokens/s, engine, reward margins
    record = MetricRecord.model_validate({"step": 4, "loss": 1.2})
    result = TrainResult.of(run, adapter)   # model_dump(mode="json") is the CLI's --json object
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from core.train.records import Adapter, Run

# JSON keeps ints and floats apart; `int | float` keeps them so (a summary's 12 stays 12, not 12.0).
Number = int | float | None


class RunSummary(BaseModel):
    """The run row's summary: written by the lifecycle (core.train.lifecycle) as a run goes; any key may be
    missing while it runs. Other keys the trainers record are kept (extra="allow")."""

    model_config = ConfigDict(extra="allow", frozen=True)

    method: str | None = None
    steps: int | None = None
    total_steps: int | None = None
    first_loss: Number = None
    final_loss: Number = None
    eval_loss: Number = None
    tokens_per_second: Number = None
    engine: str | None = None
    engine_reason: str | None = None
    first_reward_margin: Number = None
    reward_margin: Number = None
    reward_accuracy: Number = None
    test_reward_margin: Number = None
    test_reward_accuracy: Number = None


def run_summary(run: Run) -> RunSummary:
    return RunSummary.model_validate(run.summary or {})


class MetricRecord(BaseModel):
    """One metric line of a run's job: training records carry a loss, evaluation ones an eval_loss,
    preference runs their rewards."""

    model_config = ConfigDict(extra="allow", frozen=True)

    step: int = 0
    time: float | None = None
    loss: float | None = None
    eval_loss: float | None = None
    learning_rate: float | None = None
    tokens_per_second: float | None = None
    reward_margin: float | None = None
    reward_chosen: float | None = None
    reward_rejected: float | None = None
    eval_reward_margin: float | None = None

    def value(self, name: str) -> float | None:
        """A named measurement of this record (None when it has none)."""
        found = getattr(self, name, None)
        return None if found is None else float(found)


class TrainResult(BaseModel):
    """What `tutor-studio train --json` prints for a finished run (key order is the contract)."""

    run: str
    adapter: str | None
    adapter_id: str | None
    job: str | None
    steps: int | None
    first_loss: Number
    final_loss: Number
    eval_loss: Number
    tokens_per_second: Number
    run_folder: str
    method: str
    parent_adapter: str | None
    dataset: str | None
    first_reward_margin: Number
    reward_margin: Number
    test_reward_margin: Number
    test_reward_accuracy: Number

    @classmethod
    def of(cls, run: Run, adapter: Adapter | None) -> TrainResult:
        summary = run_summary(run)
        return cls(
            run=run.id,
            adapter=adapter.path if adapter else None,
            adapter_id=adapter.id if adapter else None,
            job=run.job_id,
            steps=summary.steps,
            first_loss=summary.first_loss,
            final_loss=summary.final_loss,
            eval_loss=summary.eval_loss,
            tokens_per_second=summary.tokens_per_second,
            run_folder=run.folder,
            method=run.method,
            parent_adapter=run.parent_adapter_id,
            dataset=run.dataset_id,
            first_reward_margin=summary.first_reward_margin,
            reward_margin=summary.reward_margin,
            test_reward_margin=summary.test_reward_margin,
            test_reward_accuracy=summary.test_reward_accuracy,
        )

    def data(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
