"""The Evaluate tab's report section (verdict, numbers, plots, tables, replies) and the comparison of two
reports: layout only, each builder returns its widgets as a dataclass for studio/tabs/evaluate/handlers.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from studio.tabs.evaluate import display as show
from studio.tabs.evaluate import frames

PLOT_HEIGHT = 230


@dataclass
class ReportWidgets:
    """One report: the verdict, the numbers, the plots, the tables and the replies."""

    report: gr.Dropdown
    verdict: gr.HTML
    body: gr.Column
    summary: gr.Markdown
    overall: gr.Dataframe
    plots: list[gr.BarPlot]
    opener_notes: gr.Markdown
    opener_table: gr.Dataframe
    differences: gr.Dataframe
    intents: gr.Dataframe
    forgetting: ForgettingWidgets
    replies: ReplyWidgets


@dataclass
class ForgettingWidgets:
    plot: gr.BarPlot
    table: gr.Dataframe
    notes: gr.Markdown


@dataclass
class ReplyWidgets:
    variant: gr.Dropdown
    probes: gr.Dataframe
    samples: gr.Dataframe


@dataclass
class CompareWidgets:
    before: gr.Dropdown
    after: gr.Dropdown
    compare: gr.Button
    change_plot: gr.BarPlot
    changes: gr.Dataframe


def report() -> ReportWidgets:
    gr.Markdown("### Report")
    report = gr.Dropdown(
        label="Report",
        info="Every evaluation's report is kept. The newest is shown; pick an earlier one here.",
        choices=[],
        allow_custom_value=True,
        elem_id="evaluate-report",
    )
    verdict = gr.HTML(show.verdict_html(None), elem_id="evaluate-verdict")
    with gr.Column(visible=False) as body:
        summary = gr.Markdown(elem_id="evaluate-summary")
        overall = gr.Dataframe(label="The numbers", interactive=False, elem_id="evaluate-overall")
        plotted = plots()
        opener_notes, opener_table, differences = openers()
        intents = gr.Dataframe(
            headers=frames.INTENT_COLUMNS,
            label="By student intent",
            interactive=False,
            elem_id="evaluate-intents",
        )
        forgotten = forgetting()
        replied = replies()
        with gr.Accordion("What each number means", open=False):
            gr.Markdown(show.definitions_markdown())
    return ReportWidgets(
        report,
        verdict,
        body,
        summary,
        overall,
        plotted,
        opener_notes,
        opener_table,
        differences,
        intents,
        forgotten,
        replied,
    )


def openers() -> tuple[gr.Markdown, gr.Dataframe, gr.Dataframe]:
    opener_notes = gr.Markdown(elem_id="evaluate-opener-notes")
    opener_table = gr.Dataframe(
        label="On the held-out student openers (95% intervals)",
        interactive=False,
        wrap=True,
        elem_id="evaluate-opener-table",
    )
    differences = gr.Dataframe(
        label="Differences item by item (what the verdict decides on)",
        interactive=False,
        wrap=True,
        elem_id="evaluate-differences",
    )
    return opener_notes, opener_table, differences


def plots() -> list[gr.BarPlot]:
    gr.Markdown(
        "↑ higher is better · ↓ lower is better · questions, leaks and encouragement are measured on the student "
        "openers when the report has them, the rest on the test split · hover a bar for its 95% interval · "
        "*Reference* = the curated tutor turns of the test split, scored the same way.",
        elem_classes=["ts-muted"],
    )
    plotted = []
    for row in (frames.PLOTTED[:4], frames.PLOTTED[4:]):
        with gr.Row():
            for metric in row:
                plotted.append(
                    gr.BarPlot(
                        x="Tutor",
                        y="Value",
                        title=frames.plot_title(metric),
                        height=PLOT_HEIGHT,
                        x_title=" ",  # an empty title would fall back to the column name
                        y_title=" ",
                        x_label_angle=-20,
                        y_lim=[0, 100] if metric in frames.RATES else [0, None],
                        tooltip=["Tutor", "Value", "Interval"],
                        elem_id=f"evaluate-plot-{metric}",
                    )
                )
    return plotted


def forgetting() -> ForgettingWidgets:
    with gr.Row(equal_height=False):
        forgetting_plot = gr.BarPlot(
            x="Task",
            y="Change (points)",
            color="Adapter",
            height=PLOT_HEIGHT,
            x_title=" ",
            title="General tasks: adapter minus base (points; below 0 = worse)",
            elem_id="evaluate-forgetting-plot",
        )
        with gr.Column():
            forgetting = gr.Dataframe(
                label="General tasks",
                interactive=False,
                wrap=True,
                column_widths=["34%", "24%", "14%", "14%", "14%"],
                elem_id="evaluate-forgetting",
            )
            forgetting_notes = gr.Markdown(elem_id="evaluate-forgetting-notes")
    return ForgettingWidgets(forgetting_plot, forgetting, forgetting_notes)


def replies() -> ReplyWidgets:
    variant = gr.Dropdown(
        label="Read the replies of",
        info="The probes and the first replayed turns, word for word, with what went wrong.",
        choices=[],
        allow_custom_value=True,  # the choices arrive with the poll
        elem_id="evaluate-variant",
    )
    probes = gr.Dataframe(
        label="Probes",
        interactive=False,
        wrap=True,
        max_height=420,
        elem_id="evaluate-probes",
        column_widths=["13%", "9%", "27%", "31%", "8%", "12%"],
    )
    samples = gr.Dataframe(
        label="Replayed turns",
        interactive=False,
        wrap=True,
        max_height=480,
        elem_id="evaluate-samples",
        column_widths=["10%", "22%", "28%", "28%", "12%"],
    )
    return ReplyWidgets(variant, probes, samples)


def comparison() -> CompareWidgets:
    with gr.Accordion("Compare two reports", open=False, elem_id="evaluate-compare-box"):
        with gr.Row(equal_height=True):
            before = gr.Dropdown(
                label="Earlier report",
                info="For example the adapter trained on v1.",
                choices=[],
                allow_custom_value=True,  # the choices arrive with the poll
                elem_id="evaluate-before",
            )
            after = gr.Dropdown(
                label="Later report",
                info="For example the adapter trained on v2.",
                choices=[],
                allow_custom_value=True,  # the choices arrive with the poll
                elem_id="evaluate-after",
            )
            compare = gr.Button("Compare", scale=0, min_width=120, elem_id="evaluate-compare")
        change_plot = gr.BarPlot(
            x="Change",
            y="Points",
            color="Tutor",
            title="Change in each rate (points; which way is better: see the table)",
            height=PLOT_HEIGHT + 40,
            x_title=" ",
            x_label_angle=-30,
            elem_id="evaluate-change-plot",
        )
        changes = gr.Dataframe(
            label="Every number, before and after", interactive=False, elem_id="evaluate-changes"
        )
    return CompareWidgets(before, after, compare, change_plot, changes)
