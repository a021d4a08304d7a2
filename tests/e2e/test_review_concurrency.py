"""Through the running app: concurrent editors lose no update and every loser is told; killing the
studio (SIGKILL) in the middle of a stream of saves loses no acknowledged save and leaves a sound store."""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from core.paths import Workspace
from core.review.importing import load_demo_conversations
from core.store import Store, from_json
from tests.e2e.test_review_client import ReviewSession
from tests.support.studio_server import StudioProcess, start_studio

pytestmark = pytest.mark.slow

EDITORS = 6
EXAMPLES = 3
ROUNDS = 3
KILLS = 6


def demo_workspace(root: Path) -> tuple[Workspace, list[str]]:
    workspace = Workspace(root).ensure()
    store = Store.open(workspace)
    load_demo_conversations(store, workspace)
    ids = [row["id"] for row in store.query("SELECT id FROM examples ORDER BY created_at")]
    store.close()
    return workspace, ids


def revision_texts(workspace: Workspace, example_id: str) -> list[str]:
    """The student's first turn of every saved revision of an example."""
    store = Store.open(workspace)
    rows = store.query("SELECT messages FROM example_revisions WHERE example_id = ?", (example_id,))
    store.close()
    return [from_json(row["messages"])[0]["content"] for row in rows]


def test_concurrent_editors_lose_no_update_and_every_loser_is_told(studio: StudioProcess) -> None:
    store = Store.open(studio.workspace)
    load_demo_conversations(store, studio.workspace)
    ids = [
        row["id"]
        for row in store.query(
            "SELECT id FROM examples WHERE origin = 'demo' ORDER BY created_at DESC LIMIT ?", (EXAMPLES,)
        )
    ]
    outcomes: list[tuple[int, str, str, str]] = []  # (round, example, text, "saved" | "refused")
    failures: list[BaseException] = []
    barrier = threading.Barrier(EDITORS)

    def edit(editor: int) -> None:
        try:
            for round_number in range(ROUNDS):
                session = ReviewSession(studio.url, reviewer=f"editor-{editor}")
                example_id = ids[(editor + round_number) % EXAMPLES]
                session.open(example_id)
                text = f"Editor {editor} in round {round_number}: what do you notice first?"
                session.write(0, text)
                barrier.wait(timeout=120)  # everyone has opened before anyone saves: real conflicts
                message = session.call("/review_save").message
                told = (
                    "saved"
                    if "Saved revision" in message
                    else "refused"
                    if "Not saved" in message
                    else message
                )
                outcomes.append((round_number, example_id, text, told))
                barrier.wait(timeout=120)
        except BaseException as error:  # reported by the main thread
            failures.append(error)
            barrier.abort()

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(EDITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert failures == [] and len(outcomes) == EDITORS * ROUNDS
    assert {told for *_, told in outcomes} <= {"saved", "refused"}
    winners = Counter((r, e) for r, e, _, told in outcomes if told == "saved")
    assert set(winners.values()) == {1}  # each example, each round: exactly one of its two editors won
    assert sum(told == "refused" for *_, told in outcomes) == EDITORS * ROUNDS - len(winners)
    for _, example_id, text, told in outcomes:
        saved_texts = revision_texts(studio.workspace, example_id)
        assert (text in saved_texts) == (told == "saved")  # winners kept, losers never written over anyone


def test_killing_the_studio_during_saves_loses_no_acknowledged_save(tmp_path: Path) -> None:
    workspace, ids = demo_workspace(tmp_path / "home")
    rng = random.Random(20250105)
    acknowledged: list[tuple[str, str]] = []
    for kill in range(KILLS):
        studio = start_studio(workspace)
        stop, streaming = threading.Event(), threading.Event()

        def save_until_killed(
            worker: int,
            studio: StudioProcess = studio,
            stop: threading.Event = stop,
            streaming: threading.Event = streaming,
            kill: int = kill,
        ) -> None:
            try:
                session = ReviewSession(studio.url, reviewer=f"saver-{worker}")
                for count in range(10_000):
                    if stop.is_set():
                        return
                    session.open(ids[(worker * 7 + count) % len(ids)])
                    text = f"Kill {kill}, saver {worker}, save {count}: what comes next?"
                    session.write(0, text)
                    if "Saved revision" in session.call("/review_save").message:
                        acknowledged.append((ids[(worker * 7 + count) % len(ids)], text))
                        streaming.set()
            except Exception:  # the studio died under us: what was acknowledged before counts
                return

        savers = [threading.Thread(target=save_until_killed, args=(w,)) for w in range(2)]
        for saver in savers:
            saver.start()
        assert streaming.wait(timeout=120), studio.log()
        time.sleep(rng.uniform(0.0, 2.0))  # a random moment in the stream of saves
        studio.kill(signal.SIGKILL)
        stop.set()
        for saver in savers:
            saver.join(timeout=60)
        store = Store.open(workspace)
        assert store.integrity_check() == "ok", f"after kill {kill + 1}"
        store.close()
    for example_id, text in acknowledged:
        assert text in revision_texts(workspace, example_id)
