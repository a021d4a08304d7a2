"""The Evaluate tab's layout: the form (what to evaluate, checks, settings, thresholds), the run row,
and the tab's widgets in one dataclass; the report and the comparison sections are built in
studio/tabs/evaluate/report_layout.py.

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
from studio.tabs.evaluate.report_layout import CompareWidgets, ReportWidgets

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
