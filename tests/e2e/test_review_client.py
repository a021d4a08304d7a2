"""The Review tab's endpoints through gradio_client against the running studio: open, edit, save, accept,
conflicts between two editors, bulk actions with undo, building and exporting a dataset, importing."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client, handle_file

from core.paths import Workspace
from core.review.importing import load_demo_conversations
from core.review.records import NewExample, get_example, insert_examples, list_revisions
from core.store import Store
from studio.tabs.review.editor import MAX_TURNS
from tests.support.studio_server import StudioProcess

pytestmark = pytest.mark.slow

# The filter widgets' values: search, status, intent, source, tag, checks, order, page.
ALL = ["", "any", "any", "any", "any", "any", "created:asc", 1]
# Where the editor's widgets sit in an editor endpoint's result (State and layout blocks are not returned).
HEADER, ROLES, TEXTS = 0, 2, 2 + MAX_TURNS
INTENT, TAGS, REFERENCE = 2 + 2 * MAX_TURNS, 3 + 2 * MAX_TURNS, 4 + 2 * MAX_TURNS
MESSAGE, TABLE = 8 + 2 * MAX_TURNS, 9 + 2 * MAX_TURNS


@dataclass
class Outcome:
    header: str
    message: str
    messages: list[dict[str, str]]
    table: Any


def value_of(output: Any) -> Any:
    """A component update (e.g. a dropdown given new choices) reaches the client as a dict; take its value."""
    return output.get("value") if isinstance(output, dict) and output.get("__type__") == "update" else output


class ReviewSession:
    """One browser session of the Review tab: it sends back the editor's fields as the page would."""

    def __init__(self, url: str, reviewer: str = "") -> None:
        self.client = Client(url, verbose=False)
        self.reviewer = reviewer
        self.fields: list[Any] = ["user"] * MAX_TURNS + [""] * MAX_TURNS + ["", [], ""]
        self.turns = 0

    def call(self, endpoint: str, goto: str = "", filters: list[Any] | None = None) -> Outcome:
        out = [
            value_of(v)
            for v in self.client.predict(
                *(filters or ALL), self.reviewer, *self.fields, goto, api_name=endpoint
            )
        ]
        self.fields = [
            *out[ROLES:TEXTS],
            *out[TEXTS:INTENT],
            out[INTENT] or "",
            out[TAGS] or [],
            out[REFERENCE] or "",
        ]
        messages = [
            {"role": role, "content": text}
            for role, text in zip(out[ROLES:TEXTS], out[TEXTS:INTENT], strict=True)
            if text
        ]
        self.turns = len(messages)
        return Outcome(str(out[HEADER]), str(out[MESSAGE] or ""), messages, out[TABLE])

    def open(self, example_id: str) -> Outcome:
        return self.call("/review_open", goto=example_id)

    def write(self, turn: int, text: str) -> None:
        self.fields[MAX_TURNS + turn] = text


def demo_ids(workspace: Workspace, count: int) -> list[str]:
    store = Store.open(workspace)
    load_demo_conversations(store, workspace)
    rows = store.query("SELECT id FROM examples WHERE origin = 'demo' ORDER BY created_at LIMIT ?", (count,))
    store.close()
    return [row["id"] for row in rows]


def test_open_edit_save_and_accept_through_the_app(studio: StudioProcess) -> None:
    first, second = demo_ids(studio.workspace, 2)
    session = ReviewSession(studio.url, reviewer="Ana")
    opened = session.open(first)
    assert first in opened.header and opened.messages[0]["role"] == "user"
    session.write(1, "What could you try first, before adding anything?")
    saved = session.call("/review_save")
    assert "Saved revision" in saved.message
    store = Store.open(studio.workspace)
    example = get_example(store, first)
    assert (
        example is not None
        and example.messages[1]["content"] == "What could you try first, before adding anything?"
    )
    assert list_revisions(store, first)[0].editor == "Ana"
    accepted = session.call("/review_accept", filters=[*ALL[:-1], 1])
    assert second in accepted.header  # accept moves on to the next example
    assert get_example(store, first).status == "accepted"  # type: ignore[union-attr]


def test_the_second_of_two_editors_is_refused_and_shown_both_versions(studio: StudioProcess) -> None:
    (example_id,) = demo_ids(studio.workspace, 1)
    ana, ben = ReviewSession(studio.url, "Ana"), ReviewSession(studio.url, "Ben")
    ana.open(example_id)
    ben.open(example_id)
    ana.write(0, "Ana's version of the question?")
    ben.write(0, "Ben's version of the question?")
    assert "Saved revision" in ana.call("/review_save").message
    refused = [value_of(v) for v in ben.client.predict(*ALL, "Ben", *ben.fields, "", api_name="/review_save")]
    message, theirs, yours = refused[MESSAGE], refused[MESSAGE - 2], refused[MESSAGE - 1]
    assert "Not saved" in message and "Ana" in message
    assert "Ana's version" in theirs and "Ben's version" in yours
    store = Store.open(studio.workspace)
    assert get_example(store, example_id).messages[0]["content"] == "Ana's version of the question?"  # type: ignore[union-attr]


def test_bulk_reject_then_undo_through_the_app(studio: StudioProcess) -> None:
    demo_ids(studio.workspace, 1)
    client = Client(studio.url, verbose=False)
    client.predict(*ALL, api_name="/review_screen")  # as the page does on opening: the filters learn the tags
    only_water = ["evaporation", "any", "any", "any", "demo", "any", "created:asc", 1]
    message = client.predict("reject", "", "Ana", *only_water, api_name="/review_bulk")
    assert "Rejected:" in message
    store = Store.open(studio.workspace)
    batch = store.query_one(
        "SELECT id FROM example_batches WHERE action = 'reject' ORDER BY created_at DESC LIMIT 1"
    )
    rejected = store.query(
        "SELECT id FROM examples WHERE status = 'rejected' AND id IN (SELECT example_id FROM example_revisions WHERE batch_id = ?)",
        (batch["id"],),
    )  # type: ignore[index]
    assert rejected
    client.predict(*ALL, api_name="/review_screen")  # the page redraws after a bulk action: the undo list too
    undone = client.predict(batch["id"], "Ana", api_name="/review_undo")  # type: ignore[index]
    assert "Undid" in undone
    assert all(get_example(store, row["id"]).status != "rejected" for row in rejected)  # type: ignore[union-attr]


def test_build_then_export_gives_a_download(studio: StudioProcess) -> None:
    demo_ids(studio.workspace, 1)
    client = Client(studio.url, verbose=False)
    status = client.predict("e2e", 7, 10, 10, api_name="/review_build")[0]  # the job id stays in the session
    assert "Building" in status and "job_" in status
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status, manifest, *_ = client.predict(api_name="/review_build_status")
        if "Built" in str(status) or "still current" in str(status) or "✗" in str(status):
            break
        time.sleep(1)
    assert "e2e@v" in str(status) and "e2e@v" in str(manifest)
    dataset_id = next(d["id"] for d in _datasets(studio) if d["name"] == "e2e")
    download, note = client.predict(dataset_id, api_name="/review_export")
    assert Path(value_of(download)).name == f"{dataset_id}.zip" and "Exported" in note


def _datasets(studio: StudioProcess) -> list[dict[str, Any]]:
    store = Store.open(studio.workspace)
    return [dict(row) for row in store.query("SELECT id, name FROM datasets ORDER BY created_at DESC")]


def test_import_reports_every_invalid_line_and_imports_nothing(studio: StudioProcess, tmp_path: Path) -> None:
    path = tmp_path / "chats.jsonl"
    good = {
        "messages": [
            {"role": "user", "content": "Client import?"},
            {"role": "assistant", "content": "Which part?"},
        ]
    }
    path.write_text(
        json.dumps(good) + "\n{oops\n" + json.dumps({"messages": [{"role": "robot", "content": "x"}]}) + "\n"
    )
    client = Client(studio.url, verbose=False)
    report, errors = client.predict([handle_file(str(path))], False, False, "Ana", api_name="/review_import")
    assert "Nothing was imported" in report
    assert [row[:2] for row in value_of(errors)["data"]] == [[2, "json"], [3, "role"]]
    report, _ = client.predict([handle_file(str(path))], True, False, "Ana", api_name="/review_import")
    assert "Imported 1" in report


def test_a_conversation_longer_than_the_editor_keeps_every_turn_when_accepted(studio: StudioProcess) -> None:
    store = Store.open(studio.workspace)
    turns = [
        {"role": ("user", "assistant")[i % 2], "content": f"Long turn {i}?"} for i in range(MAX_TURNS + 4)
    ]
    with store.transaction() as conn:
        (example_id,) = insert_examples(conn, [NewExample(messages=turns)])
    session = ReviewSession(studio.url, reviewer="Ana")
    opened = session.open(example_id)
    assert f"{MAX_TURNS + 4} turns" in str(
        session.client.predict(*ALL, "Ana", *session.fields, example_id, api_name="/review_open")[1]
    )
    assert len(opened.messages) == MAX_TURNS
    session.call("/review_accept")
    example = get_example(store, example_id)
    assert example is not None and example.status == "accepted" and example.messages == turns
