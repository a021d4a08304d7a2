"""The formatting every tab shares: durations, sizes, and the Jobs panel's table and labels."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.jobs import Job, JobStatus
from studio.display import format_bytes, format_duration, job_choice_label, job_progress_html, jobs_table_html

RUNNING = Job(
    id="job_0123456789", kind="train", title="Train <tiny>", target="core.train.sft_job:train_job", params={},
    state="running", resource="gpu", pid=42, pid_started_at=1.0, created_at=100.0, started_at=100.0,
    finished_at=None, heartbeat_at=160.0, progress_done=25, progress_total=100, message="step 25 of 100",
    result=None, error=None, stop_requested=None, stop_requested_at=None, grace_s=20.0, resumes=None,
)  # fmt: skip


@pytest.mark.parametrize(
    ("seconds", "text"), [(None, ""), (0.4, "0s"), (42, "42s"), (185, "3m 05s"), (7800, "2h 10m")]
)
def test_durations_read_like_a_clock(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(("size", "text"), [(512, "512 B"), (2048, "2.0 KB"), (260 * 1024**2, "260.0 MB")])
def test_sizes_pick_their_unit(size: float, text: str) -> None:
    assert format_bytes(size) == text


def test_a_running_job_shows_its_share_done_and_the_time_left() -> None:
    cell = job_progress_html(JobStatus(RUNNING, None), at=160.0)
    assert 'value="0.250"' in cell and "25%" in cell and "3m 00s left" in cell


def test_a_queued_job_shows_its_place_in_the_queue() -> None:
    queued = replace(RUNNING, state="queued", started_at=None, progress_done=0)
    assert "#2 in queue" in job_progress_html(JobStatus(queued, 2))


def test_the_jobs_table_escapes_titles_and_shows_the_error_of_a_failed_job() -> None:
    failed = replace(
        RUNNING, state="failed", finished_at=190.0, error="Out of memory: pick the quick preset."
    )
    table = jobs_table_html([JobStatus(failed, None)], at=200.0)
    assert "Train &lt;tiny&gt;" in table and "<tiny>" not in table
    assert "Out of memory: pick the quick preset." in table and ">Failed<" in table and "1m 30s" in table


def test_an_empty_jobs_table_says_what_will_appear_there() -> None:
    assert "No background jobs yet" in jobs_table_html([])


def test_the_job_picker_names_the_job_its_state_and_its_id() -> None:
    assert job_choice_label(JobStatus(RUNNING, None)) == "Train <tiny> (running) · job_0123456789"
