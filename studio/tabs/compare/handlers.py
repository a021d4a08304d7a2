"""The Compare tab: one student message to three tutors side by side (base | prompted | adapter),
streamed at once, with token costs, scenario buttons, blind votes and a leaderboard.

`build(ctx)` reads where the layout starts from core, lays the tab out (studio/tabs/compare/layout.py's
CompareWidgets) and wires it. Each handler reads those widgets, calls one function of core/compare,
and formats its answer with studio/tabs/compare/display.py. The model is shared by every browser
session (ctx.chat_backends).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import partial
from typing import Any

import gradio as gr

from core.compare.backends import ServingConfig, ServingError, answering_model, load_serving
from core.compare.blind import VoteError, browser_state_secret, cast_vote, new_browser_id, voter_id
from core.compare.leaderboard import leaderboard
from core.compare.reply_settings import ReplySettings
from core.compare.savings import token_savings
from core.compare.scenarios import ScenarioError, pick_scenario
from core.compare.session import CompareError, RoundRequest, RoundSnapshot, stream_round
from core.compare.variants import default_column_keys, variant_options
from core.deploy.vllm import served_model_name
from studio.context import AppContext
from studio.tabs.compare import display as show
from studio.tabs.compare import leaderboard_handlers as board
from studio.tabs.compare import serving_handlers as serving
from studio.tabs.compare.layout import COLUMNS, CompareStart, CompareWidgets, build_layout
from studio.tabs.compare.serving_handlers import vllm_command

CHOICES_POLL_SECONDS = 5.0
INTRO = (
    "Send the same student message to several tutors at once: the **base model** as it is, the base model "
    "with your **tutor policy** as a long system prompt, and your trained **adapter**, which should behave "
    "like the prompted one without the long prompt. Any tutor can go in any column."
)


def build(ctx: AppContext) -> None:
    gr.Markdown(INTRO)
    w = build_layout(starting_point(ctx))
    wire(ctx, w)


def starting_point(ctx: AppContext) -> CompareStart:
    """What the layout starts with: the columns' tutors, the serving settings, the leaderboard so far."""
    keys = default_column_keys(ctx.store, COLUMNS)
    serving = load_serving(ctx.store)
    command, notes = vllm_command(ctx, *keys)
    board = leaderboard(ctx.store)
    return CompareStart(
        keys=keys,
        options=variant_options(ctx.store, ctx.base),
        serving=serving,
        served_model=served_model_name(ctx.base),
        vllm_command=command,
        vllm_notes=notes,
        answering=show.answering_html(ctx.base, answering_model(ctx.base, serving), ctx.hardware.name),
        board_summary=show.leaderboard_summary(board),
        board_chart=show.ratings_svg(board),
        secret=browser_state_secret(ctx.store),
    )


def bind(fn: Callable[..., Any], *bound: Any) -> Callable[..., Any]:
    """Like functools.partial(fn, *bound), but gradio still sees fn's `request: gr.Request` parameter.

    Gradio finds that parameter by its type hint, which a partial hides. A generator stays a generator
    function, so streaming still works.
    """
    signature = inspect.signature(fn)
    if inspect.isgeneratorfunction(fn):

        def bound_fn(*args: Any) -> Any:
            yield from fn(*bound, *args)
    else:

        def bound_fn(*args: Any) -> Any:
            return fn(*bound, *args)

    rest = list(signature.parameters.values())[len(bound) :]
    bound_fn.__signature__ = signature.replace(parameters=rest)  # type: ignore[attr-defined]
    names = {p.name for p in rest} | {"return"}
    bound_fn.__annotations__ = {k: v for k, v in fn.__annotations__.items() if k in names}
    bound_fn.__name__ = fn.__name__
    return bound_fn


# -- chat ----------------------------------------------------------------------------------------------


def send(
    ctx: AppContext,
    w: CompareWidgets,
    message: str,
    key0: str | None,
    key1: str | None,
    key2: str | None,
    histories: list[Any],
    rounds: list[Any],
    blind: bool,
    max_tokens: float,
    temperature: float,
    fixed_seed: bool,
    seed: float,
    kind: str,
    url: str,
    model: str,
    key_env: str,
    per_day: float,
    request: gr.Request,
) -> Any:
    """Stream one round into every column (a generator: `bind` keeps it one, as partial would)."""
    try:
        config = ReplySettings(
            max_new_tokens=int(max_tokens),
            temperature=float(temperature),
            seed=int(seed) if fixed_seed else None,
        ).generation()
        serving = ServingConfig(kind, url or "", model or "", key_env or "")  # type: ignore[arg-type]
        keys = [key0, key1, key2]
        round_request = RoundRequest(
            message, keys, histories, config, serving, bool(blind), creator=_user(request)
        )
        snapshots = stream_round(ctx, round_request)
        snapshot = next(snapshots)
    except (CompareError, ServingError, ValueError) as exc:
        raise gr.Error(str(exc)) from exc
    yield round_updates(w, snapshot, histories, rounds, per_day) | {w.message.message: ""}
    for snapshot in snapshots:
        yield round_updates(w, snapshot, histories, rounds, per_day)
    if snapshot.error:
        raise gr.Error(f"{snapshot.error} The replies so far are kept above.")


def round_updates(
    w: CompareWidgets, snapshot: RoundSnapshot, histories: list[Any], rounds: list[Any], per_day: float
) -> dict[Any, Any]:
    """The columns as the round stands; once it is finished, the session's state, vote and savings."""
    c, columns = w.columns, snapshot.columns[:COLUMNS]
    updates: dict[Any, Any] = {w.message.status: snapshot.status, w.state.comparison: snapshot.comparison_id}
    for i, column in enumerate(columns):
        if column:
            updates[c.chats[i]] = gr.update(value=show.chat_messages(column))
        if snapshot.blind:
            updates[c.titles[i]] = show.blind_title(i)
        updates[c.usages[i]] = show.usage_html(column, hidden=snapshot.blind) if column else ""
    updates |= {w.vote.box: gr.update(visible=False), w.vote.reveal: ""}
    if snapshot.finished and not snapshot.error:
        updates |= _finished(w, snapshot, histories, rounds, per_day)
    return updates


def _finished(
    w: CompareWidgets, snapshot: RoundSnapshot, histories: list[Any], rounds: list[Any], per_day: float
) -> dict[Any, Any]:
    histories = [c.conversation if c else h for c, h in zip(snapshot.columns, histories, strict=False)]
    rounds = [*rounds, {k: u.prompt_tokens for k, u in snapshot.usage_by_key().items()}]
    updates = {w.state.histories: histories, w.state.rounds: rounds, **savings_updates(w, rounds, per_day)}
    return updates | (vote_box(w, snapshot) if snapshot.comparison_id else {})


def vote_box(w: CompareWidgets, snapshot: RoundSnapshot) -> dict[Any, Any]:
    choices = show.vote_choices(snapshot.columns)
    return {
        w.vote.box: gr.update(visible=True),
        w.vote.best: gr.update(choices=choices, value=None),
        w.vote.second: gr.update(choices=choices, value=None, visible=len(choices) > 2),
        w.vote.reveal: "",
    }


def savings_updates(w: CompareWidgets, rounds: list[Any], per_day: float) -> dict[Any, Any]:
    savings = token_savings(rounds, max(0, int(per_day or 0)))
    label = show.plain_label(savings.plain_key)
    return {
        w.savings.text: show.savings_html(savings, label),
        w.savings.plot: gr.update(value=show.savings_frame(savings, label), visible=savings.measured),
    }


def new_conversation(w: CompareWidgets, *keys: str | None) -> dict[Any, Any]:
    return cleared(w, list(keys), blind=None)


def set_blind(w: CompareWidgets, blind: bool, *keys: str | None) -> dict[Any, Any]:
    c = w.columns
    pickers = {picker: gr.update(visible=not blind) for picker in c.pickers}
    contestants = {c.contestants: gr.update(value=show.contestants_note(keys), visible=blind)}
    return pickers | contestants | cleared(w, list(keys), blind=blind)


def cleared(w: CompareWidgets, keys: list[str | None], blind: bool | None) -> dict[Any, Any]:
    """Every column empty again; the titles are shown only in blind mode (None: leave as they are)."""
    c = w.columns
    updates: dict[Any, Any] = {}
    for i, key in enumerate(keys):
        updates[c.chats[i]] = gr.update(value=[], placeholder=show.column_placeholder(key))
        title = show.blind_title(i)
        updates[c.titles[i]] = gr.update(value=title, visible=blind) if blind is not None else title
        updates[c.usages[i]] = ""
    return updates | {
        w.message.status: "New conversation: every column starts fresh.",
        w.state.histories: [[] for _ in keys],
        w.state.comparison: None,
        w.vote.box: gr.update(visible=False),
        w.vote.reveal: "",
    }


def set_placeholders(w: CompareWidgets, *keys: str | None) -> dict[Any, Any]:
    """An empty column tells how to fill it (e.g. there is no adapter yet)."""
    return {
        chat: gr.update(placeholder=show.column_placeholder(k))
        for chat, k in zip(w.columns.chats, keys, strict=True)
    }


def refresh_choices(ctx: AppContext, w: CompareWidgets, signature: str, *keys: str | None) -> dict[Any, Any]:
    """New adapters (from a training run) appear in the column lists without a page reload."""
    options = variant_options(ctx.store, ctx.base)
    new_signature = "|".join(o.key for o in options)
    if new_signature == signature:
        return gr.skip()  # every picker and the signature stay as they are
    defaults = default_column_keys(ctx.store, COLUMNS)
    chosen = [key or (defaults[i] if i == COLUMNS - 1 else None) for i, key in enumerate(keys)]
    choices = show.variant_choices(options)
    pickers = {p: gr.update(choices=choices, value=k) for p, k in zip(w.columns.pickers, chosen, strict=True)}
    return pickers | {w.state.signature: new_signature}


def scenario(ctx: AppContext, source: str, turns: dict[str, int]) -> tuple[str, str, dict[str, int]]:
    turn = int(turns.get(source, 0))
    try:
        picked = pick_scenario(ctx.store, source, turn)
    except ScenarioError as exc:
        raise gr.Error(str(exc)) from exc
    note = f"Scenario: {picked.note}. Edit it if you like, then press Send."
    return picked.message, note, {**turns, source: turn + 1}


# -- blind votes ---------------------------------------------------------------------------------------


def vote(
    ctx: AppContext,
    w: CompareWidgets,
    comparison_id: str | None,
    best: str | None,
    second: str | None,
    browser_id: str,
    request: gr.Request,
) -> dict[Any, Any]:
    if not comparison_id:
        raise gr.Error("There is nothing to vote on yet: tick Blind mode and send a message first.")
    browser_id = browser_id or new_browser_id()
    try:
        voter = voter_id(request.username, browser_id)
        outcome = cast_vote(ctx.store, comparison_id, voter, [best or "", second or ""])
    except VoteError as exc:
        raise gr.Error(str(exc)) from exc
    c, shown = w.columns, len(outcome.comparison.shown)
    updates: dict[Any, Any] = {w.vote.reveal: show.reveal_html(outcome), w.state.browser_id: browser_id}
    for i in range(COLUMNS):
        if i < shown:
            updates[c.titles[i]] = show.revealed_title(outcome, i)
        updates[c.usages[i]] = show.revealed_usage(outcome, i) if i < shown else ""
    return updates


def _user(request: gr.Request | None) -> str | None:
    return f"user:{request.username}" if request is not None and request.username else None


# -- wiring --------------------------------------------------------------------------------------------


def wire(ctx: AppContext, w: CompareWidgets) -> None:
    wire_send(ctx, w)
    wire_columns(ctx, w)
    wire_serving(ctx, w)
    wire_votes(ctx, w)
    wire_board(ctx, w)


def wire_send(ctx: AppContext, w: CompareWidgets) -> None:
    c, m, st, sv, v = w.columns, w.message, w.state, w.settings, w.vote
    settings = [sv.blind, sv.max_tokens, sv.temperature, sv.fixed_seed, sv.seed, *w.serving.settings()]
    shown = [*c.chats, *c.titles, *c.usages, m.status]
    outputs = [*shown, st.histories, st.rounds, st.comparison, v.box, v.best, v.second, v.reveal]
    gr.on(
        [m.send.click, m.message.submit],
        bind(send, ctx, w),
        inputs=[m.message, *c.pickers, st.histories, st.rounds, *settings, w.savings.per_day],
        outputs=[*outputs, w.savings.text, w.savings.plot, m.message],
        api_name="compare_send",
        concurrency_limit=1,  # one model serves every session: a second sender queues visibly
        concurrency_id="compare_model",
        show_progress="minimal",
        # A Send pressed while a round is still finishing runs right after it instead of being dropped
        # (Gradio's default for clicks ignores them while the event is busy).
        trigger_mode="always_last",
    )
    for source, button in m.scenario_buttons.items():
        button.click(
            partial(scenario, ctx, source),
            inputs=[st.turns],
            outputs=[m.message, m.scenario_note, st.turns],
            api_name=f"compare_scenario_{source}",
        )
    per_day = w.savings.per_day
    per_day.change(partial(savings_updates, w), [st.rounds, per_day], [w.savings.text, w.savings.plot])


def wire_columns(ctx: AppContext, w: CompareWidgets) -> None:
    """New conversation, blind mode, the tutor pickers, and new adapters appearing in them."""
    c, st = w.columns, w.state
    shown = [*c.chats, *c.titles, *c.usages, w.message.status]
    cleared_outputs = [*shown, st.histories, st.comparison, w.vote.box, w.vote.reveal]
    w.message.new.click(
        partial(new_conversation, w), inputs=c.pickers, outputs=cleared_outputs, api_name="compare_new"
    )
    w.settings.blind.change(
        partial(set_blind, w),
        inputs=[w.settings.blind, *c.pickers],
        outputs=[*c.pickers, c.contestants, *cleared_outputs],
    )
    for picker in c.pickers:
        picker.change(partial(set_placeholders, w), inputs=c.pickers, outputs=c.chats, show_progress="hidden")
    gr.Timer(CHOICES_POLL_SECONDS).tick(
        partial(refresh_choices, ctx, w),
        inputs=[st.signature, *c.pickers],
        outputs=[*c.pickers, st.signature],
        show_progress="hidden",
        queue=False,
    )


def wire_serving(ctx: AppContext, w: CompareWidgets) -> None:
    s, pickers = w.serving, w.columns.pickers
    s.kind.change(serving.set_serving_kind, inputs=s.kind, outputs=s.server_box)
    s.check.click(
        partial(serving.check_connection, ctx),
        inputs=[*s.settings(), *pickers],
        outputs=s.check_result,
        api_name="compare_check_server",
    )
    for picker in pickers:
        picker.change(
            partial(serving.vllm_command, ctx),
            inputs=pickers,
            outputs=[s.vllm, s.vllm_notes],
            show_progress="hidden",
        )


def wire_votes(ctx: AppContext, w: CompareWidgets) -> None:
    c, v, st = w.columns, w.vote, w.state
    voted = v.button.click(
        bind(vote, ctx, w),
        inputs=[st.comparison, v.best, v.second, st.browser_id],
        outputs=[v.reveal, *c.titles, *c.usages, st.browser_id],
        api_name="compare_vote",
    )
    voted.then(partial(board.refresh_leaderboard, ctx, w.board), outputs=w.board.outputs())


def wire_board(ctx: AppContext, w: CompareWidgets) -> None:
    b = w.board
    refresh = partial(board.refresh_leaderboard, ctx, b)
    b.tab.select(refresh, outputs=b.outputs(), api_name="compare_leaderboard")
    b.refresh.click(refresh, outputs=b.outputs())
    b.export.click(
        partial(board.export_pairs, ctx), outputs=[b.note, b.file], api_name="compare_export_pairs"
    )
    b.to_review.click(bind(board.review_examples, ctx), outputs=b.note, api_name="compare_review_examples")
