"""The offline template teacher on the shipped demo course: real documents converted by Docling, then
policy-following conversations that the dataset's own validation accepts."""

from __future__ import annotations

import pytest

from core.documents.ingest import load_demo_course
from core.documents.records import list_chunks
from core.generate.config import SynthConfig
from core.generate.records import recent_items
from core.generate.status import run_status
from core.jobs import wait_for_job
from core.paths import Workspace
from core.review.records import get_example
from core.review.validation import ValidationRules, check_messages
from core.store import Store
from tests.core.generate.conftest import run_in_process

pytestmark = pytest.mark.slow


def test_the_template_teacher_writes_valid_conversations_from_the_demo_course(
    store: Store, workspace: Workspace
) -> None:
    for outcome in load_demo_course(store, workspace):
        assert outcome.job_id is not None
        assert wait_for_job(store, outcome.job_id, timeout_s=300).state == "succeeded"
    chunks = list_chunks(store, include_excluded=False)
    assert len(chunks) >= 25
    run_id, report = run_in_process(store, workspace, SynthConfig(per_chunk=2, seed=11))
    assert report["failed"] == 0 and report["kept"] >= 25
    status = run_status(store, run_id, latest=report["kept"])
    assert set(status.reasons) <= {"no_fact", "duplicate"}
    kept_chunks = {e.chunk_id for e in status.latest_kept}
    assert len(kept_chunks) >= len(chunks) // 2
    for item in recent_items(store, run_id, ("kept",), limit=100):
        example = get_example(store, item.example_id or "")
        assert example is not None
        issues, _ = check_messages(example.messages, ValidationRules(), f"Example {example.id}")
        assert issues == [] and example.verdict_state == "passed"
        assert example.messages[0]["role"] == "user" and example.messages[-1]["role"] == "assistant"
