"""The Compare tab's Leaderboard: Bradley-Terry ratings with 95% ranges, head-to-head win rates, and
the two things votes turn into (preference pairs for DPO, pending review examples).

Built inside the Compare tab by studio/tabs/compare/handlers.py; a vote there refreshes it through `Board`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import gradio as gr

from core.compare.leaderboard import leaderboard
from core.compare.vote_pairs import export_preference_pairs, make_review_examples
from studio.context import AppContext
from studio.tabs.compare import display as show


@dataclass
class Board:
    """What the chat side needs to refresh the leaderboard after a vote."""

    refresh: Callable[[], tuple]
    outputs: list[Any]


def refresh_leaderboard(ctx: AppContext) -> tuple:
    board = leaderboard(ctx.store)
    has_votes = not board.is_empty
    return (
        show.leaderboard_summary(board),
        show.ratings_svg(board),
        gr.update(value=show.ratings_frame(board), visible=has_votes),
        gr.update(value=show.win_rate_frame(board), visible=has_votes),
        gr.update(value=show.pairs_frame(board), visible=has_votes),
    )


def export_pairs(ctx: AppContext) -> tuple[str, Any]:
    report = export_preference_pairs(ctx.store, ctx.workspace)
    path = str(report.path) if report.path else None
    return report.message, gr.update(value=path, visible=path is not None)


def review_examples(ctx: AppContext, request: gr.Request) -> str:
    editor = f"user:{request.username}" if request is not None and request.username else None
    return make_review_examples(ctx.store, editor=editor).message


def build(ctx: AppContext, tab: gr.Tab) -> Board:
    refresh_button = gr.Button("Refresh", size="sm", elem_id="compare-board-refresh")
    initial = refresh_leaderboard(ctx)
    summary = gr.HTML(initial[0], elem_id="compare-board-summary")
    chart = gr.HTML(initial[1], elem_id="compare-ratings-chart")
    table = gr.Dataframe(interactive=False, visible=False, label="Ratings", elem_id="compare-ratings-table")
    win_plot = gr.BarPlot(
        x="Tutor",
        y="Head-to-heads won (%)",
        y_lim=[0, 100],
        visible=False,
        label="Share of head-to-heads won",
        height=240,
        elem_id="compare-win-rates-plot",
    )
    pair_table = gr.Dataframe(
        interactive=False, visible=False, label="Head to head", elem_id="compare-pairs-table"
    )
    gr.Markdown(
        "Votes can teach the next adapter: export them as **preference pairs** (prompt, chosen and rejected "
        "reply, the format TRL's DPO trainer reads), or send the **winning replies to Review** as conversations "
        "to check and accept."
    )
    with gr.Row():
        export = gr.Button("Export preference pairs", elem_id="compare-export")
        to_review = gr.Button("Make review examples from the winners", elem_id="compare-to-review")
    note = gr.Markdown(elem_id="compare-export-note")
    file = gr.File(label="Preference pairs (JSONL)", visible=False, elem_id="compare-export-file")
    outputs = [summary, chart, table, win_plot, pair_table]
    refresh = partial(refresh_leaderboard, ctx)
    tab.select(refresh, outputs=outputs, api_name="compare_leaderboard")
    refresh_button.click(refresh, outputs=outputs)
    export.click(partial(export_pairs, ctx), outputs=[note, file], api_name="compare_export_pairs")

    def on_review(request: gr.Request) -> str:  # a def, not a partial: gradio finds gr.Request by type hint
        return review_examples(ctx, request)

    to_review.click(on_review, outputs=note, api_name="compare_review_examples")
    return Board(refresh, outputs)
