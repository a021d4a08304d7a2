"""The Deploy tab's formatting: lineage, export results and previews, history tables, parity verdicts and rows."""

from __future__ import annotations

from dataclasses import replace

from core.deploy.overview import AdapterSummary, DeployOverview, HostedOutcome, WatchedExport, WatchedParity
from core.deploy.parity import ParityPrompt, ParityReport, ParityRow
from core.deploy.records import ExportRecord, ParityRecord
from core.jobs import Job
from core.train.records import Adapter
from studio.tabs.deploy import display as show

ADAPTER = Adapter(
    id="tiny@local+tutor@v1+lora@v1", run_id="run_1", base_model="tiny", base_revision=None,
    dataset_id="tutor@v1", method="sft", version=1, path="/w/runs/run_1/adapter", size_bytes=2048,
    metrics={}, card_path=None, created_at=1.0, deleted_at=None,
)  # fmt: skip
JOB = Job(
    id="job_0123456789", kind="export", title="Export <tiny>", target="core.deploy.exports:export_job",
    params={}, state="succeeded", resource=None, pid=None, pid_started_at=None, created_at=1.0,
    started_at=1.0, finished_at=2.0, heartbeat_at=None, progress_done=1, progress_total=1,
    message="Exported", result=None, error=None, stop_requested=None, stop_requested_at=None, grace_s=30.0,
    resumes=None,
)  # fmt: skip
EXPORT = ExportRecord(
    id="exp_1", adapter_id=ADAPTER.id, target="vllm", path="/w/exports/tiny-vllm", zip_path="/w/exports/t.zip",
    job_id=JOB.id, created_at=1.0, updated_at=1.0,
    summary={"files": 9, "bytes": 3 * 1024**2, "commands": {"serve": "vllm serve tiny \\\n  --enable-lora", "volume": "configmap"}},
)  # fmt: skip


def row(source: str, agree: bool, cause: str | None = None) -> ParityRow:
    prompt = ParityPrompt(id=f"{source}:0", source=source, message="What is 3 x 4?")  # type: ignore[arg-type]
    server = "What do you think?" if agree else "It is 12."
    return ParityRow(
        prompt=prompt, studio="What do you think?", server=server, agree=agree, shared_words=0, cause=cause
    )


REPORT = ParityReport.of(
    ADAPTER.id,
    "http://127.0.0.1:8000/v1",
    ADAPTER.id,
    "drift",
    [row("test split", True), row("test split", False, "template"), row("probe", False, "no_adapter")],
    "1 of 3 replies are identical. <Likely> cause: ...",
)


def test_the_lineage_names_the_base_the_data_and_the_missing_evaluation() -> None:
    summary = AdapterSummary(ADAPTER, None, "tutor@v1", None, None, None)
    text = show.lineage_markdown(summary)
    assert "base `tiny`" in text and "2.0 KB" in text and "trained on `tutor@v1`" in text
    assert "Not evaluated yet" in text
    assert show.lineage_markdown(None).startswith("Pick an adapter")


def test_a_preference_adapter_names_its_parent_and_both_datasets() -> None:
    dpo = replace(ADAPTER, id="tiny@local+tutor@v1+dpo@v1", method="dpo")
    text = show.lineage_markdown(AdapterSummary(dpo, ADAPTER.id, "tutor@v1", "preferences@v1", "ship", None))
    assert f"Preference-tuned from `{ADAPTER.id}`" in text and "`preferences@v1`" in text
    assert "**SHIP**" in text


def test_the_picked_adapter_is_kept_while_it_exists_else_the_newest() -> None:
    other = replace(ADAPTER, id="other")
    assert show.picked_adapter([other, ADAPTER], ADAPTER.id) == ADAPTER.id
    assert show.picked_adapter([other, ADAPTER], "gone") == "other"
    assert show.picked_adapter([], "gone") is None
    assert show.adapter_choices([ADAPTER]) == [(f"{ADAPTER.id} (SFT)", ADAPTER.id)]


def test_an_export_result_shows_the_first_line_of_each_command_and_the_hosted_job() -> None:
    text = show.export_result_markdown(WatchedExport(JOB, EXPORT))
    assert f"**{ADAPTER.id}** for vLLM server" in text and "`/w/exports/tiny-vllm`" in text
    assert "- serve: `vllm serve tiny \\ …`" in text and "volume" not in text
    hosted = HostedOutcome(job_id="ft_1", status="succeeded", message="Hosted job ft_1: succeeded")
    big = replace(EXPORT, target="openai", zip_path=None, summary={"commands": {}})
    text = show.export_result_markdown(WatchedExport(JOB, big, hosted))
    assert "- Hosted fine-tuning: Hosted job ft_1: succeeded" in text and "Too big to download" in text
    assert (
        show.export_result_markdown(None) == ""
        and show.export_result_markdown(WatchedExport(JOB, None)) == ""
    )


def test_the_preview_gives_the_main_file_its_language_and_label() -> None:
    watched = WatchedExport(JOB, EXPORT, None, "serve.sh", "#!/bin/sh\nvllm serve tiny\n")
    assert show.preview(watched) == ("#!/bin/sh\nvllm serve tiny\n", "shell", "serve.sh (in the download)")
    assert show.preview(None) == ("", None, "The main file of the export")


def test_the_history_tables_show_sizes_targets_and_verdicts() -> None:
    hosted = replace(EXPORT, summary={"hosted_status": "running", "fine_tuned_model": None})
    frame = show.exports_frame([EXPORT, hosted])
    assert list(frame.columns) == show.EXPORT_COLUMNS
    assert frame.iloc[0]["Size"] == "3.0 MB" and frame.iloc[0]["Target"].startswith("vLLM server")
    assert frame.iloc[1]["Hosted job"] == "running" and frame.iloc[1]["Size"] == "0 B"
    check = ParityRecord(
        "par_1", ADAPTER.id, "http://x/v1", ADAPTER.id, None, "close", 0.75, None, {}, created_at=1.0
    )
    checks = show.checks_frame([check])
    assert checks.iloc[0]["Verdict"].startswith("Close") and checks.iloc[0]["Identical"] == "75%"


def test_the_verdict_escapes_the_message_and_gives_the_share_identical() -> None:
    body = show.verdict_html(WatchedParity(JOB, None, REPORT))
    assert "ts-badge-failed" in body and "Drift: serving answers differently" in body
    assert "33% identical" in body and "&lt;Likely&gt;" in body and "<Likely>" not in body
    assert show.verdict_html(None) == "" and show.verdict_html(WatchedParity(JOB, None, None)) == ""


def test_parity_rows_name_the_cause_in_words() -> None:
    frame = show.parity_rows_frame(REPORT)
    assert list(frame.columns) == show.ROW_COLUMNS and len(frame) == 3
    assert list(frame["Same?"]) == ["yes", "no", "no"]
    assert list(frame["Likely cause"]) == ["", "chat template differs", "adapter not applied"]
    assert show.parity_rows_frame(None).empty


def test_the_parity_plot_counts_every_source_and_outcome_even_at_zero() -> None:
    counts = {(r.prompts, r.replies): r.count for r in show.parity_plot_frame(REPORT).itertuples()}
    assert counts == {
        ("test split", "identical"): 1,
        ("test split", "different"): 1,
        ("probe", "identical"): 0,
        ("probe", "different"): 1,
    }
    assert show.parity_plot_frame(None)["count"].sum() == 0


def test_a_section_key_changes_when_its_export_record_moves_on() -> None:
    overview = DeployOverview([ADAPTER], [EXPORT], [], WatchedExport(JOB, EXPORT), None)
    keys = show.change_keys(overview)
    assert set(keys) == {"adapters", "export", "parity", "history"} and keys["parity"] == "None"
    moved = replace(EXPORT, updated_at=5.0)
    later = show.change_keys(DeployOverview([ADAPTER], [moved], [], WatchedExport(JOB, moved), None))
    assert later["export"] != keys["export"] and later["history"] != keys["history"]
    assert later["adapters"] == keys["adapters"] and show.export_key(None) == "none"
