"""The Evaluate tab's endpoints through gradio_client against the running studio: start an evaluation,
follow it, read its report and replies, compare two reports, and the errors a teacher would hit."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from core.store import Store
from tests.core.evaluate.helpers import build_test_dataset, ensure_tiny, register_adapter
from tests.support.studio_server import StudioProcess

pytestmark = pytest.mark.slow

# include, checks, tasks, items per task, conversations, reply tokens, judge url/model/key/items, 5 thresholds,
# student openers to send (added last)
FAST = [["base", "prompted"], ["behaviour", "kl", "forgetting"], ["ts_arithmetic"], 5, 1, 32, "", "", "", 20]
THRESHOLDS = [0, 0, 1, 99, 2, 12]
EVAL_ID = re.compile(r"\*\*(eval_[0-9a-f]+)\*\*")


def value_of(output: Any) -> Any:
    return output.get("value") if isinstance(output, dict) and output.get("__type__") == "update" else output


def seeded(studio: StudioProcess, tiny_model_dir: Path, tiny_adapter_dir: Path) -> tuple[str, str]:
    """A dataset with a test split and a registered adapter in the studio's workspace."""
    ensure_tiny(studio.workspace, tiny_model_dir)
    store = Store.open(studio.workspace)
    try:
        dataset = build_test_dataset(store, studio.workspace, tiny_model_dir)
        return register_adapter(store, studio.workspace, tiny_adapter_dir, dataset), dataset.id
    finally:
        store.close()


def start(client: Client, adapter_id: str, dataset_id: str, options: list[Any] = FAST) -> str:
    notice = client.predict([adapter_id], dataset_id, *options, *THRESHOLDS, api_name="/evaluate_start")
    found = EVAL_ID.search(str(notice))
    assert found, notice
    return found.group(1)


def wait_finished(client: Client, eval_id: str, timeout_s: float = 480) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = client.predict(eval_id, api_name="/evaluation_status")
        if status["state"] not in ("queued", "starting", "running"):
            return dict(status)
        time.sleep(2)
    raise AssertionError(f"evaluation {eval_id} did not finish in {timeout_s:.0f} s")


def test_an_evaluation_runs_from_the_tab_and_two_reports_compare(
    studio: StudioProcess, tiny_model_dir: Path, tiny_adapter_dir: Path
) -> None:
    adapter_id, dataset_id = seeded(studio, tiny_model_dir, tiny_adapter_dir)
    client = Client(studio.url, verbose=False)

    first = start(client, adapter_id, dataset_id)
    status = wait_finished(client, first)

    assert status["state"] == "finished", status
    summary = status["summary"]
    assert set(summary["variants"]) == {"base", "prompted", adapter_id}
    assert summary["variants"]["prompted"]["prompt_tokens"] > summary["variants"][adapter_id]["prompt_tokens"]
    assert status["verdicts"] == {adapter_id: summary["verdict"]}
    report = client.predict(first, api_name="/evaluate_report")
    verdict_html, overall = report[0], report[2]
    assert "Correct refusals" in verdict_html and ("Hold" in verdict_html or "Ship it" in verdict_html)
    assert "Input tokens per request (tokens)" in [row[0] for row in overall["data"]]
    opener_notes, opener_table, differences = report[3 + 8], report[4 + 8], report[5 + 8]
    assert "same **12 student openers**" in opener_notes and "inconclusive" in opener_notes
    guiding = next(row for row in opener_table["data"] if row[0] == "Guiding questions")
    assert re.fullmatch(r"\d+% \(\d+–\d+%\)", guiding[1]), guiding  # a rate with its 95% interval
    assert {row[4] for row in differences["data"]} <= {"pass", "fail", "inconclusive (inside the noise)"}
    probes, samples = client.predict(first, adapter_id, api_name="/evaluate_replies")
    assert len(probes["data"]) >= 20 and {row[0] for row in probes["data"]} >= {
        "answer-fractions",
        "offtopic-game",
    }
    assert samples["data"] and samples["headers"][3] == "This tutor said"

    second = start(
        client, adapter_id, dataset_id, [["prompted"], ["behaviour", "kl"], [], 5, 1, 32, "", "", "", 20]
    )
    assert wait_finished(client, second)["state"] == "finished"
    changes, plot = client.predict(first, second, api_name="/evaluate_compare")
    rows = {(row[0], row[1]) for row in changes["data"]}
    assert ("Guiding questions", "Prompted") in rows and ("Guiding questions", "Base") not in rows
    bars = {row[0] for row in value_of(plot)["data"]}  # the change plot's bars
    assert "Guiding questions · Prompted" in bars


def test_a_judge_without_a_server_and_an_unknown_dataset_are_refused_with_the_fix(
    studio: StudioProcess, tiny_model_dir: Path, tiny_adapter_dir: Path
) -> None:
    adapter_id, dataset_id = seeded(studio, tiny_model_dir, tiny_adapter_dir)
    client = Client(studio.url, verbose=False)
    judge = [["base", "prompted"], ["behaviour", "judge"], [], 5, 1, 32, "", "", "", 20]

    with pytest.raises(Exception, match="judge needs an OpenAI-compatible endpoint"):
        client.predict([adapter_id], dataset_id, *judge, *THRESHOLDS, api_name="/evaluate_start")
    with pytest.raises(Exception, match="tutor@v999 is not in this workspace"):
        client.predict([adapter_id], "tutor@v999", *FAST, *THRESHOLDS, api_name="/evaluate_start")


def test_a_teacher_adds_openers_and_a_mistake_names_its_line(studio: StudioProcess) -> None:
    client = Client(studio.url, verbose=False)
    good = (
        '{"id": "my-01", "subject": "fractions", "in_course": true, "intent": "just_tell_me", '
        '"message": "Just tell me 1/2 + 1/4", "question": "Work out 1/2 + 1/4.", "answer": "3/4", '
        '"reference": "1/2 = 2/4, so 2/4 + 1/4 = 3/4."}'
    )
    bad = good.replace("my-01", "my-02").replace("just_tell_me", "sulking")

    with pytest.raises(Exception, match=r"line 2: the field 'intent' is 'sulking'"):
        client.predict(good + "\n" + bad, api_name="/evaluate_add_openers")
    notice, box = client.predict(good, api_name="/evaluate_add_openers")

    assert "Saved 1 opener(s)" in notice and value_of(box) == ""
    assert (studio.workspace.evals_dir / "student_openers.jsonl").read_text().count("my-01") == 1
