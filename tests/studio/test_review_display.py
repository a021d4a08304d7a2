"""The Review tab's formatting: the table page, the summary, the editor's turn slots, a dataset's manifest."""

from __future__ import annotations

from core.review.query import ExamplePage, ExampleQuery, ExampleRow
from core.review.records import Dataset
from core.review.stats import ReviewStats
from core.review.validation import ValidationIssue
from studio.tabs.review import display as show

ROW = ExampleRow(
    id="ex_1", status="accepted", revision=2, intent="confused", source="fractions.md",
    first_user="Why   is 1/4 + 2/3 not 3/7? " * 10, tutor_turns=2, token_count=140,
    verdict_state="failed", verdicts={"leak": False, "kind": True}, tags=["hard", "demo"],
    created_at=1.0, updated_at=2.0,
)  # fmt: skip
MANIFEST = {
    "seed": 7, "system_prompt": None, "content_hash": "abcdef0123456789abcdef",
    "counts": {"test": 1, "total": 10, "train": 8, "validation": 1},
    "chunks": {"train": 4, "validation": 1, "test": 1},
    "tokens": {"train": 800, "validation": 90, "test": 110, "total": 1000},
    "intents": {"train": {"confused": 5, "curious": 3}}, "notes": ["One chunk only: test shares it."],
}  # fmt: skip
DATASET = Dataset(
    id="tutor@v3", name="tutor", version=3, kind="sft", seed=7, system_prompt=None, manifest=MANIFEST,
    manifest_hash="h", path="/ws/datasets/tutor@v3", created_at=1.0,
)  # fmt: skip


def test_the_table_marks_the_open_example_and_names_failed_checks() -> None:
    frame = show.table_frame(ExamplePage([ROW], 1, ExampleQuery(page_size=25)), current_id="ex_1")
    row = frame.iloc[0]
    assert list(frame.columns) == show.TABLE_HEADERS
    assert row[""] == "▶" and row["Status"] == "✓ accepted" and row["Checks"] == "failed: leak"
    assert row["Student asks"].endswith("…") and "  " not in row["Student asks"]
    assert row["Tags"] == "hard, demo" and row["ID"] == "ex_1"


def test_the_page_label_counts_from_the_page_shown() -> None:
    page = ExamplePage([ROW] * 25, 60, ExampleQuery(page=2, page_size=25))
    assert show.page_label(page) == "Showing 26–50 of 60 examples · page 2 of 3"


def test_no_match_is_said_only_when_filters_are_set() -> None:
    assert (
        show.page_label(ExamplePage([], 0, ExampleQuery(status="pending")))
        == "No examples match these filters."
    )
    assert show.page_label(ExamplePage([], 0, ExampleQuery())) == ""


def test_the_summary_counts_statuses_or_explains_the_empty_state() -> None:
    stats = ReviewStats(12, {"pending": 7, "accepted": 4, "rejected": 1}, [], [], [], 1234)
    assert show.summary_markdown(stats).startswith(
        "**12 examples:** 7 to review, 4 accepted, 1 rejected · 1,234"
    )
    assert show.summary_markdown(ReviewStats(0, {}, [], [], [], 0)) == show.EMPTY_STATE


def test_the_status_plot_keeps_every_status_even_at_zero() -> None:
    frames = show.stats_frames(ReviewStats(3, {"accepted": 3}, [], [], [(0, 64, 3)], 90))
    assert frames["status"].values.tolist() == [["pending", 0], ["accepted", 3], ["rejected", 0]]
    assert frames["tokens"]["tokens"].tolist() == ["0–63"]


def test_turn_slots_round_trip_and_delete_closes_the_gap() -> None:
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "What do you see?"}]
    roles, texts = show.slot_values(messages, 4)
    assert roles == ["user", "assistant", "user", "user"] and texts == ["Hi", "What do you see?", "", ""]
    assert show.messages_from_slots(roles, texts, 2) == messages
    assert show.delete_slot(roles, texts, 2, 0) == (
        ["assistant", "user", "user", "user"],
        ["What do you see?", "", "", ""],
        1,
    )
    assert show.delete_slot(roles, texts, 2, 3) == (roles, texts, 2)


def test_transcripts_escape_html_so_a_reply_cannot_inject_markup() -> None:
    text = show.version_markdown("Theirs", [{"role": "user", "content": "<b>x</b>"}], "pending", ["t"])
    assert "&lt;b&gt;x&lt;/b&gt;" in text and "status pending · tags t" in text


def test_issues_list_each_problem_by_category() -> None:
    assert show.issues_markdown([]) == ""
    issues = [ValidationIssue("empty_turn", "Turn 2 is empty.")]
    assert show.issues_markdown(issues) == "**Fix before accepting:**\n- **empty_turn**: Turn 2 is empty."  # type: ignore[arg-type]


def test_the_manifest_shows_every_split_with_its_numbers() -> None:
    text = show.manifest_markdown(DATASET)
    assert text.startswith("### tutor@v3\nSeed 7 · system prompt: none (prompt baking")
    assert "content hash `abcdef0123456789…`" in text
    assert "| train | 8 | 4 | 800 | confused 5, curious 3 |" in text
    assert "| validation | 1 | 1 | 90 |  |" in text and "| test | 1 | 1 | 110 |  |" in text
    assert text.endswith("Folder: `/ws/datasets/tutor@v3`\n- One chunk only: test shares it.")


def test_a_manifest_without_counts_reads_as_zero() -> None:
    bare = Dataset(**{**DATASET.__dict__, "manifest": {}})
    assert show.dataset_choices([DATASET, bare]) == [
        ("tutor@v3 · 10 examples", "tutor@v3"),
        ("tutor@v3 · 0 examples", "tutor@v3"),
    ]
    assert "| train | 0 | 0 | 0 |  |" in show.manifest_markdown(bare)
