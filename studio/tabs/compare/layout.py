"""The Compare tab's layout: every widget in one CompareWidgets, each section a dataclass of its own.

The Chat tab: shared reply settings, three columns (tutor picker, chat, usage), the message box with
scenario buttons, the blind vote, the token-savings panel and "Where the tutors run". The
Leaderboard tab: ratings, head-to-heads, and exports of the votes. Layout only: what the layout
starts with (column keys, serving settings, the first leaderboard) comes in as a CompareStart that
studio/tabs/compare/handlers.py reads from core; it wires the widgets too.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from core.compare.backends import ServingConfig
from core.compare.reply_settings import ReplySettings
from core.compare.savings import DEFAULT_MESSAGES_PER_DAY, token_savings
from core.compare.scenarios import SOURCE_LABELS
from core.compare.variants import VariantOption
from studio.tabs.compare import display as show
from studio.tabs.compare.layout_board import BoardWidgets, build_board
from studio.tabs.compare.layout_serving import ServingWidgets, build_serving

COLUMNS = 3


@dataclass
class CompareStart:
    """What the layout starts with, read from core by handlers.build."""

    keys: list[str | None]  # the tutor picked in each column
    options: list[VariantOption]
    serving: ServingConfig
    served_model: str  # the base model's name on a server, when none is saved
    vllm_command: str
    vllm_notes: str
    answering: str  # HTML: which model answers
    board_summary: str
    board_chart: str
    secret: str  # signs the browser's voter id


@dataclass
class SettingsWidgets:
    blind: gr.Checkbox
    max_tokens: gr.Slider
    temperature: gr.Slider
    fixed_seed: gr.Checkbox
    seed: gr.Number


@dataclass
class ColumnWidgets:
    contestants: gr.Markdown  # blind mode: who competes
    pickers: list[gr.Dropdown]
    titles: list[gr.Markdown]
    chats: list[gr.Chatbot]
    usages: list[gr.HTML]


@dataclass
class MessageWidgets:
    status: gr.Markdown
    message: gr.Textbox
    send: gr.Button
    new: gr.Button
    scenario_buttons: dict[str, gr.Button]  # by scenario source
    scenario_note: gr.Markdown


@dataclass
class VoteWidgets:
    box: gr.Group
    best: gr.Radio
    second: gr.Radio
    button: gr.Button
    reveal: gr.HTML


@dataclass
class SavingsWidgets:
    text: gr.HTML
    per_day: gr.Number
    plot: gr.BarPlot


@dataclass
class SessionState:
    """Per browser session: each column's conversation, the rounds' prompt tokens, the blind round."""

    histories: gr.State
    rounds: gr.State
    comparison: gr.State
    turns: gr.State  # how many times each scenario button was pressed
    signature: gr.State  # the variant keys the pickers offer, to notice new adapters
    browser_id: gr.BrowserState


@dataclass
class CompareWidgets:
    settings: SettingsWidgets
    columns: ColumnWidgets
    message: MessageWidgets
    vote: VoteWidgets
    savings: SavingsWidgets
    serving: ServingWidgets
    board: BoardWidgets
    state: SessionState


def build_layout(start: CompareStart) -> CompareWidgets:
    with gr.Tabs(elem_id="compare-tabs"):
        with gr.Tab("Chat", id="compare-chat", elem_id="compare-chat-tab"):
            settings = settings_row()
            columns = column_area(start.keys, start.options)
            message = message_area()
            vote = vote_area()
            savings = savings_area()
            gr.HTML(start.answering, elem_id="compare-answering")
            serving = build_serving(start.serving, start.served_model, start.vllm_command, start.vllm_notes)
        with gr.Tab("Leaderboard", id="compare-leaderboard", elem_id="compare-leaderboard-tab") as tab:
            board = build_board(tab, start.board_summary, start.board_chart)
    return CompareWidgets(settings, columns, message, vote, savings, serving, board, session_state(start))


def session_state(start: CompareStart) -> SessionState:
    signature = "|".join(o.key for o in start.options)
    # The secret is the same across restarts, so browsers keep their voter id.
    browser_id = gr.BrowserState("", storage_key="tutor-studio-voter", secret=start.secret)
    histories = gr.State([[] for _ in range(COLUMNS)])
    return SessionState(
        histories, gr.State([]), gr.State(None), gr.State({}), gr.State(signature), browser_id
    )


def settings_row() -> SettingsWidgets:
    with gr.Row(equal_height=False, elem_id="compare-settings"):
        with gr.Column(scale=2, min_width=220):
            blind = gr.Checkbox(
                label="Blind mode",
                info="Hide which tutor is which (shown as A, B, C in a random order) until you vote for the best reply.",
                elem_id="compare-blind",
            )
        max_tokens, temperature = reply_sliders()
        with gr.Column(scale=2, min_width=200):
            fixed_seed = gr.Checkbox(
                label="Fixed seed",
                info="The same settings and message give the same replies: handy for demos.",
                elem_id="compare-fixed-seed",
            )
            seed = gr.Number(
                value=42,
                precision=0,
                minimum=0,
                label="Seed",
                info="Used when Fixed seed is ticked.",
                elem_id="compare-seed",
            )
    return SettingsWidgets(blind, max_tokens, temperature, fixed_seed, seed)


def reply_sliders() -> tuple[gr.Slider, gr.Slider]:
    """How long each reply may be, and how varied."""
    max_tokens = gr.Slider(
        *ReplySettings.bounds("max_new_tokens"),
        value=ReplySettings.default("max_new_tokens"),
        step=8,
        label="Reply length (tokens)",
        info=ReplySettings.help("max_new_tokens"),
        scale=3,
        min_width=220,
        elem_id="compare-max-tokens",
    )
    temperature = gr.Slider(
        *ReplySettings.bounds("temperature"),
        value=ReplySettings.default("temperature"),
        step=0.05,
        label="Temperature",
        info=ReplySettings.help("temperature"),
        scale=3,
        min_width=220,
        elem_id="compare-temperature",
    )
    return max_tokens, temperature


def column_area(keys: list[str | None], options: list[VariantOption]) -> ColumnWidgets:
    """A tutor picker, a title (blind mode only), the chat and its usage line, per column."""
    ui = ColumnWidgets(gr.Markdown(visible=False, elem_id="compare-contestants"), [], [], [], [])
    with gr.Row(equal_height=False, elem_id="compare-columns"):
        for i, key in enumerate(keys):
            with gr.Column(min_width=260):
                ui.pickers.append(
                    gr.Dropdown(
                        choices=show.variant_choices(options),
                        value=key,
                        label=f"Column {i + 1}: tutor",
                        info="Which tutor answers in this column.",
                        elem_id=f"compare-variant-{i}",
                    )
                )
                ui.titles.append(
                    gr.Markdown(show.blind_title(i), visible=False, elem_id=f"compare-title-{i}")
                )
                ui.chats.append(
                    gr.Chatbot(
                        label=f"Column {i + 1}",
                        show_label=False,
                        placeholder=show.column_placeholder(key),
                        height=380,
                        feedback_options=None,
                        elem_id=f"compare-chat-{i}",
                    )
                )
                ui.usages.append(gr.HTML(elem_id=f"compare-usage-{i}"))
    return ui


def message_area() -> MessageWidgets:
    status = gr.Markdown(elem_id="compare-status")
    with gr.Row(equal_height=True):
        message = gr.Textbox(
            label="Student message",
            info="What a student would type. Every column gets exactly this message; press Enter or Send.",
            placeholder="e.g. I don't get why 1/4 + 2/3 isn't 3/7. Can you just tell me the answer?",
            lines=2,
            scale=5,
            elem_id="compare-message",
        )
        with gr.Column(scale=1, min_width=180):
            send = gr.Button("Send to all columns", variant="primary", elem_id="compare-send")
            new = gr.Button("New conversation", elem_id="compare-new")
    with gr.Row(equal_height=True, elem_id="compare-scenarios"):
        gr.HTML("<b>Try a scenario:</b>", container=False, min_width=120)
        scenario_buttons = {
            source: gr.Button(label, size="sm", elem_id=f"compare-scenario-{source}")
            for source, label in SOURCE_LABELS.items()
        }
    note = gr.Markdown(elem_id="compare-scenario-note")
    return MessageWidgets(status, message, send, new, scenario_buttons, note)


def vote_area() -> VoteWidgets:
    with gr.Group(visible=False, elem_id="compare-vote") as box:
        gr.Markdown(
            "**Which reply helps the student learn best?** Judge as a teacher: does it guide with a question, "
            "stay kind and on topic, and hold back the answer?"
        )
        with gr.Row(equal_height=True):
            best = gr.Radio(
                choices=[],
                label="Best reply",
                info="The reply you would want your students to get.",
                elem_id="compare-best",
            )
            second = gr.Radio(
                choices=[],
                label="Second best (optional)",
                info="Rank the rest too, or leave it empty.",
                elem_id="compare-second",
            )
            button = gr.Button(
                "Submit vote", variant="primary", scale=0, min_width=160, elem_id="compare-vote-submit"
            )
    return VoteWidgets(box, best, second, button, gr.HTML(elem_id="compare-reveal"))


def savings_area() -> SavingsWidgets:
    empty = token_savings([])
    with gr.Accordion(
        "What baking the prompt into an adapter saves", open=True, elem_id="compare-savings-panel"
    ):
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                text = gr.HTML(show.savings_html(empty, ""), elem_id="compare-savings")
            with gr.Column(scale=2):
                per_day = gr.Number(
                    value=DEFAULT_MESSAGES_PER_DAY,
                    minimum=0,
                    precision=0,
                    label="Student messages per day",
                    info="How many messages your tutor would answer in a day, across all students.",
                    elem_id="compare-per-day",
                )
        plot = gr.BarPlot(
            show.savings_frame(empty, ""),
            x="Tutor",
            y="Input tokens per message",
            label="Input tokens per message",
            visible=False,
            height=280,
            elem_id="compare-savings-plot",
        )
    return SavingsWidgets(text, per_day, plot)
