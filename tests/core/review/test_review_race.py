"""Twenty reviewers at once: no decision is overwritten, none is lost, none is made up.

Ten threads drive the Review tab's code (its bulk handler, its undo handler, and the review step its
editor calls); ten forked processes run `tutor-studio dataset accept|reject|undo`. They accept,
reject, edit, tag and undo on overlapping sets of examples. A hook pauses each bulk action between
picking its examples and writing them (the window a second reviewer gets in real use, widened so the
race shows on every run). Then every example's history is checked against what was acknowledged:

- every revision belongs to one acknowledged action, and every acknowledged action is in the history
  with as many examples as it reported;
- a bulk accept or reject (which act on pending examples) only ever moved a pending example;
- an undo put back exactly the content from before the revision it undid;
- the example as stored is its newest revision.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

import core.review.bulk as bulk
from core.cli import main
from core.paths import Workspace
from core.review.editing import EditConflict, ExampleEdit, NotReady
from core.review.query import ExampleQuery
from core.review.records import get_example, list_revisions
from core.review.review import review_step
from core.review.tokens import token_counter
from core.store import Store
from studio.context import AppContext
from studio.tabs.review import handlers as review_handlers
from tests.core.review.conftest import add_examples

INTENTS = ("confused", "frustrated", "curious")
PER_INTENT = 12
THREADS = PROCESSES = 10
OPERATIONS = 3
ANY = review_handlers.ANY


@dataclass
class Acks:
    """What the writers were told happened: batch id -> (action, changed, batch it undid), and saves."""

    batches: dict[str, tuple[str, int, str | None]] = field(default_factory=dict)
    saves: set[tuple[str, int]] = field(default_factory=set)

    def merge(self, other: dict[str, Any]) -> None:
        self.batches.update({k: tuple(v) for k, v in other["batches"].items()})  # type: ignore[misc]
        self.saves.update(tuple(s) for s in other["saves"])  # type: ignore[misc]

    def as_dict(self) -> dict[str, Any]:
        return {"batches": self.batches, "saves": sorted(self.saves)}


@pytest.fixture(autouse=True)
def tiny_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_BASE_MODEL", "tiny")


@pytest.fixture
def slow_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pause between picking a bulk action's examples and writing them, as a busy machine would."""
    pick = bulk.matching_ids

    def pick_then_pause(store: Store, query: ExampleQuery) -> list[str]:
        ids = pick(store, query)
        time.sleep(random.uniform(0.005, 0.04))
        return ids

    monkeypatch.setattr(bulk, "matching_ids", pick_then_pause)


def cli(workspace: Workspace, *argv: str) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main([*argv, "--workspace", str(workspace.root), "--json"])
    return json.loads(out.getvalue()) if code == 0 else {}


def newest_batch(store: Store) -> str | None:
    batches = bulk.list_batches(store, limit=1)
    return batches[0].id if batches else None


def cli_writer(workspace: Workspace, seed: int, results: Any) -> None:
    """One reviewer at the terminal: bulk accept/reject by intent, or undo the newest bulk action."""
    rng = random.Random(seed)
    acks = Acks()
    store = Store.open(workspace)
    for _ in range(OPERATIONS):
        choice = rng.choice(["accept", "reject", "undo"])
        if choice == "undo":
            target = newest_batch(store)
            data = cli(workspace, "dataset", "undo", target) if target else {}
            if data.get("batch"):
                acks.batches[data["batch"]] = ("undo", data["restored"], target)
            continue
        argv = ["dataset", choice, "--editor", f"cli{seed}"]
        if rng.random() < 0.7:
            argv += ["--intent", rng.choice(INTENTS)]
        data = cli(workspace, *argv)
        if data.get("batch"):
            acks.batches[data["batch"]] = (choice, data["changed"], None)
    results.put(acks.as_dict())


def ui_writer(ctx: AppContext, seed: int, reports: dict[int, Any], acks: Acks, lock: threading.Lock) -> None:
    """One reviewer in the browser: bulk actions, tags and undo from the table, edits in the editor."""
    rng = random.Random(seed)
    for _ in range(OPERATIONS):
        choice = rng.choice(["accept", "reject", "add_tag", "undo", "edit", "edit"])
        if choice == "edit":
            edit_one(ctx, rng, acks, lock)
        elif choice == "undo":
            target = newest_batch(ctx.store)
            if target:
                review_handlers.undo(ctx, target, f"ui{seed}")
                report = reports.pop(threading.get_ident(), None)
                if report is not None and report.batch_id:
                    with lock:
                        acks.batches[report.batch_id] = ("undo", report.restored, target)
        else:
            status = "pending" if choice != "add_tag" else ANY
            intent = rng.choice([*INTENTS, ANY])
            review_handlers.apply_bulk(
                ctx, choice, "race", f"ui{seed}", "", status, intent, ANY, ANY, ANY, "", 1
            )
            report = reports.pop(threading.get_ident())
            if report.batch_id:
                with lock:
                    acks.batches[report.batch_id] = (choice, report.changed, None)


def edit_one(ctx: AppContext, rng: random.Random, acks: Acks, lock: threading.Lock) -> None:
    """Open an example, change it, save: the editor's review step (refused if someone saved meanwhile)."""
    ids = [row[0] for row in ctx.store.query("SELECT id FROM examples")]
    example = get_example(ctx.store, rng.choice(ids))
    assert example is not None
    edit = rng.choice(
        [
            ExampleEdit(status="accepted"),
            ExampleEdit(status="rejected"),
            ExampleEdit(tags=[*example.tags, f"t{rng.randrange(3)}"]),
            ExampleEdit(
                messages=[*example.messages[:-1], {"role": "assistant", "content": "What do you think?"}]
            ),
        ]
    )
    time.sleep(rng.uniform(0, 0.02))  # the reviewer reads before saving
    try:
        outcome = review_step(
            ctx.store, example.id, edit, base_revision=example.revision, query=ExampleQuery(), editor="editor"
        )
    except (EditConflict, NotReady):
        return
    if outcome.saved and outcome.saved.changed:
        with lock:
            acks.saves.add((example.id, outcome.saved.example.revision))


def record_reports(monkeypatch: pytest.MonkeyPatch) -> dict[int, Any]:
    """The reports behind the tab's messages, per thread (the handlers return only the sentence)."""
    reports: dict[int, Any] = {}

    def recording(real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            report = real(*args, **kwargs)
            reports[threading.get_ident()] = report
            return report

        return call

    monkeypatch.setattr(review_handlers, "bulk_update", recording(bulk.bulk_update))
    monkeypatch.setattr(review_handlers, "undo_batch", recording(bulk.undo_batch))
    return reports


def check_history(store: Store, acks: Acks) -> None:
    written: dict[str, int] = {}
    ids = [row[0] for row in store.query("SELECT id FROM examples ORDER BY id")]
    for example_id in ids:
        revisions = list_revisions(store, example_id)
        revisions.sort(key=lambda r: r.revision)
        assert [r.revision for r in revisions] == list(range(1, len(revisions) + 1)), example_id
        stored = get_example(store, example_id)
        assert stored is not None
        newest = revisions[-1]
        assert (stored.status, stored.tags, stored.messages) == (newest.status, newest.tags, newest.messages)
        for index, revision in enumerate(revisions[1:], start=1):
            before = revisions[index - 1]
            where = f"{example_id} revision {revision.revision}"
            if revision.batch_id is None:
                assert (example_id, revision.revision) in acks.saves, f"{where}: a save nobody was told about"
                continue
            assert revision.batch_id in acks.batches, f"{where}: written by an unacknowledged bulk action"
            written[revision.batch_id] = written.get(revision.batch_id, 0) + 1
            action, _, undid = acks.batches[revision.batch_id]
            if action in ("accept", "reject"):
                assert before.status == "pending", f"{where}: {action} overwrote a {before.status} decision"
            elif action == "undo":
                assert before.batch_id == undid, f"{where}: undo took back a revision it did not own"
                restored = revisions[index - 2]
                assert (revision.status, revision.tags, revision.messages) == (
                    restored.status,
                    restored.tags,
                    restored.messages,
                ), where
    lost = {b: n for b, (_, n, _) in acks.batches.items() if written.get(b, 0) != n}
    assert not lost, f"acknowledged bulk actions whose examples are not all in the history: {lost}"


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(5))
def test_twenty_concurrent_reviewers_never_overwrite_or_lose_a_decision(
    round_: int, workspace: Workspace, store: Store, monkeypatch: pytest.MonkeyPatch, slow_selection: None
) -> None:
    for intent in INTENTS:
        add_examples(store, PER_INTENT, intent=intent)
    ctx = AppContext.create(workspace)
    token_counter(workspace, ctx.base, ctx.store)  # loaded once here, inherited by the forked writers
    reports = record_reports(monkeypatch)
    acks, lock = Acks(), threading.Lock()
    fork = multiprocessing.get_context("fork")
    results = fork.Queue()
    processes = [
        fork.Process(target=cli_writer, args=(workspace, 1000 * round_ + i, results))
        for i in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    threads = [
        threading.Thread(target=ui_writer, args=(ctx, 1000 * round_ + 100 + i, reports, acks, lock))
        for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for _ in processes:
        acks.merge(results.get(timeout=60))
    for process in processes:
        process.join(timeout=10)
        assert process.exitcode == 0
    assert acks.batches, "no bulk action changed anything: the test exercised nothing"
    check_history(store, acks)


def test_bulk_accept_leaves_an_example_rejected_meanwhile_and_says_so(
    workspace: Workspace, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = add_examples(store, 4, intent="confused")
    pick = bulk.matching_ids

    def pick_then_someone_rejects(store: Store, query: ExampleQuery) -> list[str]:
        picked = pick(store, query)
        monkeypatch.setattr(bulk, "matching_ids", pick)  # Ben's own reject picks without a pause
        assert cli(workspace, "dataset", "reject", "--search", ids[0], "--editor", "Ben")["changed"] == 1
        return picked

    monkeypatch.setattr(bulk, "matching_ids", pick_then_someone_rejects)
    ctx = AppContext.create(workspace)
    message = review_handlers.apply_bulk(ctx, "accept", "", "Ana", "", "pending", ANY, ANY, ANY, ANY, "", 1)
    assert message.startswith("⚠ Accepted: 3 examples.") and "1 changed by someone else" in message
    first = get_example(store, ids[0])
    assert first is not None and (first.status, first.reviewer) == ("rejected", "Ben")
