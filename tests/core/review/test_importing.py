"""Import: all or nothing unless invalid lines are skipped; duplicates skipped; the sidecar restores
metadata; the shipped demo conversations are a good Socratic set, ready to train on."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from core.paths import Workspace
from core.review.bulk import undo_batch
from core.review.editing import ExampleEdit, save_example
from core.review.importing import DEMO_PATH, import_file, load_demo_conversations, pair_uploads
from core.review.query import ExampleQuery, query_examples
from core.review.tokens import TokenCounter
from core.store import Store
from tests.core.review.conftest import chat


def write_chats(path: Path, *lines: object) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def good(i: int) -> dict[str, object]:
    return {"messages": chat(f"Question {i}?", f"What do you already know about {i}?")}


def test_an_invalid_line_blocks_the_whole_import_unless_skipped(
    store: Store, workspace: Workspace, counter: TokenCounter, tmp_path: Path
) -> None:
    path = write_chats(tmp_path / "mixed.jsonl", good(1), "{broken", good(2), {"messages": chat("No reply")})
    refused = import_file(store, workspace, path, counter=counter)
    assert refused.imported == 0 and refused.invalid == 2 and "Nothing was imported" in refused.message
    assert [(e.line, e.category) for e in refused.errors] == [(2, "json"), (4, "no-assistant")]
    assert store.query_one("SELECT count(*) FROM examples")[0] == 0  # type: ignore[index]
    skipped = import_file(store, workspace, path, skip_invalid=True, counter=counter)
    assert skipped.imported == 2 and skipped.invalid == 2 and skipped.batch_id
    page = query_examples(store, ExampleQuery(status="pending"))
    assert page.total == 2 and all(row.token_count > 0 for row in page.rows)


def test_conversations_already_present_are_skipped_as_duplicates(
    store: Store, workspace: Workspace, counter: TokenCounter, tmp_path: Path
) -> None:
    path = write_chats(tmp_path / "a.jsonl", good(1), good(2), good(1))
    first = import_file(store, workspace, path, counter=counter)
    assert (first.imported, first.duplicates) == (2, 1)
    again = import_file(store, workspace, path, counter=counter)
    assert (again.imported, again.duplicates, again.batch_id) == (0, 3, None)


def test_accept_imports_as_accepted_and_undo_takes_the_import_back(
    store: Store, workspace: Workspace, counter: TokenCounter, tmp_path: Path
) -> None:
    report = import_file(
        store, workspace, write_chats(tmp_path / "a.jsonl", good(1), good(2)), accept=True, counter=counter
    )
    assert query_examples(store, ExampleQuery(status="accepted")).total == 2
    undone = undo_batch(store, report.batch_id)  # type: ignore[arg-type]
    assert undone.restored == 2 and query_examples(store, ExampleQuery(status="rejected")).total == 2


def test_a_sidecar_brings_metadata_back_and_a_bad_one_names_its_line(
    store: Store, workspace: Workspace, counter: TokenCounter, tmp_path: Path
) -> None:
    path = write_chats(tmp_path / "train.jsonl", good(1), good(2))
    meta = {
        "intent": "confused",
        "reference_answer": "42",
        "tags": ["x"],
        "document": "fractions.md",
        "chunk": "c1",
    }
    write_chats(tmp_path / "train.meta.jsonl", meta, {"intent": 5})
    refused = import_file(store, workspace, path, counter=counter)
    assert [(e.line, e.category) for e in refused.errors] == [(2, "metadata")]
    assert '"intent" must be text' in refused.errors[0].message
    write_chats(tmp_path / "train.meta.jsonl", meta, meta)
    assert import_file(store, workspace, path, counter=counter).imported == 2
    row = query_examples(store, ExampleQuery(intent="confused")).rows[0]
    assert row.source == "fractions.md" and row.tags == ["x"]
    assert pair_uploads([tmp_path / "train.meta.jsonl", path]) == [(path, tmp_path / "train.meta.jsonl")]


def test_demo_conversations_are_a_varied_socratic_set_ready_to_train(
    store: Store, workspace: Workspace, counter: TokenCounter
) -> None:
    lines = [json.loads(line)["messages"] for line in DEMO_PATH.read_text().splitlines()]
    metas = [
        json.loads(line)
        for line in DEMO_PATH.with_name("demo_conversations.meta.jsonl").read_text().splitlines()
    ]
    assert 30 <= len(lines) <= 40 and len(metas) == len(lines)
    for messages, meta in zip(lines, metas, strict=True):
        roles = [m["role"] for m in messages]
        assert "system" not in roles and roles[0] == "user" and roles[-1] == "assistant"
        assert 2 <= roles.count("assistant") <= 4
        assert all(m["content"].rstrip().endswith("?") for m in messages if m["role"] == "assistant")
        assert meta["reference_answer"] and meta["chunk"].startswith(meta["document"])
    intents = Counter(meta["intent"] for meta in metas)
    assert set(intents) == {
        "confused",
        "misconception",
        "wrong_answer",
        "just_tell_me",
        "frustrated",
        "off_topic",
    }
    assert len({meta["document"] for meta in metas}) == 5
    report = load_demo_conversations(store, workspace, counter=counter)
    assert report.imported == len(lines) and query_examples(
        store, ExampleQuery(status="accepted")
    ).total == len(lines)
    first = query_examples(store, ExampleQuery()).rows[0]
    save_example(
        store,
        first.id,
        ExampleEdit(messages=chat("An edited question?", "An edited reply?")),
        base_revision=1,
    )
    again = load_demo_conversations(store, workspace, counter=counter)  # a second press adds nothing,
    assert (again.imported, again.duplicates) == (0, len(lines))  # not even the conversation edited since
