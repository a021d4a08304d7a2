"""The Compare tab's Leaderboard handlers: redraw the ratings, export preference pairs, send the
winning replies to Review. Layout: layout_board.py; a vote in the Chat tab refreshes the board too.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from core.compare.leaderboard import leaderboard
from core.compare.vote_pairs import export_preference_pairs, make_review_examples
from studio.context import AppContext
from studio.tabs.compare import display as show
from studio.tabs.compare.layout_board import BoardWidgets


def refresh_leaderboard(ctx: AppContext, w: BoardWidgets) -> dict[Any, Any]:
    board = leaderboard(ctx.store)
    has_votes = not board.is_empty
    return {
        w.summary: show.leaderboard_summary(board),
        w.chart: show.ratings_svg(board),
        w.table: gr.update(value=show.ratings_frame(board), visible=has_votes),
        w.win_plot: gr.update(value=show.win_rate_frame(board), visible=has_votes),
        w.pair_table: gr.update(value=show.pairs_frame(board), visible=has_votes),
    }


def export_pairs(ctx: AppContext) -> tuple[str, Any]:
    report = export_preference_pairs(ctx.store, ctx.workspace)
    path = str(report.path) if report.path else None
    return report.message, gr.update(value=path, visible=path is not None)


def review_examples(ctx: AppContext, request: gr.Request) -> str:
    editor = f"user:{request.username}" if request is not None and request.username else None
    return make_review_examples(ctx.store, editor=editor).message
