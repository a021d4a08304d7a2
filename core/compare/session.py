"""One Compare round: the same student message to every column at once, streamed, each column with
its own history; in blind mode the columns are shuffled and the finished round is stored for a vote.

    request = RoundRequest("Why do plants need light?", keys=["base", "prompted", "adapter:a1"])
    for snapshot in stream_round(ctx, request):       # ctx: the studio's AppContext, or LocalCompareContext
        show(snapshot.columns)                         # ColumnReply per column: conversation, usage, error
    snapshot.comparison_id                             # set at the end of a blind round

The studio's Compare tab and `tutor-studio chat` both run rounds through here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace

from core.compare.backends import CompareContext, ServingConfig, ServingError, answering_model
from core.compare.blind import new_seed, record_comparison, shuffled_order
from core.compare.records import NewComparison, ShownVariant
from core.compare.variants import VariantError, resolve_variant, variant_label
from core.inference.backend import DEFAULT_GENERATION, GenerationConfig, InferenceError, Usage
from core.models.loading import ModelLoadError
from core.models.spec import Variant

Message = dict[str, str]
# Five screen updates a second: each one costs the studio a full re-render of three chat columns, and
# on a small CPU more frequent updates slowed generation itself several times over (measured).
UPDATE_INTERVAL_S = 0.2
MAX_MESSAGE_CHARS = 8000


class CompareError(ValueError):
    """A round cannot start; the message says what to change."""


@dataclass(frozen=True)
class RoundRequest:
    message: str
    keys: Sequence[str | None]  # the variant picked in each column; None leaves the column empty
    histories: Sequence[Sequence[Message]] = ()  # each column's conversation so far (not used when blind)
    config: GenerationConfig = DEFAULT_GENERATION
    serving: ServingConfig = field(default_factory=ServingConfig)
    blind: bool = False
    seed: int | None = None  # the blind shuffle's seed (random when None)
    creator: str | None = None


@dataclass(frozen=True)
class ColumnReply:
    key: str
    label: str
    conversation: list[Message]  # the history, the student message, and the reply so far
    usage: Usage | None = None
    finish_reason: str | None = None
    error: str | None = None

    @property
    def text(self) -> str:
        return self.conversation[-1]["content"]

    @property
    def done(self) -> bool:
        return self.usage is not None or self.error is not None


@dataclass(frozen=True)
class RoundSnapshot:
    columns: list[ColumnReply | None]  # per column, in the order shown
    status: str
    blind: bool = False
    finished: bool = False
    comparison_id: str | None = None
    error: str | None = None

    def usage_by_key(self) -> dict[str, Usage]:
        return {c.key: c.usage for c in self.columns if c is not None and c.usage is not None}


@dataclass
class _Slot:
    position: int  # the column it is shown in
    variant: Variant
    reply: ColumnReply


def stream_round(ctx: CompareContext, request: RoundRequest) -> Iterator[RoundSnapshot]:
    """Snapshots of every column as the replies stream in; the last one has finished=True."""
    message, slots, seed, order = _plan(ctx, request)
    backend = ctx.chat_backends.get(ctx.workspace, ctx.base, request.serving)
    columns: list[ColumnReply | None] = [None] * max(len(request.keys), len(slots))

    def snapshot(status: str, **extra: object) -> RoundSnapshot:
        for slot in slots:
            columns[slot.position] = slot.reply
        return RoundSnapshot(list(columns), status, request.blind, **extra)  # type: ignore[arg-type]

    if ctx.chat_backends.needs_loading(ctx.base, request.serving):
        yield snapshot(
            f"Loading {ctx.base.display_name} (first use: a hub model downloads once, the bundled copy unpacks once)..."
        )
        try:
            ctx.chat_backends.ensure_loaded(ctx.workspace, ctx.base)
        except (ModelLoadError, InferenceError, OSError) as exc:
            yield snapshot(str(exc), finished=True, error=str(exc))
            return
    yield snapshot("Writing replies...")
    requests = [(slot.variant, slot.reply.conversation[:-1]) for slot in slots]
    last_update = time.monotonic()
    try:
        for event in backend.stream_many(requests, request.config):
            slot = slots[event.index]
            slot.reply = _extend(slot.reply, event.delta, event.usage, event.finish_reason)
            if event.done or time.monotonic() - last_update >= UPDATE_INTERVAL_S:
                last_update = time.monotonic()
                yield snapshot("Writing replies...")
    except InferenceError as exc:
        for slot in slots:
            slot.reply = slot.reply if slot.reply.done else replace(slot.reply, error=str(exc))
        yield snapshot(f"A reply failed: {exc}", finished=True, error=str(exc))
        return
    comparison_id = _record(ctx, request, message, slots, seed, order) if request.blind else None
    yield snapshot(_done_status(request, slots), finished=True, comparison_id=comparison_id)


def run_round(ctx: CompareContext, request: RoundRequest) -> RoundSnapshot:
    """The finished round (what the CLI prints)."""
    snapshots = list(stream_round(ctx, request))
    return snapshots[-1]


def _plan(ctx: CompareContext, request: RoundRequest) -> tuple[str, list[_Slot], int, list[int]]:
    message = request.message.strip()
    if not message:
        raise CompareError("Type a student message first (or press one of the scenario buttons).")
    if len(message) > MAX_MESSAGE_CHARS:
        raise CompareError(
            f"The message is {len(message)} characters long; keep it under {MAX_MESSAGE_CHARS}."
        )
    picked = [(i, key) for i, key in enumerate(request.keys) if key]
    if not picked:
        raise CompareError("Pick a tutor in at least one column (the list above each column).")
    if request.blind and (len(picked) < 2 or len({key for _, key in picked}) < len(picked)):
        raise CompareError(
            "Blind mode needs a different tutor in each of at least two columns: change the repeated one."
        )
    try:
        request.serving.checked()
        variants = {key: resolve_variant(ctx.store, key) for _, key in picked if key}
    except (VariantError, ServingError) as exc:
        raise CompareError(str(exc)) from exc
    seed = request.seed if request.seed is not None else new_seed()
    order = shuffled_order(len(picked), seed) if request.blind else list(range(len(picked)))
    slots = []
    for position, index in enumerate(order):
        column, key = picked[index]
        shown_at = position if request.blind else column
        history = [] if request.blind or column >= len(request.histories) else list(request.histories[column])
        conversation = [
            *map(dict, history),
            {"role": "user", "content": message},
            {"role": "assistant", "content": ""},
        ]
        label = variant_label(ctx.store, key)  # type: ignore[arg-type]
        slots.append(_Slot(shown_at, variants[key], ColumnReply(key, label, conversation)))  # type: ignore[index, arg-type]
    return message, slots, seed, order


def _extend(reply: ColumnReply, delta: str, usage: Usage | None, finish_reason: str | None) -> ColumnReply:
    conversation = [*reply.conversation[:-1], {"role": "assistant", "content": reply.text + delta}]
    return replace(reply, conversation=conversation, usage=usage or reply.usage, finish_reason=finish_reason)


def _record(
    ctx: CompareContext, request: RoundRequest, message: str, slots: list[_Slot], seed: int, order: list[int]
) -> str:
    """Store the blind round: variants in the order picked, the shown order, replies and usage."""
    by_pick = sorted(zip(order, slots, strict=True), key=lambda pair: pair[0])
    comparison = record_comparison(
        ctx.store,
        NewComparison(
            message=message,
            prompt=[{"role": "user", "content": message}],
            variants=[ShownVariant(slot.reply.key, slot.reply.label) for _, slot in by_pick],
            shown_order=order,
            seed=seed,
            replies=[slot.reply.text for _, slot in by_pick],
            base_model=answering_model(ctx.base, request.serving),
            usage=[asdict(slot.reply.usage) if slot.reply.usage else {} for _, slot in by_pick],
            settings={"generation": asdict(request.config), "serving": request.serving.kind},
            creator=request.creator,
        ),
    )
    return comparison.id


def _done_status(request: RoundRequest, slots: list[_Slot]) -> str:
    cut = sum(1 for slot in slots if slot.reply.finish_reason == "length")
    note = f" {cut} of them hit the reply length limit; raise it to see more." if cut else ""
    if request.blind:
        return f"Done. Which reply is best? Vote below; the tutors' names show after your vote.{note}"
    return f"Done.{note}"
