"""The Compare tab: one student message to three tutors side by side (base | prompted | adapter),
streamed at once, with token costs, scenario buttons, blind votes and a leaderboard.

Each handler reads widgets, calls one function of core/compare or core/compare, and formats its answer
with studio/tabs/compare/display.py. The model is shared by every browser session (ctx.chat_backends).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import partial
from types import SimpleNamespace
from typing import Any

import gradio as gr

from core.compare.backends import ServingConfig, ServingError, answering_model, load_serving
from core.compare.blind import (
    VoteError,
    browser_state_secret,
    cast_vote,
    new_browser_id,
    position_label,
    voter_id,
)
from core.compare.savings import token_savings
from core.compare.scenarios import ScenarioError, pick_scenario
from core.compare.session import CompareError, RoundRequest, RoundSnapshot, stream_round
from core.compare.variants import default_column_keys, variant_options
from core.inference.backend import GenerationConfig
from studio.context import AppContext
from studio.tabs.compare import display as show
from studio.tabs.compare import layout
from studio.tabs.compare import leaderboard as compare_leaderboard
from studio.tabs.compare import serving as compare_serving

COLUMNS = 3
CHOICES_POLL_SECONDS = 5.0
INTRO = (
    "Send the same student message to several tutors at once: the **base model** as it is, the base model "
    "with your **tutor policy** as a long system prompt, and your trained **adapter**, which should behave "
    "like the prompted one without the long prompt. Any tutor can go in any column."
)


def bind(fn: Callable[..., Any], ctx: AppContext) -> Callable[..., Any]:
    """Like functools.partial(fn, ctx), but gradio still sees fn's `request: gr.Request` parameter.

    Gradio finds that parameter by its type hint, which a partial hides. A generator stays a generator
    function, so streaming still works.
    """
    signature = inspect.signature(fn)
    if inspect.isgeneratorfunction(fn):

        def bound(*args: Any) -> Any:
            yield from fn(ctx, *args)
    else:

        def bound(*args: Any) -> Any:
            return fn(ctx, *args)

    bound.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])  # type: ignore[attr-defined]
    bound.__annotations__ = {k: v for k, v in fn.__annotations__.items() if k != "ctx"}
    bound.__name__ = fn.__name__
    return bound


# -- chat ----------------------------------------------------------------------------------------------


def send(
    ctx: AppContext,
    message: str,
    key0: str | None,
    key1: str | None,
    key2: str | None,
    histories: list,
    rounds: list,
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
        config = GenerationConfig(int(max_tokens), float(temperature), seed=int(seed) if fixed_seed else None)
        serving = ServingConfig(kind, url or "", model or "", key_env or "")  # type: ignore[arg-type]
        keys = [key0, key1, key2]
        round_request = RoundRequest(
            message, keys, histories, config, serving, bool(blind), creator=_user(request)
        )
        snapshots = stream_round(ctx, round_request)
        snapshot = next(snapshots)
    except (CompareError, ServingError, ValueError) as exc:
        raise gr.Error(str(exc)) from exc
    yield _round_outputs(snapshot, histories, rounds, per_day, clear_message=True)
    for snapshot in snapshots:
        yield _round_outputs(snapshot, histories, rounds, per_day)
    if snapshot.error:
        raise gr.Error(f"{snapshot.error} The replies so far are kept above.")


def _round_outputs(
    snapshot: RoundSnapshot, histories: list, rounds: list, per_day: float, clear_message: bool = False
) -> tuple:
    columns = snapshot.columns[:COLUMNS]
    chats = [gr.update(value=show.chat_messages(c)) if c else gr.skip() for c in columns]
    titles = [show.blind_title(i) if snapshot.blind else gr.skip() for i in range(COLUMNS)]
    usages = [show.usage_html(c, hidden=snapshot.blind) if c else "" for c in columns]
    states, savings = (gr.skip(), gr.skip()), (gr.skip(), gr.skip())
    vote = (gr.update(visible=False), gr.skip(), gr.skip(), "")
    if snapshot.finished and not snapshot.error:
        histories = [c.conversation if c else h for c, h in zip(snapshot.columns, histories, strict=False)]
        rounds = [*rounds, {k: u.prompt_tokens for k, u in snapshot.usage_by_key().items()}]
        states, savings = (histories, rounds), _savings(rounds, per_day)
        vote = _vote_box(snapshot) if snapshot.comparison_id else vote
    message = "" if clear_message else gr.skip()
    outputs = (*chats, *titles, *usages, snapshot.status, *states, snapshot.comparison_id, *vote, *savings)
    return (*outputs, message)


def _vote_box(snapshot: RoundSnapshot) -> tuple:
    choices = [
        (f"Tutor {position_label(i)}", position_label(i))
        for i, c in enumerate(snapshot.columns)
        if c is not None
    ]
    second = gr.update(choices=choices, value=None, visible=len(choices) > 2)
    return gr.update(visible=True), gr.update(choices=choices, value=None), second, ""


def _savings(rounds: list, per_day: float) -> tuple[str, Any]:
    savings = token_savings(rounds, max(0, int(per_day or 0)))
    label = show.plain_label(savings.plain_key)
    plot = gr.update(value=show.savings_frame(savings, label), visible=savings.measured)
    return show.savings_html(savings, label), plot


def update_savings(rounds: list, per_day: float) -> tuple[str, Any]:
    return _savings(rounds, per_day)


def new_conversation(*keys: str | None) -> tuple:
    return _cleared(list(keys), blind=None)


def set_blind(blind: bool, *keys: str | None) -> tuple:
    pickers = [gr.update(visible=not blind) for _ in keys]
    contestants = gr.update(value=show.contestants_note(keys), visible=blind)
    return (*pickers, contestants, *_cleared(list(keys), blind=blind))


def _cleared(keys: list[str | None], blind: bool | None) -> tuple:
    """Every column empty again; the titles are shown only in blind mode (None: leave as they are)."""
    chats = [gr.update(value=[], placeholder=show.column_placeholder(k)) for k in keys]
    titles = [
        gr.update(value=show.blind_title(i), visible=blind) if blind is not None else show.blind_title(i)
        for i in range(len(keys))
    ]
    status = "New conversation: every column starts fresh."
    return (
        *chats,
        *titles,
        *[""] * len(keys),
        status,
        [[] for _ in keys],
        None,
        gr.update(visible=False),
        "",
    )


def set_placeholders(*keys: str | None) -> tuple:
    """An empty column tells how to fill it (e.g. there is no adapter yet)."""
    return tuple(gr.update(placeholder=show.column_placeholder(k)) for k in keys)


def refresh_choices(ctx: AppContext, signature: str, *keys: str | None) -> tuple:
    """New adapters (from a training run) appear in the column lists without a page reload."""
    options = variant_options(ctx.store, ctx.base)
    new_signature = "|".join(o.key for o in options)
    if new_signature == signature:
        return (*[gr.skip()] * COLUMNS, signature)
    defaults = default_column_keys(ctx.store, COLUMNS)
    chosen = [key or (defaults[i] if i == COLUMNS - 1 else None) for i, key in enumerate(keys)]
    choices = show.variant_choices(options)
    return (*[gr.update(choices=choices, value=k) for k in chosen], new_signature)


def scenario(ctx: AppContext, source: str, turns: dict) -> tuple[str, str, dict]:
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
    comparison_id: str | None,
    best: str | None,
    second: str | None,
    browser_id: str,
    request: gr.Request,
) -> tuple:
    if not comparison_id:
        raise gr.Error("There is nothing to vote on yet: tick Blind mode and send a message first.")
    browser_id = browser_id or new_browser_id()
    try:
        voter = voter_id(request.username, browser_id)
        outcome = cast_vote(ctx.store, comparison_id, voter, [best or "", second or ""])
    except VoteError as exc:
        raise gr.Error(str(exc)) from exc
    shown = len(outcome.comparison.shown)
    titles = [show.revealed_title(outcome, i) if i < shown else gr.skip() for i in range(COLUMNS)]
    usages = [show.revealed_usage(outcome, i) if i < shown else "" for i in range(COLUMNS)]
    return (show.reveal_html(outcome), *titles, *usages, browser_id)


def _user(request: gr.Request | None) -> str | None:
    return f"user:{request.username}" if request is not None and request.username else None


# -- layout and wiring ---------------------------------------------------------------------------------


def build(ctx: AppContext) -> None:
    gr.Markdown(INTRO)
    ui = SimpleNamespace()
    keys = default_column_keys(ctx.store, COLUMNS)
    options = variant_options(ctx.store, ctx.base)
    serving = load_serving(ctx.store)
    with gr.Tabs(elem_id="compare-tabs"):
        with gr.Tab("Chat", id="compare-chat", elem_id="compare-chat-tab"):
            layout.settings_row(ui)
            layout.columns(ui, keys, options)
            layout.message_area(ui)
            layout.vote_area(ui)
            layout.savings_area(ui)
            answering = answering_model(ctx.base, serving)
            gr.HTML(show.answering_html(ctx.base, answering, ctx.hardware.name), elem_id="compare-answering")
            ui.serving = compare_serving.build(ctx, serving, keys)
        with gr.Tab("Leaderboard", id="compare-leaderboard", elem_id="compare-leaderboard-tab") as board_tab:
            ui.board = compare_leaderboard.build(ctx, board_tab)
    ui.histories = gr.State([[] for _ in range(COLUMNS)])
    ui.rounds, ui.comparison, ui.turns = gr.State([]), gr.State(None), gr.State({})
    ui.signature = gr.State("|".join(o.key for o in options))
    secret = browser_state_secret(ctx.store)  # the same across restarts, so browsers keep their voter id
    ui.browser_id = gr.BrowserState("", storage_key="tutor-studio-voter", secret=secret)
    _wire(ctx, ui)


def _wire(ctx: AppContext, ui: SimpleNamespace) -> None:
    server = ui.serving
    settings = [ui.blind, ui.max_tokens, ui.temperature, ui.fixed_seed, ui.seed, server.kind, server.url]
    settings += [server.model, server.key_env, ui.per_day]
    shown = [*ui.chats, *ui.titles, *ui.usages, ui.status]
    states = [ui.histories, ui.rounds, ui.comparison]
    votes = [ui.vote_box, ui.best, ui.second, ui.reveal]
    gr.on(
        [ui.send.click, ui.message.submit],
        bind(send, ctx),
        inputs=[ui.message, *ui.pickers, ui.histories, ui.rounds, *settings],
        outputs=[*shown, *states, *votes, ui.savings, ui.savings_plot, ui.message],
        api_name="compare_send",
        concurrency_limit=1,  # one model serves every session: a second sender queues visibly
        concurrency_id="compare_model",
        show_progress="minimal",
        # A Send pressed while a round is still finishing runs right after it instead of being dropped
        # (Gradio's default for clicks ignores them while the event is busy).
        trigger_mode="always_last",
    )
    cleared = [*shown, ui.histories, ui.comparison, ui.vote_box, ui.reveal]
    ui.new.click(new_conversation, inputs=ui.pickers, outputs=cleared, api_name="compare_new")
    ui.blind.change(
        set_blind, inputs=[ui.blind, *ui.pickers], outputs=[*ui.pickers, ui.contestants, *cleared]
    )
    for picker in ui.pickers:
        picker.change(set_placeholders, inputs=ui.pickers, outputs=ui.chats, show_progress="hidden")
    compare_serving.wire(ctx, server, ui.pickers)
    gr.Timer(CHOICES_POLL_SECONDS).tick(
        partial(refresh_choices, ctx),
        inputs=[ui.signature, *ui.pickers],
        outputs=[*ui.pickers, ui.signature],
        show_progress="hidden",
        queue=False,
    )
    for source, button in ui.scenario_buttons.items():
        button.click(
            partial(scenario, ctx, source),
            inputs=[ui.turns],
            outputs=[ui.message, ui.scenario_note, ui.turns],
            api_name=f"compare_scenario_{source}",
        )
    ui.per_day.change(update_savings, inputs=[ui.rounds, ui.per_day], outputs=[ui.savings, ui.savings_plot])
    ui.vote_button.click(
        bind(vote, ctx),
        inputs=[ui.comparison, ui.best, ui.second, ui.browser_id],
        outputs=[ui.reveal, *ui.titles, *ui.usages, ui.browser_id],
        api_name="compare_vote",
    ).then(ui.board.refresh, outputs=ui.board.outputs)
