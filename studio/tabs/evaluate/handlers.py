"""The Evaluate tab: pick an adapter (or several), the dataset version whose test split is replayed and
the checks; run them as a background job; read the report as plots and tables with a ship/hold verdict;
compare two reports. Each handler calls one function of core/evaluate and formats its answer with
studio/tabs/evaluate/display.py; the layout is in studio/tabs/evaluate/layout.py."""

from __future__ import annotations

from functools import partial
from typing import Any

import gradio as gr

from core.evaluate.config import EvalConfigError
from core.evaluate.job import cancel_evaluation, evaluation_progress, start_evaluation
from core.evaluate.judge import JudgeConfig
from core.evaluate.lm_tasks import TaskError
from core.evaluate.openers import OpenerError, add_openers
from core.evaluate.overview import evaluation_overview
from core.evaluate.report import compare_reports
from core.evaluate.testset import TestSetError
from core.evaluate.verdict import Thresholds
from studio.context import AppContext
from studio.tabs.evaluate import display as show
from studio.tabs.evaluate import frames, intervals, layout, report_layout

POLL_SECONDS = 2.0
INTRO = (
    "Check what training achieved before you use the adapter with students. The studio replays the **test "
    'conversations** (kept out of training) through each tutor, sends the built-in **probes** ("just tell me the '
    'answer", rule-breaking, off-topic, frustrated students) and the held-out **student openers** (72 built in, '
    "plus yours: every rate rests on 50+ replies and is shown with its 95% interval), measures how close the "
    "adapter stays to the "
    "**prompted** model, and checks that it did not **forget** general skills. The verdict compares the adapter "
    "with the thresholds below on intervals, not points: a difference inside the noise is *inconclusive*."
)


def form_options(values: list[Any]) -> dict[str, Any]:
    """The run's options from the form, in the order of `_form_inputs` (after adapters and dataset)."""
    # The openers count comes last so that the positions of the older inputs (an API contract) stay put.
    include, checks, tasks, limit, conversations, tokens, url, model, key_env, judged, *limits, openers = (
        values
    )
    if "forgetting" in checks and not tasks:
        raise ValueError(
            "Pick at least one task for the forgetting check (under Settings), or untick that check."
        )
    judge = None
    if (url or "").strip() and (model or "").strip():
        judge = JudgeConfig(
            base_url=url.strip(),
            model=model.strip(),
            api_key_env=(key_env or "").strip() or None,
            max_items=int(judged),
        )
    names = layout.THRESHOLDS
    return {
        "include_base": "base" in include,
        "include_prompted": "prompted" in include,
        "checks": tuple(checks),
        "tasks": tuple(tasks),
        "task_limit": int(limit or 0) or None,
        "max_conversations": int(conversations or 0) or None,
        "max_openers": int(openers or 0) or None,
        "max_new_tokens": int(tokens),
        "judge": judge,
        "thresholds": Thresholds(**{name: float(v) for name, v in zip(names, limits, strict=True)}),
    }


def start(ctx: AppContext, adapters: list[str] | None, dataset: str | None, *values: Any) -> tuple[str, str]:
    try:
        options = form_options(list(values))
        started = start_evaluation(
            ctx.store, ctx.workspace, adapter_ids=adapters or [], dataset_id=dataset or None, **options
        )
    except (EvalConfigError, TestSetError, TaskError, ValueError) as exc:
        raise gr.Error(str(exc)) from exc
    notice = (
        f"Started evaluation **{started.eval_id}**: its progress shows below and in the Jobs panel. "
        "It keeps running if you close the browser."
    )
    return notice, started.eval_id


def cancel(ctx: AppContext, eval_id: str | None) -> str:
    if not eval_id:
        raise gr.Error("No evaluation is running from this page; cancel others in the Jobs panel below.")
    try:
        return cancel_evaluation(ctx.store, eval_id)
    except KeyError as exc:
        raise gr.Error(str(exc.args[0])) from exc


def poll(
    ctx: AppContext,
    watching: str | None,
    report_id: str | None,
    adapters: list[str] | None,
    dataset: str | None,
    seen: dict[str, Any],
) -> tuple[Any, ...]:
    """Progress of the watched evaluation; the lists (adapters, datasets, reports) when they changed."""
    overview = evaluation_overview(ctx.store)
    progress = evaluation_progress(ctx.store, watching) if watching else None
    reports = show.report_choices(overview.reports)
    keys: dict[str, str | None] = {
        "lists": str((reports, [a.id for a in overview.adapters], [d.id for d in overview.datasets]))
    }
    finished_now = progress is not None and progress.report is not None and seen.get("finished") != watching
    pick = watching if finished_now else report_id or (reports[0][1] if reports else None)
    changed = seen.get("lists") != keys["lists"] or pick != report_id
    keys["finished"] = watching if finished_now else seen.get("finished")
    chosen = [a for a in (adapters or []) if a in {x.id for x in overview.adapters}] or [
        a.id for a in overview.adapters[:1]
    ]
    lists = (
        gr.update(choices=show.adapter_choices(overview.adapters), value=chosen),
        gr.update(
            choices=show.dataset_choices(overview.datasets),
            value=dataset or overview.default_dataset(chosen[0] if chosen else None),
        ),
        gr.update(choices=reports, value=pick),
        gr.update(choices=reports),
        gr.update(choices=reports),
    )
    return (
        gr.update(visible=overview.empty),
        gr.update(visible=not overview.empty),
        gr.update(visible=bool(reports) or not overview.empty),
        show.progress_html(progress),
        gr.update(interactive=bool(progress and progress.active)),
        *(lists if changed else (gr.skip(),) * len(lists)),
        keys,
    )


def default_dataset(ctx: AppContext, adapters: list[str] | None) -> Any:
    """Picking adapters picks the dataset version the first of them was trained on."""
    found = evaluation_overview(ctx.store).default_dataset(adapters[0] if adapters else None)
    return gr.update(value=found) if found else gr.skip()


def load_report(ctx: AppContext, eval_id: str | None) -> tuple[Any, ...]:
    try:
        report = evaluation_progress(ctx.store, eval_id).report if eval_id else None
    except (KeyError, FileNotFoundError) as exc:
        raise gr.Error(str(exc.args[0] if isinstance(exc, KeyError) else exc)) from exc
    order = [*frames.variant_order(report), frames.REFERENCE] if report else None
    choices = show.variant_choices(report)
    adapters = report.adapters if report else []
    pick = next((value for _, value in choices if value in adapters), None)
    return (
        show.verdict_html(report),
        show.summary_markdown(report),
        frames.overall_frame(report),
        *(gr.BarPlot(value=frames.metric_frame(report, metric), sort=order) for metric in frames.PLOTTED),
        intervals.openers_notes(report),
        intervals.openers_frame(report),
        intervals.comparison_frame(report),
        frames.intent_frame(report),
        frames.forgetting_change_frame(report),
        frames.forgetting_frame(report),
        show.forgetting_notes(report),
        gr.update(choices=choices, value=pick or (choices[0][1] if choices else None)),
        gr.update(visible=report is not None),
    )


def read_replies(ctx: AppContext, eval_id: str | None, variant: str | None) -> tuple[Any, Any]:
    try:
        report = evaluation_progress(ctx.store, eval_id).report if eval_id else None
    except KeyError as exc:
        raise gr.Error(str(exc.args[0])) from exc
    return frames.probe_frame(report, variant), frames.samples_frame(report, variant)


def compare(ctx: AppContext, before_id: str | None, after_id: str | None) -> tuple[Any, Any]:
    if not before_id or not after_id:
        raise gr.Error("Pick two finished reports: an earlier one and a later one.")
    try:
        before, after = (evaluation_progress(ctx.store, i).report for i in (before_id, after_id))
    except KeyError as exc:
        raise gr.Error(str(exc.args[0])) from exc
    if before is None or after is None:
        raise gr.Error("Both evaluations need a finished report; pick them from the lists.")
    rows = compare_reports(before, after)
    changes, (low, high) = frames.comparison_plot_frame(rows, after)
    order = changes["Change"].tolist()
    return frames.comparison_frame(rows, after), gr.BarPlot(value=changes, y_lim=[low, high], sort=order)


def save_openers(ctx: AppContext, text: str) -> tuple[str, Any]:
    """Validate and save the teacher's openers; the box empties only once they are saved."""
    try:
        added = add_openers(ctx.workspace, text or "")
    except OpenerError as exc:
        raise gr.Error(str(exc)) from exc
    return added.message, gr.update(value="")


def build(ctx: AppContext) -> None:
    gr.Markdown(INTRO)
    overview = evaluation_overview(ctx.store)
    empty = gr.HTML(
        f"<p class='ts-empty'>{overview.empty_message}</p>", visible=overview.empty, elem_id="evaluate-empty"
    )
    with gr.Column(visible=not overview.empty) as form_box:
        form = layout.form(overview)
        run = layout.run_row()
    with gr.Column(visible=bool(overview.reports) or not overview.empty) as reports_box:
        report = report_layout.report()
        comparison = report_layout.comparison()
    ui = layout.EvaluateWidgets(
        empty, form_box, form, run, reports_box, report, comparison, gr.State(None), gr.State({})
    )
    _wire(ctx, ui)


def _form_inputs(form: layout.FormWidgets) -> list[Any]:
    """The run's inputs; their order is the evaluate_start API contract (see form_options)."""
    settings, judge = form.settings, form.settings.judge
    values = [settings.tasks, settings.limit, settings.conversations, settings.tokens]
    values += [judge.url, judge.model, judge.key, judge.judged]
    return [
        form.adapters,
        form.dataset,
        form.include,
        form.checks,
        *values,
        *form.thresholds,
        settings.openers,
    ]


def _report_outputs(report: report_layout.ReportWidgets) -> list[Any]:
    """What load_report fills, in its order."""
    shown: list[Any] = [report.verdict, report.summary, report.overall, *report.plots]
    shown += [report.opener_notes, report.opener_table, report.differences, report.intents]
    forgetting = report.forgetting
    shown += [forgetting.plot, forgetting.table, forgetting.notes, report.replies.variant, report.body]
    return shown


def _wire(ctx: AppContext, ui: layout.EvaluateWidgets) -> None:
    form, run, report = ui.form, ui.run, ui.report
    run.run.click(
        partial(start, ctx), _form_inputs(form), [run.notice, ui.watching], api_name="evaluate_start"
    )
    run.cancel.click(partial(cancel, ctx), [ui.watching], [run.notice], api_name="evaluate_cancel")
    _wire_poll(ctx, ui)
    form.adapters.input(
        partial(default_dataset, ctx), [form.adapters], [form.dataset], show_progress="hidden"
    )
    report.report.change(
        partial(load_report, ctx), [report.report], _report_outputs(report), api_name="evaluate_report"
    )
    replies = report.replies
    replies.variant.change(
        partial(read_replies, ctx),
        [report.report, replies.variant],
        [replies.probes, replies.samples],
        api_name="evaluate_replies",
    )
    openers = form.openers
    openers.save.click(
        partial(save_openers, ctx),
        [openers.text],
        [openers.notice, openers.text],
        api_name="evaluate_add_openers",
    )
    compared = ui.compare
    compared.compare.click(
        partial(compare, ctx),
        [compared.before, compared.after],
        [compared.changes, compared.change_plot],
        api_name="evaluate_compare",
    )
    _wire_status(ctx)


def _wire_poll(ctx: AppContext, ui: layout.EvaluateWidgets) -> None:
    form = ui.form
    polled = [
        ui.empty,
        ui.form_box,
        ui.reports_box,
        ui.run.progress,
        ui.run.cancel,
        form.adapters,
        form.dataset,
    ]
    polled += [ui.report.report, ui.compare.before, ui.compare.after, ui.seen]
    inputs = [ui.watching, ui.report.report, form.adapters, form.dataset, ui.seen]
    gr.Timer(POLL_SECONDS).tick(
        partial(poll, ctx), inputs, polled, show_progress="hidden", queue=False, api_visibility="private"
    )
    ui.watching.change(partial(poll, ctx), inputs, polled, show_progress="hidden", api_visibility="private")


def _wire_status(ctx: AppContext) -> None:
    def evaluation_status(eval_id: str) -> dict[str, Any]:
        """One evaluation's state and progress; once finished, its verdicts and the CLI summary of its report."""
        try:
            return show.status_record(evaluation_progress(ctx.store, eval_id))
        except KeyError as exc:
            raise gr.Error(str(exc.args[0])) from exc

    gr.api(evaluation_status, api_name="evaluation_status")
