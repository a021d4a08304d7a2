"""GenerationSummary: what one generation job did, as `tutor-studio generate --json` prints it.

    summary = run_summary(store, workspace, run_id, job)
    summary.kept, summary.remaining, summary.substance.warnings
    summary.model_dump(mode="json")      # the CLI's JSON object, keys in this order

Counts of this job (generated, kept, filtered, failed) beside what the whole run still has to write.
"""

from __future__ import annotations

from pydantic import BaseModel

from core.generate.quality import SubstanceFigures, run_substance
from core.generate.records import get_run, item_counts, reason_counts
from core.generate.status import nothing_kept_explanation
from core.jobs import Job
from core.paths import Workspace
from core.store import Store


class SubstanceSummary(BaseModel):
    """How the kept conversations read: what a tutor trained on them will learn (core/generate/quality.py)."""

    conversations: int
    tutor_turns: int
    specific: int | float  # int | float keeps a whole 0 as 0 in the JSON, as the figures give it
    top_opening: int | float
    ungrounded: int
    unfair_praise: int
    warnings: list[str]

    @classmethod
    def from_figures(cls, figures: SubstanceFigures) -> SubstanceSummary:
        return cls.model_validate(figures.to_dict())


class GenerationSummary(BaseModel):
    job: str
    run: str
    state: str
    outcome: str | None  # succeeded_with_failures when some items failed
    generated: int  # items this job finished
    kept: int
    filtered: int
    failed: int
    remaining: int  # items of the run still pending or failed: what --resume would write
    seconds: int | float
    reasons: dict[str, int]  # filtered and failed items of the run per reason
    error: str | None
    substance: SubstanceSummary
    explanation: str = ""  # why a finished run kept nothing and what to do; "" when something was kept


def run_summary(store: Store, workspace: Workspace, run_id: str, job: Job) -> GenerationSummary:
    result = job.result or {}
    counts = item_counts(store, run_id, job.id)
    run_counts = item_counts(store, run_id)
    run = get_run(store, run_id)
    return GenerationSummary(
        job=job.id,
        run=run_id,
        state=job.state,
        outcome=job.outcome,
        generated=counts["kept"] + counts["filtered"] + counts["failed"],
        kept=counts["kept"],
        filtered=counts["filtered"],
        failed=counts["failed"],
        remaining=run_counts["pending"] + run_counts["failed"],
        seconds=result.get("seconds", round(job.elapsed_s(), 2)),
        reasons=reason_counts(store, run_id),
        error=job.error,
        substance=SubstanceSummary.from_figures(run_substance(store, workspace, run_id)),
        explanation=nothing_kept_explanation(store, run) if run and not job.is_active else "",
    )
