"""The Compare tab's chat layout: shared reply settings, three columns (tutor picker, chat, usage), the
message box with scenario buttons, the blind vote, and the token-savings panel.

Layout only: each function adds its widgets to the `ui` namespace; studio/tabs/compare/handlers.py wires them.
"""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from core.compare.savings import DEFAULT_MESSAGES_PER_DAY, token_savings
from core.compare.scenarios import SOURCE_LABELS
from core.compare.variants import VariantOption
from studio.tabs.compare import display as show

DEFAULT_REPLY_TOKENS = 200


def settings_row(ui: SimpleNamespace) -> None:
    with gr.Row(equal_height=False, elem_id="compare-settings"):
        with gr.Column(scale=2, min_width=220):
            ui.blind = gr.Checkbox(
                label="Blind mode",
                info="Hide which tutor is which (shown as A, B, C in a random order) until you vote for the best reply.",
                elem_id="compare-blind",
            )
        ui.max_tokens = gr.Slider(
            16,
            1024,
            value=DEFAULT_REPLY_TOKENS,
            step=8,
            label="Reply length (tokens)",
            info="The longest reply each tutor may write. Longer replies take longer.",
            scale=3,
            min_width=220,
            elem_id="compare-max-tokens",
        )
        ui.temperature = gr.Slider(
            0,
            1.5,
            value=0.7,
            step=0.05,
            label="Temperature",
            info="0 always picks the likeliest word (the same reply every time); higher is more varied.",
            scale=3,
            min_width=220,
            elem_id="compare-temperature",
        )
        with gr.Column(scale=2, min_width=200):
            ui.fixed_seed = gr.Checkbox(
                label="Fixed seed",
                info="The same settings and message give the same replies: handy for demos.",
                elem_id="compare-fixed-seed",
            )
            ui.seed = gr.Number(
                value=42,
                precision=0,
                minimum=0,
                label="Seed",
                info="Used when Fixed seed is ticked.",
                elem_id="compare-seed",
            )


def columns(ui: SimpleNamespace, keys: list[str | None], options: list[VariantOption]) -> None:
    """A tutor picker, a title (blind mode only), the chat and its usage line, per column."""
    ui.contestants = gr.Markdown(visible=False, elem_id="compare-contestants")
    ui.pickers, ui.titles, ui.chats, ui.usages = [], [], [], []
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


def message_area(ui: SimpleNamespace) -> None:
    ui.status = gr.Markdown(elem_id="compare-status")
    with gr.Row(equal_height=True):
        ui.message = gr.Textbox(
            label="Student message",
            info="What a student would type. Every column gets exactly this message; press Enter or Send.",
            placeholder="e.g. I don't get why 1/4 + 2/3 isn't 3/7. Can you just tell me the answer?",
            lines=2,
            scale=5,
            elem_id="compare-message",
        )
        with gr.Column(scale=1, min_width=180):
            ui.send = gr.Button("Send to all columns", variant="primary", elem_id="compare-send")
            ui.new = gr.Button("New conversation", elem_id="compare-new")
    with gr.Row(equal_height=True, elem_id="compare-scenarios"):
        gr.HTML("<b>Try a scenario:</b>", container=False, min_width=120)
        ui.scenario_buttons = {
            source: gr.Button(label, size="sm", elem_id=f"compare-scenario-{source}")
            for source, label in SOURCE_LABELS.items()
        }
    ui.scenario_note = gr.Markdown(elem_id="compare-scenario-note")


def vote_area(ui: SimpleNamespace) -> None:
    with gr.Group(visible=False, elem_id="compare-vote") as ui.vote_box:
        gr.Markdown(
            "**Which reply helps the student learn best?** Judge as a teacher: does it guide with a question, "
            "stay kind and on topic, and hold back the answer?"
        )
        with gr.Row(equal_height=True):
            ui.best = gr.Radio(
                choices=[],
                label="Best reply",
                info="The reply you would want your students to get.",
                elem_id="compare-best",
            )
            ui.second = gr.Radio(
                choices=[],
                label="Second best (optional)",
                info="Rank the rest too, or leave it empty.",
                elem_id="compare-second",
            )
            ui.vote_button = gr.Button(
                "Submit vote", variant="primary", scale=0, min_width=160, elem_id="compare-vote-submit"
            )
    ui.reveal = gr.HTML(elem_id="compare-reveal")


def savings_area(ui: SimpleNamespace) -> None:
    empty = token_savings([])
    with gr.Accordion(
        "What baking the prompt into an adapter saves", open=True, elem_id="compare-savings-panel"
    ):
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                ui.savings = gr.HTML(show.savings_html(empty, ""), elem_id="compare-savings")
            with gr.Column(scale=2):
                ui.per_day = gr.Number(
                    value=DEFAULT_MESSAGES_PER_DAY,
                    minimum=0,
                    precision=0,
                    label="Student messages per day",
                    info="How many messages your tutor would answer in a day, across all students.",
                    elem_id="compare-per-day",
                )
        ui.savings_plot = gr.BarPlot(
            show.savings_frame(empty, ""),
            x="Tutor",
            y="Input tokens per message",
            label="Input tokens per message",
            visible=False,
            height=280,
            elem_id="compare-savings-plot",
        )
