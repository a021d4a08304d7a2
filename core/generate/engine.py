"""The engine of a generation job: a pool of workers asks the teacher, the main thread judges
duplicates and commits.

    engine = GenerationEngine(store, workspace, run, job_id)
    report = engine.run(should_stop, progress, log_metrics)   # {"generated", "kept", "filtered", "failed", ...}

`concurrency` daemon threads take items from a queue and run the pipeline (derive -> write -> judge).
The main thread collects their results, drops near-duplicates of anything kept so far, and commits kept
examples ("pending" review) with the items' outcomes in small batches, so the first examples show while
the run goes on. A stop or cancel is seen within about a second: no new items start, results that arrive
shortly are saved, and unfinished items stay pending for a resume. A teacher that fails many items in a
row ends the job with the reason instead of failing every item.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import replace
from typing import Any, cast

from core.generate.config import SynthConfig
from core.generate.dedup import NearDuplicateIndex
from core.generate.intents import Intent
from core.generate.pipeline import ItemResult, WorkItem, generate_item, item_seed, source_for
from core.generate.records import (
    GenerationRun,
    ItemRecord,
    ItemState,
    item_counts,
    items_to_do,
    record_results,
    slot_intents,
)
from core.generate.teacher_config import build_teacher, close_teacher
from core.jobs import FAILURE_KEY, ITEMS_KEY
from core.models.spec import ResolvedBase, configured_base_model
from core.models.tiny import TINY_NAME
from core.paths import Workspace
from core.review.records import NewExample, insert_examples
from core.review.tokens import TokenCounter, token_counter
from core.store import Store, from_json

log = logging.getLogger(__name__)

COMMIT_EVERY_S = 0.25
COMMIT_BATCH = 32
STOP_DRAIN_S = 0.8
POLL_S = 0.05
MIN_FAILURE_STREAK = 12


class TeacherUnavailable(RuntimeError):
    """The teacher failed so many items in a row that going on would only fail the rest."""


def conversation_counter(store: Store, workspace: Workspace) -> TokenCounter | None:
    """Token counts with the base model's tokenizer when it is on this machine, else tiny's; never the network.

    Warmed with one count here, so the chat-template renderer's first import is not paid by a worker."""
    from core.documents.tokens import local_model_folder

    try:
        name = configured_base_model(store)
        folder = local_model_folder(name, workspace) if name != TINY_NAME else None
        if folder is not None:
            counter = token_counter(workspace, ResolvedBase(name, "local", str(folder), name))
        else:
            tiny = ResolvedBase(TINY_NAME, "tiny", str(workspace.models_dir / TINY_NAME), TINY_NAME)
            counter = token_counter(workspace, tiny)
        counter.count([{"role": "user", "content": "hello"}, {"role": "assistant", "content": "hi"}])
        return counter
    except Exception:  # counting is informative; generation goes on without it
        log.warning("no tokenizer for token counts", exc_info=True)
        return None


def missing_chunk(item: WorkItem) -> ItemResult:
    """A chunk that disappeared from the store since the run was planned."""
    from core.generate.teachers import SourceChunk

    source = SourceChunk(item.chunk_id, "", "", (), "")
    return ItemResult(
        item, source, "failed", "missing_chunk", f"The chunk {item.chunk_id} is no longer in the store.", 0.0
    )


class GenerationEngine:
    """Runs one job's share of a run: workers, duplicate checks, batched commits, progress."""

    def __init__(self, store: Store, workspace: Workspace, run: GenerationRun, job_id: str) -> None:
        self.store, self.workspace, self.run_record, self.job_id = store, workspace, run, job_id
        self.config = SynthConfig.from_params(run.config)
        self.counts = {"kept": 0, "filtered": 0, "failed": 0}
        self.before = item_counts(store, run.id)
        self.failure_streak, self.last_failure = 0, ""

    def run(self, should_stop: Any, progress: Any, log_metrics: Any) -> dict[str, Any]:
        todo = items_to_do(self.store, self.run_record.id)
        work: queue.Queue[WorkItem] = queue.Queue()
        sources = self._sources([item.chunk_id for item in todo])
        for item in todo:
            work.put(
                WorkItem(
                    item.chunk_id,
                    item.slot,
                    cast(Intent, item.intent),
                    item_seed(self.config.seed, item.chunk_id, item.slot),
                )
            )
        self.index = self._load_index(list(sources))
        self.teacher = build_teacher(self.config.teacher, self.workspace, concurrency=self.config.concurrency)
        self.counter = conversation_counter(self.store, self.workspace)
        results: queue.Queue[ItemResult] = queue.Queue()
        stop = threading.Event()
        self.workers = [
            threading.Thread(
                target=self._worker, args=(work, results, stop, sources), name=f"teacher-{n}", daemon=True
            )
            for n in range(min(self.config.concurrency, len(todo)))
        ]
        for worker in self.workers:
            worker.start()
        self.started = time.monotonic()
        try:
            self._collect(len(todo), results, stop, should_stop, progress, log_metrics)
        finally:
            stop.set()
            close_teacher(self.teacher)
        return self._report(len(todo))

    def _worker(
        self,
        work: queue.Queue[WorkItem],
        results: queue.Queue[ItemResult],
        stop: threading.Event,
        sources: dict[str, Any],
    ) -> None:
        while not stop.is_set():
            try:
                item = work.get_nowait()
            except queue.Empty:
                return
            source = sources.get(item.chunk_id)
            if source is None:
                results.put(missing_chunk(item))
                continue
            results.put(generate_item(self.teacher, source, item, self.run_record.policy, self.counter))

    def _collect(
        self,
        total: int,
        results: queue.Queue[ItemResult],
        stop: threading.Event,
        should_stop: Any,
        progress: Any,
        log_metrics: Any,
    ) -> None:
        batch: list[ItemResult] = []
        done, last_commit, stop_at = 0, time.monotonic(), None
        while done < total:
            if stop_at is None and should_stop():
                stop.set()
                stop_at = time.monotonic() + STOP_DRAIN_S
            if stop_at is not None and time.monotonic() > stop_at:
                break
            try:
                result = results.get(timeout=POLL_S)
                batch.append(result)
                done += 1
                self._count_failure(result)
            except queue.Empty:
                if not any(worker.is_alive() for worker in self.workers) and results.empty():
                    break  # every worker has ended (stopped): nothing more will arrive
            due = len(batch) >= COMMIT_BATCH or time.monotonic() - last_commit >= COMMIT_EVERY_S
            if batch and (due or done == total or self._teacher_down()):
                self._commit(batch)
                batch, last_commit = [], time.monotonic()
                self._report_progress(done, total, progress, log_metrics)
                self._check_teacher(stop)
        if batch:
            self._commit(batch)
            self._report_progress(done, total, progress, log_metrics)

    def _count_failure(self, result: ItemResult) -> None:
        if result.state == "failed":
            self.failure_streak += 1
            self.last_failure = result.detail
        else:
            self.failure_streak = 0

    def _teacher_down(self) -> bool:
        return self.failure_streak >= max(MIN_FAILURE_STREAK, 2 * self.config.concurrency)

    def _check_teacher(self, stop: threading.Event) -> None:
        if self._teacher_down():
            stop.set()
            finished = self.counts["kept"] + self.counts["filtered"]
            raise TeacherUnavailable(
                f"The teacher failed {self.failure_streak} items in a row (last error: {self.last_failure}). "
                f"Check that the server is running and the model name is right, then press Resume: the {finished} "
                "finished items are saved and will not be redone."
            )

    def _commit(self, batch: list[ItemResult]) -> None:
        records: list[ItemRecord] = []
        kept: list[tuple[int, NewExample]] = []
        for result in batch:
            record = self._record(result)
            if record.state == "kept":
                kept.append((len(records), self._example(result)))
            records.append(record)
        with self.store.transaction() as conn:
            ids = insert_examples(conn, [example for _, example in kept])
            for (position, _), example_id in zip(kept, ids, strict=True):
                records[position] = replace(records[position], example_id=example_id)
            record_results(conn, self.run_record.id, self.job_id, records)
        for record in records:
            self.counts[record.state] += 1

    def _record(self, result: ItemResult) -> ItemRecord:
        work = result.work
        if result.state == "failed":
            return ItemRecord(
                work.chunk_id, work.slot, "failed", result.reason, result.detail, seconds=result.seconds
            )
        state: ItemState = result.state
        reason, detail = result.reason, result.detail
        if state == "kept" and result.messages is not None:
            duplicate = self.index.find(result.messages)
            if duplicate is not None:
                key, similarity = duplicate
                state, reason = "filtered", "duplicate"
                detail = f"{similarity:.0%} similar to {key if key.startswith('ex_') else 'another conversation of this run'}"
            else:
                self.index.add(f"{work.chunk_id}:{work.slot}", result.messages)
        payload = None if state == "kept" or result.messages is None else self._payload(result)
        return ItemRecord(
            work.chunk_id, work.slot, state, reason, detail, seconds=result.seconds, payload=payload
        )

    def _payload(self, result: ItemResult) -> dict[str, Any]:
        derivation = result.derivation
        return {
            "messages": result.messages,
            "intent": result.work.intent,
            "question": derivation.question if derivation else None,
            "reference_answer": derivation.reference_answer if derivation else None,
            "verdicts": result.verdicts,
        }

    def _example(self, result: ItemResult) -> NewExample:
        derivation = result.derivation
        assert result.messages is not None and derivation is not None
        verdicts = {
            **result.verdicts,
            "duplicate": {"passed": True, "detail": "no near-duplicate kept before"},
        }
        return NewExample(
            messages=result.messages,
            origin="generated",
            status="pending",
            intent=result.work.intent,
            document_id=result.source.document_id,
            chunk_id=result.source.chunk_id,
            question=derivation.question,
            reference_answer=derivation.reference_answer,
            teacher=self.teacher.label,
            verdicts=verdicts,
            job_id=self.job_id,
            token_count=result.token_count,
        )

    def _report_progress(self, done: int, total: int, progress: Any, log_metrics: Any) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed * 60
        eta = (total - done) / (done / elapsed) if done else None
        kept, filtered, failed = (self.counts[k] for k in ("kept", "filtered", "failed"))
        progress(
            done,
            total,
            f"{done} of {total} · kept {kept} · filtered {filtered} · failed {failed} · {rate:.0f}/min",
        )
        run_done = self.run_record.total - self.before["pending"] - self.before["failed"] + kept + filtered
        log_metrics({
            "done": done, "total": total, "kept": kept, "filtered": filtered, "failed": failed,
            "rate_per_min": round(rate, 1), "eta_s": None if eta is None else round(eta, 1),
            "run_done": run_done, "run_total": self.run_record.total,
        })  # fmt: skip

    def _report(self, planned: int) -> dict[str, Any]:
        generated = sum(self.counts.values())
        seconds = time.monotonic() - self.started
        report = {
            "run_id": self.run_record.id,
            "generated": generated,
            **self.counts,
            "remaining": planned - generated + self.counts["failed"],
            "seconds": round(seconds, 2),
            "rate_per_min": round(generated / seconds * 60, 1) if seconds > 0 else None,
            # The job's outcome follows these: all failed -> failed, some -> succeeded with failures.
            ITEMS_KEY: {"total": generated, "failed": self.counts["failed"]},
        }
        if generated and self.counts["failed"] == generated:
            report[FAILURE_KEY] = (
                f"Every one of the {generated} conversations failed (last error: {self.last_failure}). "
                "Check that the teacher server is running and the model name is right, then resume the run "
                f"(tutor-studio generate --resume {self.run_record.id}, with --teacher URL for another server)."
            )
        return report

    def _sources(self, chunk_ids: list[str]) -> dict[str, Any]:
        from core.documents.records import get_chunk

        names: dict[str, str] = {}
        sources = {}
        planned = slot_intents(self.store, self.run_record.id)
        for chunk_id in dict.fromkeys(chunk_ids):
            chunk = get_chunk(self.store, chunk_id)
            if chunk is not None:
                source = source_for(self.store, chunk, names)
                sources[chunk_id] = replace(source, slot_intents=planned.get(chunk_id, ()))
        return sources

    def _load_index(self, chunk_ids: list[str]) -> NearDuplicateIndex:
        """Examples already in the workspace that a new one could duplicate: same chunks, or no chunk at all."""
        index = NearDuplicateIndex(self.config.dedup_threshold)
        marks = ",".join("?" * len(chunk_ids)) or "''"
        rows = self.store.query(
            f"SELECT id, messages FROM examples WHERE chunk_id IN ({marks}) OR chunk_id IS NULL", chunk_ids
        )
        for row in rows:
            index.add(row["id"], from_json(row["messages"], []))
        return index
