"""What the Evaluate tab lists: adapters, dataset versions with a test split, earlier evaluations, tasks.

    overview = evaluation_overview(store)
    overview.empty                    # True: nothing to evaluate yet (no adapter, or no test split)
    overview.default_dataset(adapter_id)   # the version that adapter was trained on
    overview.evaluations              # newest first, with their job's state

It only reads the store, so the tab can poll it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.evaluate.config import NOTHING_TO_EVALUATE
from core.evaluate.judge import JudgeConfig, teacher_judge
from core.evaluate.lm_tasks import TaskInfo, task_catalogue
from core.evaluate.records import EvalRecord, list_evals
from core.jobs import Job, find_job
from core.review.records import Dataset, list_datasets
from core.store import Store
from core.train.records import Adapter, list_adapters


@dataclass(frozen=True)
class EvalListing:
    record: EvalRecord
    job: Job | None

    @property
    def state(self) -> str:
        """finished | running | queued | failed | cancelled | stopped | interrupted."""
        if self.record.has_report:
            return "finished"
        if self.job is None:
            return "failed"
        return "running" if self.job.state in ("starting", "running") else self.job.state


@dataclass(frozen=True)
class EvalOverview:
    adapters: list[Adapter]  # newest first
    datasets: list[Dataset]  # versions with at least one test conversation, newest first
    evaluations: list[EvalListing]
    tasks: list[TaskInfo]
    teacher_judge: JudgeConfig | None

    @property
    def empty(self) -> bool:
        return not self.adapters or not self.datasets

    @property
    def empty_message(self) -> str:
        return NOTHING_TO_EVALUATE

    def default_dataset(self, adapter_id: str | None) -> str | None:
        """The version the adapter was trained on when it is still here, else the newest with a test split."""
        ids = [d.id for d in self.datasets]
        adapter = next((a for a in self.adapters if a.id == adapter_id), None)
        if adapter is not None and adapter.dataset_id in ids:
            return adapter.dataset_id
        return ids[0] if ids else None

    @property
    def reports(self) -> list[EvalListing]:
        return [e for e in self.evaluations if e.state == "finished"]


def evaluation_overview(store: Store, limit: int = 50) -> EvalOverview:
    # Preference datasets hold pairs, not conversations to replay.
    datasets = [d for d in list_datasets(store, "sft") if (d.manifest.get("counts") or {}).get("test")]
    evaluations = [EvalListing(r, find_job(store, r.job_id)) for r in list_evals(store, limit=limit)]
    return EvalOverview(list_adapters(store), datasets, evaluations, task_catalogue(), teacher_judge(store))
