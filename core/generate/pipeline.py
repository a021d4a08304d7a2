"""One generation item: derive a question from the chunk, write the conversation, judge it.

    result = generate_item(teacher, source, work, policy)
    result.state   -> "kept" | "filtered" | "failed";  result.reason, result.detail say why
    previews = preview_examples(store, workspace, config, count=3)    # shown, never stored

Every item ends in one of the three states: a teacher that cannot be read is "filtered: parse", a
backend error (timeout, 5xx after retries, dropped connection) is "failed" (a resume retries it), and
no exception escapes. Near-duplicates are decided later, against everything kept so far (job.py).
"""

from __future__ import annotations

import logging
import random
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from core.documents.records import Chunk, get_document
from core.generate.config import SynthConfig, select_chunks
from core.generate.filters import JudgeContext, judge_conversation
from core.generate.intents import Intent, plan_intents
from core.generate.prompts import ParseError
from core.generate.teacher_config import build_teacher, check_api_key, close_teacher
from core.generate.teachers import Derivation, Message, NoFactError, RepeatedQuestion, SourceChunk, Teacher
from core.inference.backend import InferenceError
from core.paths import Workspace
from core.policy import current_policy
from core.review.tokens import TokenCounter
from core.store import Store

log = logging.getLogger(__name__)

ItemOutcome = Literal["kept", "filtered", "failed"]
PREVIEW_COUNT = 3
PREVIEW_TIMEOUT_S = 60.0
PREVIEW_ATTEMPTS = 4  # items tried per preview example wanted (the template skips chunks without facts)


@dataclass(frozen=True)
class WorkItem:
    chunk_id: str
    slot: int
    intent: Intent
    seed: int


@dataclass(frozen=True)
class ItemResult:
    work: WorkItem
    source: SourceChunk
    state: ItemOutcome
    reason: str | None
    detail: str
    seconds: float
    messages: list[Message] | None = None
    derivation: Derivation | None = None
    verdicts: dict[str, Any] = field(default_factory=dict)
    token_count: int = 0


def item_seed(run_seed: int, chunk_id: str, slot: int) -> int:
    """A stable seed per item, so a resumed item is written with the same randomness."""
    return random.Random(f"{run_seed}:{chunk_id}:{slot}").randrange(2**31)


def source_for(store: Store, chunk: Chunk, names: dict[str, str] | None = None) -> SourceChunk:
    names = names if names is not None else {}
    if chunk.document_id not in names:
        document = get_document(store, chunk.document_id)
        names[chunk.document_id] = document.name if document else chunk.document_id
    return SourceChunk(
        chunk.id, chunk.document_id, names[chunk.document_id], tuple(chunk.heading_path), chunk.text
    )


def generate_item(
    teacher: Teacher, source: SourceChunk, work: WorkItem, policy: str, counter: TokenCounter | None = None
) -> ItemResult:
    started = time.perf_counter()

    def end(state: ItemOutcome, reason: str | None, detail: str, **extra: Any) -> ItemResult:
        return ItemResult(work, source, state, reason, detail, time.perf_counter() - started, **extra)

    try:
        derivation = teacher.derive(source, work.slot, work.seed)
        messages = teacher.write(source, derivation, work.intent, policy, work.seed)
    except ParseError as exc:
        return end("filtered", "parse", str(exc))
    except RepeatedQuestion as exc:
        return end("filtered", "duplicate", str(exc))
    except NoFactError as exc:
        return end("filtered", "no_fact", str(exc))
    except InferenceError as exc:
        return end("failed", "teacher_error", str(exc))
    except Exception as exc:  # a broken teacher ends the item, never the job
        log.exception("item %s/%d failed", work.chunk_id, work.slot)
        return end("failed", "error", f"{type(exc).__name__}: {exc}")
    tokens = _count(counter, messages)
    context = JudgeContext(
        source_text=source.text,
        topic=source.topic,
        question=derivation.question,
        reference_answer=derivation.reference_answer,
        intent=work.intent,
        policy=policy,
        short_answer=derivation.short_answer,
        token_count=tokens,
        max_tokens=counter.max_length if counter else None,
    )
    judgement = judge_conversation(messages, context, f"{derivation.question}\n{derivation.reference_answer}")
    state: ItemOutcome = "kept" if judgement.reason is None else "filtered"
    return end(
        state, judgement.reason, judgement.detail, messages=messages, derivation=derivation,
        verdicts={"parse": {"passed": True, "detail": "read as a conversation"}, **judgement.verdicts()},
        token_count=tokens,
    )  # fmt: skip


def _count(counter: TokenCounter | None, messages: list[Message]) -> int:
    if counter is None:
        return 0
    try:
        return counter.count(messages)
    except Exception:  # the chat template may refuse a shape; the count is informative only
        return 0


def preview_examples(
    store: Store,
    workspace: Workspace,
    config: SynthConfig,
    *,
    count: int = PREVIEW_COUNT,
    seed: int | None = None,
    policy: str | None = None,
) -> list[ItemResult]:
    """A few conversations from random chunks of the selection, written and judged but not stored.

    Walks the chunks in a random order, one visit each before any repeats, and drops a chunk that held no
    fact, so a selection where most chunks are headings or pictures still shows `count` conversations.
    Stops early when a whole batch failed (the teacher is unreachable), so a broken server answers fast.
    """
    check_api_key(config.teacher)
    chunks = select_chunks(store, config)
    rng = random.Random(seed)
    teacher_config = replace(config.teacher, timeout_s=min(config.teacher.timeout_s, PREVIEW_TIMEOUT_S))
    teacher = build_teacher(teacher_config, workspace, concurrency=count)
    policy = policy if policy is not None else current_policy(store)
    names: dict[str, str] = {}
    visits = _ChunkVisits(chunks, rng)
    intents = iter(plan_intents(config.mix, count * PREVIEW_ATTEMPTS, rng.randrange(2**31)))
    results: list[ItemResult] = []
    try:
        with ThreadPoolExecutor(max_workers=count, thread_name_prefix="preview") as pool:
            for _ in range(PREVIEW_ATTEMPTS):
                picks = visits.take(count)
                if not picks:
                    break
                work = [
                    WorkItem(c.id, rng.randrange(config.per_chunk), next(intents), rng.randrange(2**31))
                    for c in picks
                ]
                sources = [source_for(store, chunk, names) for chunk in picks]
                batch = list(
                    pool.map(generate_item, [teacher] * len(picks), sources, work, [policy] * len(picks))
                )
                visits.drop(r.work.chunk_id for r in batch if r.reason == "no_fact")
                results += [r for r in batch if r.messages is not None or r.state == "failed"]
                if len(results) >= count or all(r.state == "failed" for r in batch):
                    break
    finally:
        close_teacher(teacher)
    return results[:count]


class _ChunkVisits:
    """The chunks in a shuffled round: every chunk once before any twice, minus those found to hold no fact."""

    def __init__(self, chunks: list[Chunk], rng: random.Random) -> None:
        order = list(chunks)
        rng.shuffle(order)
        self._round = deque(order)

    def take(self, count: int) -> list[Chunk]:
        picks: list[Chunk] = []
        while self._round and len(picks) < count:
            picks.append(self._round[0])
            self._round.rotate(-1)  # the visited chunk goes to the back of the round
        return picks

    def drop(self, chunk_ids: Iterable[str]) -> None:
        barren = set(chunk_ids)
        self._round = deque(c for c in self._round if c.id not in barren)
