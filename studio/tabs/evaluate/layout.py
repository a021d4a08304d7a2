"""The Evaluate tab's layout: the form (what to evaluate, checks, settings, thresholds), the run row,
the report (verdict, numbers, plots, tables, replies) and the comparison of two reports.

Layout only: every function adds components to `ui` (a SimpleNamespace) for studio/tabs/evaluate/handlers.py to wire.
"""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from core.evaluate.config import CHECK_LABELS, DEFAULT_CHECKS
from core.evaluate.lm_tasks import default_task_names
from core.evaluate.openers import EXAMPLE, INTENTS
from core.evaluate.overview import EvalOverview
from core.evaluate.verdict import Thresholds
from studio.tabs.evaluate import display as show
from studio.tabs.evaluate import frames

PLOT_HEIGHT = 230
THRESHOLDS = (
    (
        "question_margin_points",
        "Guiding questions: allowed shortfall vs prompted (points)",
        "Passes only when the whole 95% interval of (adapter − prompted) is above minus this many points; "
        "a difference inside the noise is 'inconclusive'.",
    ),
    (
        "leak_margin_points",
        "Answer leaks: allowed excess vs prompted (points)",
        "Passes only when the whole interval of (adapter − prompted) leaks stays below this many points.",
    ),
    (
        "max_probe_leak_pct",
        "Leaks when pushed: at most (%)",
        "On the probes and the openers that push for the answer: the upper end of the 95% interval must stay "
        "below this. With about 50 such items 10% can be shown; 1% would need about 380.",
    ),
    (
        "min_refusal_pct",
        "Correct refusals when pushed: at least (%)",
        "How often it must kindly decline 'just tell me', rule-breaking and off-topic requests (the lower end "
        "of the 95% interval).",
    ),
    (
        "max_general_drop_points",
        "General tasks: largest drop (points)",
        "Per task, the whole 95% interval of (adapter − base), item by item, must stay above minus this. The "
        "offline tasks are a smoke test: too small to show a 2-point drop.",
    ),
)


def form(overview: EvalOverview, ui: SimpleNamespace) -> None:
    latest = [a.id for a in overview.adapters[:1]]
    with gr.Row(equal_height=False):
        ui.adapters = gr.Dropdown(
            label="Adapters to evaluate",
            info="The trained tutors to check. The newest is picked; add more to compare them in one report.",
            choices=show.adapter_choices(overview.adapters),
            value=latest,
            multiselect=True,
            allow_custom_value=True,  # adapters trained after the page loaded arrive with the poll
            scale=3,
            elem_id="evaluate-adapters",
        )
        ui.dataset = gr.Dropdown(
            label="Test conversations from",
            info="A dataset version's test split (never trained on). Default: the version the adapter learned from.",
            choices=show.dataset_choices(overview.datasets),
            value=overview.default_dataset(latest[0] if latest else None),
            allow_custom_value=True,
            scale=2,
            elem_id="evaluate-dataset",
        )
        ui.include = gr.CheckboxGroup(
            [("Base model", "base"), ("Prompted (base + tutor policy)", "prompted")],
            value=["base", "prompted"],
            label="Compare with",
            info="The bare base model, and the base model reading the long tutor policy the adapter replaces.",
            scale=2,
            elem_id="evaluate-include",
        )
    ui.checks = gr.CheckboxGroup(
        [(label, name) for name, label in CHECK_LABELS.items()],
        value=list(DEFAULT_CHECKS),
        label="Checks",
        info="The judge is optional and needs a model server; everything else runs offline.",
        elem_id="evaluate-checks",
    )
    settings(overview, ui)
    thresholds(ui)
    add_openers(ui)


def add_openers(ui: SimpleNamespace) -> None:
    with gr.Accordion("Your own student openers", open=False, elem_id="evaluate-openers-box"):
        gr.Markdown(
            "Every evaluation sends the same held-out student openers to each tutor. Add first messages from "
            "your own course: one JSON object a line, with the exercise and the answer the tutor must not give "
            f"away. For example:\n\n`{EXAMPLE}`\n\nIntents: {', '.join(INTENTS)}.",
            elem_classes=["ts-muted"],
        )
        ui.opener_text = gr.Textbox(
            label="Openers to add (JSON lines)",
            info="Checked line by line before anything is saved; a mistake names its line and field.",
            lines=4,
            elem_id="evaluate-opener-text",
        )
        with gr.Row(equal_height=True):
            ui.opener_save = gr.Button("Save openers", scale=0, min_width=160, elem_id="evaluate-opener-save")
            ui.opener_notice = gr.Markdown(elem_id="evaluate-opener-notice")


def settings(overview: EvalOverview, ui: SimpleNamespace) -> None:
    with gr.Accordion("Settings: forgetting tasks, replay, judge", open=False, elem_id="evaluate-settings"):
        ui.tasks = gr.CheckboxGroup(
            show.task_choices(overview.tasks),
            value=default_task_names(),
            label="Forgetting check: tasks",
            info="The local tasks run offline; the standard benchmarks download their questions from the internet.",
            elem_id="evaluate-tasks",
        )
        with gr.Row():
            ui.limit = gr.Slider(
                0,
                500,
                value=50,
                step=5,
                label="Items per task",
                elem_id="evaluate-limit",
                info="More items give a steadier score but take longer. 0 = every item.",
            )
            ui.conversations = gr.Number(
                0,
                precision=0,
                minimum=0,
                label="Test conversations to replay",
                elem_id="evaluate-conversations",
                info="0 = all of them. Fewer is quicker.",
            )
            ui.openers = gr.Number(
                0,
                precision=0,
                minimum=0,
                label="Student openers to send",
                elem_id="evaluate-openers-count",
                info="0 = all (72 built in, plus yours). Each rate needs about 50 for an interval of ±14 points.",
            )
            ui.tokens = gr.Slider(
                32,
                512,
                value=160,
                step=16,
                label="Longest reply (tokens)",
                elem_id="evaluate-tokens",
                info="Replies are cut here; a tutor turn is usually 40-120 tokens.",
            )
        judge_fields(overview, ui)


def judge_fields(overview: EvalOverview, ui: SimpleNamespace) -> None:
    teacher = overview.teacher_judge
    with gr.Row():
        ui.judge_url = gr.Textbox(
            teacher.base_url if teacher else "",
            label="Judge server address",
            elem_id="evaluate-judge-url",
            info="An OpenAI-compatible /v1 address (vLLM, Ollama, OpenAI). Filled in from your generation teacher.",
        )
        ui.judge_model = gr.Textbox(
            teacher.model if teacher else "",
            label="Judge model",
            elem_id="evaluate-judge-model",
            info="The model's name on that server.",
        )
        ui.judge_key = gr.Textbox(
            (teacher.api_key_env or "") if teacher else "",
            label="API key variable",
            elem_id="evaluate-judge-key",
            info="The NAME of the environment variable holding the key (never the key itself).",
        )
        ui.judged = gr.Slider(
            5,
            100,
            value=20,
            step=5,
            label="Replies judged per tutor",
            elem_id="evaluate-judged",
            info="Each costs one judge request.",
        )


def thresholds(ui: SimpleNamespace) -> None:
    defaults = Thresholds()
    with gr.Accordion("Thresholds for the verdict", open=False, elem_id="evaluate-thresholds"), gr.Row():
        ui.thresholds = [
            gr.Number(
                getattr(defaults, name),
                label=label,
                info=info,
                minimum=0,
                maximum=100,
                elem_id=f"evaluate-{name.replace('_', '-')}",
            )
            for name, label, info in THRESHOLDS
        ]


def run_row(ui: SimpleNamespace) -> None:
    with gr.Row(equal_height=True):
        ui.run = gr.Button(
            "Run evaluation", variant="primary", scale=0, min_width=200, elem_id="evaluate-run"
        )
        ui.cancel = gr.Button(
            "Cancel",
            variant="stop",
            size="sm",
            scale=0,
            min_width=100,
            interactive=False,
            elem_id="evaluate-cancel",
        )
        ui.notice = gr.Markdown(elem_id="evaluate-notice")
    ui.progress = gr.HTML(elem_id="evaluate-progress")


def report(ui: SimpleNamespace) -> None:
    gr.Markdown("### Report")
    ui.report = gr.Dropdown(
        label="Report",
        info="Every evaluation's report is kept. The newest is shown; pick an earlier one here.",
        choices=[],
        allow_custom_value=True,
        elem_id="evaluate-report",
    )
    ui.verdict = gr.HTML(show.verdict_html(None), elem_id="evaluate-verdict")
    with gr.Column(visible=False) as ui.body:
        ui.summary = gr.Markdown(elem_id="evaluate-summary")
        ui.overall = gr.Dataframe(label="The numbers", interactive=False, elem_id="evaluate-overall")
        plots(ui)
        openers(ui)
        ui.intents = gr.Dataframe(
            headers=frames.INTENT_COLUMNS,
            label="By student intent",
            interactive=False,
            elem_id="evaluate-intents",
        )
        forgetting(ui)
        replies(ui)
        with gr.Accordion("What each number means", open=False):
            gr.Markdown(show.definitions_markdown())


def openers(ui: SimpleNamespace) -> None:
    ui.opener_notes = gr.Markdown(elem_id="evaluate-opener-notes")
    ui.opener_table = gr.Dataframe(
        label="On the held-out student openers (95% intervals)",
        interactive=False,
        wrap=True,
        elem_id="evaluate-opener-table",
    )
    ui.differences = gr.Dataframe(
        label="Differences item by item (what the verdict decides on)",
        interactive=False,
        wrap=True,
        elem_id="evaluate-differences",
    )


def plots(ui: SimpleNamespace) -> None:
    gr.Markdown(
        "↑ higher is better · ↓ lower is better · questions, leaks and encouragement are measured on the student "
        "openers when the report has them, the rest on the test split · hover a bar for its 95% interval · "
        "*Reference* = the curated tutor turns of the test split, scored the same way.",
        elem_classes=["ts-muted"],
    )
    ui.plots = []
    for row in (frames.PLOTTED[:4], frames.PLOTTED[4:]):
        with gr.Row():
            for metric in row:
                ui.plots.append(
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


def forgetting(ui: SimpleNamespace) -> None:
    with gr.Row(equal_height=False):
        ui.forgetting_plot = gr.BarPlot(
            x="Task",
            y="Change (points)",
            color="Adapter",
            height=PLOT_HEIGHT,
            x_title=" ",
            title="General tasks: adapter minus base (points; below 0 = worse)",
            elem_id="evaluate-forgetting-plot",
        )
        with gr.Column():
            ui.forgetting = gr.Dataframe(
                label="General tasks",
                interactive=False,
                wrap=True,
                column_widths=["34%", "24%", "14%", "14%", "14%"],
                elem_id="evaluate-forgetting",
            )
            ui.forgetting_notes = gr.Markdown(elem_id="evaluate-forgetting-notes")


def replies(ui: SimpleNamespace) -> None:
    ui.variant = gr.Dropdown(
        label="Read the replies of",
        info="The probes and the first replayed turns, word for word, with what went wrong.",
        choices=[],
        allow_custom_value=True,  # the choices arrive with the poll
        elem_id="evaluate-variant",
    )
    ui.probes = gr.Dataframe(
        label="Probes",
        interactive=False,
        wrap=True,
        max_height=420,
        elem_id="evaluate-probes",
        column_widths=["13%", "9%", "27%", "31%", "8%", "12%"],
    )
    ui.samples = gr.Dataframe(
        label="Replayed turns",
        interactive=False,
        wrap=True,
        max_height=480,
        elem_id="evaluate-samples",
        column_widths=["10%", "22%", "28%", "28%", "12%"],
    )


def comparison(ui: SimpleNamespace) -> None:
    with gr.Accordion("Compare two reports", open=False, elem_id="evaluate-compare-box"):
        with gr.Row(equal_height=True):
            ui.before = gr.Dropdown(
                label="Earlier report",
                info="For example the adapter trained on v1.",
                choices=[],
                allow_custom_value=True,  # the choices arrive with the poll
                elem_id="evaluate-before",
            )
            ui.after = gr.Dropdown(
                label="Later report",
                info="For example the adapter trained on v2.",
                choices=[],
                allow_custom_value=True,  # the choices arrive with the poll
                elem_id="evaluate-after",
            )
            ui.compare = gr.Button("Compare", scale=0, min_width=120, elem_id="evaluate-compare")
        ui.change_plot = gr.BarPlot(
            x="Change",
            y="Points",
            color="Tutor",
            title="Change in each rate (points; which way is better: see the table)",
            height=PLOT_HEIGHT + 40,
            x_title=" ",
            x_label_angle=-30,
            elem_id="evaluate-change-plot",
        )
        ui.changes = gr.Dataframe(
            label="Every number, before and after", interactive=False, elem_id="evaluate-changes"
        )
