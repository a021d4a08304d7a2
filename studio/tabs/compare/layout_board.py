"""The Compare tab's Leaderboard, its layout: Bradley-Terry ratings with 95% ranges, head-to-head win
rates, and the two things votes turn into (preference pairs for DPO, pending review examples).

Layout only; studio/tabs/compare/leaderboard_handlers.py holds its handlers.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr


@dataclass
class BoardWidgets:
    tab: gr.Tab  # selecting it refreshes the board
    refresh: gr.Button
    summary: gr.HTML
    chart: gr.HTML
    table: gr.Dataframe
    win_plot: gr.BarPlot
    pair_table: gr.Dataframe
    export: gr.Button
    to_review: gr.Button
    note: gr.Markdown
    file: gr.File

    def outputs(self) -> list[gr.components.Component]:
        """What a refresh redraws."""
        return [self.summary, self.chart, self.table, self.win_plot, self.pair_table]


def build_board(tab: gr.Tab, summary_html: str, chart_html: str) -> BoardWidgets:
    refresh = gr.Button("Refresh", size="sm", elem_id="compare-board-refresh")
    summary = gr.HTML(summary_html, elem_id="compare-board-summary")
    chart = gr.HTML(chart_html, elem_id="compare-ratings-chart")
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
    return BoardWidgets(
        tab, refresh, summary, chart, table, win_plot, pair_table, export, to_review, note, file
    )
