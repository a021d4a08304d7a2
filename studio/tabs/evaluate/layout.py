"""The Evaluate tab's layout: the form (what to evaluate, checks, settings, thresholds), the run row,
the report (verdict, numbers, plots, tables, replies) and the comparison of two reports.

Layout only: each section builder returns its widgets as a dataclass; `EvaluateWidgets` holds them all for
studio/tabs/evaluate/handlers.py to wire.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from core.evaluate.config import CHECK_LABELS, DEFAULT_CHECKS, field_default, field_help
from core.evaluate.judge import JudgeConfig
from core.evaluate.lm_tasks import default_task_names
from core.evaluate.openers import EXAMPLE, INTENTS
from core.evaluate.overview import EvalOverview
from core.evaluate.verdict import Thresholds
from studio.tabs.evaluate import display as show
from studio.tabs.evaluate import frames

PLOT_HEIGHT = 230
JUDGE = JudgeConfig.model_fields
THRESHOLDS = tuple(Thresholds.model_fields)  # the verdict form's fields, in order


@dataclass
class OpenerWidgets:
    """The teacher's own student openers: a JSON-lines box and its save button."""

    text: gr.Textbox
    save: gr.Button
    notice: gr.Markdown


@dataclass
class JudgeWidgets:
    url: gr.Textbox
    model: gr.Textbox
    key: gr.Textbox
    judged: gr.Slider


@dataclass
class SettingsWidgets:
    tasks: gr.CheckboxGroup
    limit: gr.Slider
    conversations: gr.Number
    openers: gr.Number
    tokens: gr.Slider
    judge: JudgeWidgets


@dataclass
class FormWidgets:
    """What to evaluate: adapters, dataset, variants, checks, settings, thresholds."""

    adapters: gr.Dropdown
    dataset: gr.Dropdown
    include: gr.CheckboxGroup
    checks: gr.CheckboxGroup
    settings: SettingsWidgets
    thresholds: list[gr.Number]
    openers: OpenerWidgets


@dataclass
class RunWidgets:
    run: gr.Button
    cancel: gr.Button
    notice: gr.Markdown
    progress: gr.HTML


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


@dataclass
class EvaluateWidgets:
    """Every widget of the Evaluate tab, with the two pieces of per-session state."""

    empty: gr.HTML
    form_box: gr.Column
    form: FormWidgets
    run: RunWidgets
    reports_box: gr.Column
    report: ReportWidgets
    compare: CompareWidgets
    watching: gr.State
    seen: gr.State


def form(overview: EvalOverview) -> FormWidgets:
    latest = [a.id for a in overview.adapters[:1]]
    with gr.Row(equal_height=False):
        adapters = gr.Dropdown(
            label="Adapters to evaluate",
            info=field_help("adapter_ids"),
            choices=show.adapter_choices(overview.adapters),
            value=latest,
            multiselect=True,
            allow_custom_value=True,  # adapters trained after the page loaded arrive with the poll
            scale=3,
            elem_id="evaluate-adapters",
        )
        dataset = gr.Dropdown(
            label="Test conversations from",
            info=field_help("dataset_id"),
            choices=show.dataset_choices(overview.datasets),
            value=overview.default_dataset(latest[0] if latest else None),
            allow_custom_value=True,
            scale=2,
            elem_id="evaluate-dataset",
        )
        include = gr.CheckboxGroup(
            [("Base model", "base"), ("Prompted (base + tutor policy)", "prompted")],
            value=["base", "prompted"],
            label="Compare with",
            info="The bare base model, and the base model reading the long tutor policy the adapter replaces.",
            scale=2,
            elem_id="evaluate-include",
        )
    checks = gr.CheckboxGroup(
        [(label, name) for name, label in CHECK_LABELS.items()],
        value=list(DEFAULT_CHECKS),
        label="Checks",
        info=field_help("checks"),
        elem_id="evaluate-checks",
    )
    return FormWidgets(adapters, dataset, include, checks, settings(overview), thresholds(), add_openers())


def add_openers() -> OpenerWidgets:
    with gr.Accordion("Your own student openers", open=False, elem_id="evaluate-openers-box"):
        gr.Markdown(
            "Every evaluation sends the same held-out student openers to each tutor. Add first messages from "
            "your own course: one JSON object a line, with the exercise and the answer the tutor must not give "
            f"away. For example:\n\n`{EXAMPLE}`\n\nIntents: {', '.join(INTENTS)}.",
            elem_classes=["ts-muted"],
        )
        opener_text = gr.Textbox(
            label="Openers to add (JSON lines)",
            info="Checked line by line before anything is saved; a mistake names its line and field.",
            lines=4,
            elem_id="evaluate-opener-text",
        )
        with gr.Row(equal_height=True):
            opener_save = gr.Button("Save openers", scale=0, min_width=160, elem_id="evaluate-opener-save")
            opener_notice = gr.Markdown(elem_id="evaluate-opener-notice")
    return OpenerWidgets(opener_text, opener_save, opener_notice)


def settings(overview: EvalOverview) -> SettingsWidgets:
    with gr.Accordion("Settings: forgetting tasks, replay, judge", open=False, elem_id="evaluate-settings"):
        tasks = gr.CheckboxGroup(
            show.task_choices(overview.tasks),
            value=default_task_names(),
            label="Forgetting check: tasks",
            info=field_help("tasks"),
            elem_id="evaluate-tasks",
        )
        with gr.Row():
            limit = gr.Slider(
                0,
                500,
                value=field_default("task_limit"),
                step=5,
                label="Items per task",
                elem_id="evaluate-limit",
                info=field_help("task_limit") + " 0 = every item.",
            )
            conversations = gr.Number(
                0,
                precision=0,
                minimum=0,
                label="Test conversations to replay",
                elem_id="evaluate-conversations",
                info=field_help("max_conversations") + " 0 = all of them.",
            )
            openers = gr.Number(
                0,
                precision=0,
                minimum=0,
                label="Student openers to send",
                elem_id="evaluate-openers-count",
                info=field_help("max_openers") + " 0 = all.",
            )
            tokens = gr.Slider(
                32,
                512,
                value=field_default("max_new_tokens"),
                step=16,
                label="Longest reply (tokens)",
                elem_id="evaluate-tokens",
                info=field_help("max_new_tokens"),
            )
        judge = judge_fields(overview)
    return SettingsWidgets(tasks, limit, conversations, openers, tokens, judge)


def judge_fields(overview: EvalOverview) -> JudgeWidgets:
    teacher = overview.teacher_judge
    with gr.Row():
        judge_url = gr.Textbox(
            teacher.base_url if teacher else "",
            label="Judge server address",
            elem_id="evaluate-judge-url",
            info=JUDGE["base_url"].description,
        )
        judge_model = gr.Textbox(
            teacher.model if teacher else "",
            label="Judge model",
            elem_id="evaluate-judge-model",
            info=JUDGE["model"].description,
        )
        judge_key = gr.Textbox(
            (teacher.api_key_env or "") if teacher else "",
            label="API key variable",
            elem_id="evaluate-judge-key",
            info=JUDGE["api_key_env"].description,
        )
        judged = gr.Slider(
            5,
            100,
            value=JUDGE["max_items"].default,
            step=5,
            label="Replies judged per tutor",
            elem_id="evaluate-judged",
            info=JUDGE["max_items"].description,
        )
    return JudgeWidgets(judge_url, judge_model, judge_key, judged)


def thresholds() -> list[gr.Number]:
    defaults = Thresholds()
    with gr.Accordion("Thresholds for the verdict", open=False, elem_id="evaluate-thresholds"), gr.Row():
        return [
            gr.Number(
                getattr(defaults, name),
                label=info.title,
                info=info.description,
                minimum=0,
                maximum=100,
                elem_id=f"evaluate-{name.replace('_', '-')}",
            )
            for name, info in Thresholds.model_fields.items()
        ]


def run_row() -> RunWidgets:
    with gr.Row(equal_height=True):
        run = gr.Button("Run evaluation", variant="primary", scale=0, min_width=200, elem_id="evaluate-run")
        cancel = gr.Button(
            "Cancel",
            variant="stop",
            size="sm",
            scale=0,
            min_width=100,
            interactive=False,
            elem_id="evaluate-cancel",
        )
        notice = gr.Markdown(elem_id="evaluate-notice")
    progress = gr.HTML(elem_id="evaluate-progress")
    return RunWidgets(run, cancel, notice, progress)


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
