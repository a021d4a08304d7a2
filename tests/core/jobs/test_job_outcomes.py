"""A job that counts its items ends honestly: all failed -> failed, some -> succeeded with failures.

The runner reads the `items` counts of a job's result; the Jobs panel and `tutor-studio jobs` show the
outcome, so a partly failed run never looks like a clean one.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.jobs import Job, JobStatus
from core.jobs.runner import _final_message, _outcome
from studio.display import job_choice_label, jobs_table_html


def finished_job(state: str, result: dict[str, Any] | None) -> Job:
    return Job(
        id="job_0123456789", kind="generate", title="Generate 10 conversations", target="core.generate.job:generate_job",
        params={}, state=state, resource=None, pid=None, pid_started_at=None, created_at=1.0, started_at=2.0,
        finished_at=9.0, heartbeat_at=9.0, progress_done=10, progress_total=10, message="Finished.",
        result=result, error=None, stop_requested=None, stop_requested_at=None, grace_s=15.0, resumes=None,
    )  # type: ignore[arg-type]  # fmt: skip


@pytest.mark.parametrize(
    ("items", "state"),
    [
        ({"total": 10, "failed": 10}, "failed"),
        ({"total": 10, "failed": 3}, "succeeded"),
        ({"total": 10, "failed": 0}, "succeeded"),
        ({"total": 0, "failed": 0}, "succeeded"),  # nothing to do is not a failure
    ],
)
def test_a_job_whose_every_item_failed_ends_failed(items: dict[str, int], state: str) -> None:
    found, error = _outcome({"items": items})
    assert found == state
    assert (error is not None) == (state == "failed")


def test_results_without_item_counts_keep_their_plain_success() -> None:
    assert _outcome({"steps": 4}) == ("succeeded", None)
    assert _outcome(None) == ("succeeded", None)


def test_some_failed_items_read_as_succeeded_with_failures_with_counts() -> None:
    job = finished_job("succeeded", {"items": {"total": 10, "failed": 3}})
    assert job.outcome == "succeeded_with_failures" and job.item_failures == (3, 10)
    assert _final_message("succeeded", None, job.result) == "Finished with failures: 3 of 10 items failed."  # type: ignore[arg-type]
    assert finished_job("succeeded", {"items": {"total": 10, "failed": 0}}).outcome == "succeeded"
    assert finished_job("failed", {"items": {"total": 10, "failed": 10}}).outcome == "failed"


def test_the_jobs_panel_tells_a_partial_success_from_a_clean_one() -> None:
    partial = JobStatus(finished_job("succeeded", {"items": {"total": 10, "failed": 3}}), None)
    clean = JobStatus(finished_job("succeeded", {"items": {"total": 10, "failed": 0}}), None)
    assert "Done, some failed" in jobs_table_html([partial]) and "ts-badge-succeeded_with_failures" in (
        jobs_table_html([partial])
    )
    assert "Done, some failed" not in jobs_table_html([clean]) and ">Done<" in jobs_table_html([clean])
    assert "(done, some failed)" in job_choice_label(partial)
