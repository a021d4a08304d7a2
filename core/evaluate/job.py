"""Run an evaluation: as a background job (the Evaluate tab and `tutor-studio eval`) or in this process.

    started = start_evaluation(store, workspace, adapter_ids=[], dataset_id=None)   # defaults filled in
    started.eval_id, started.job.id                  # the `evals` row and its job (resource GPU: one at a time)
    view = evaluation_progress(store, started.eval_id)   # job state and progress; the report once done
    report = run_evaluation(store, workspace, eval_id, config, reporter, backend=backend)   # in process

The job replays the test split and the probes, measures KL, asks the judge, runs the forgetting check
(in that order, each only when chosen), writes evals/<id>/report.json, records the verdict in the
`evals` row and in each adapter's model card. A stopped evaluation writes nothing.
"""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.evaluate.config import EvalConfig, resolve_config
from core.evaluate.opener_check import run_openers
from core.evaluate.plan import EvalPlan, EvaluationStopped, Reporter, Steps, plan_evaluation
from core.evaluate.records import EvalRecord, finish_eval, get_eval, insert_eval, set_eval_job
from core.evaluate.report import (
    REPORT_FILE,
    card_evaluation,
    cli_summary,
    finish_report,
    load_report,
    new_report,
    save_report,
)
from core.evaluate.report_model import (
    EvalReport,
    ForgettingSection,
    JudgeSection,
    OpenerSection,
    ProbeSection,
    ReferenceSection,
    Sample,
)
from core.evaluate.sections import BehaviourResult, run_behaviour, run_forgetting, run_judge, run_kl
from core.jobs import GPU, Job, get_job, request_stop, submit_job
from core.paths import Workspace
from core.store import Store, new_id
from core.train.card import CardError, update_card_evaluation

if TYPE_CHECKING:
    from core.jobs.runner import JobContext

log = logging.getLogger(__name__)

JOB_TARGET = "core.evaluate.job:evaluation_job"


@dataclass(frozen=True)
class EvalSubmission:
    eval_id: str
    job: Job
    config: EvalConfig


def start_evaluation(
    store: Store,
    workspace: Workspace,
    *,
    adapter_ids: list[str] | tuple[str, ...] = (),
    dataset_id: str | None = None,
    **options: Any,
) -> EvalSubmission:
    """Fill in the defaults, check the plan, record the evaluation and start its job."""
    config = resolve_config(store, adapter_ids=adapter_ids, dataset_id=dataset_id, **options)
    return submit_evaluation(store, workspace, config)


def submit_evaluation(store: Store, workspace: Workspace, config: EvalConfig) -> EvalSubmission:
    plan = plan_evaluation(store, workspace, config)  # fail now, with the reason, rather than in the job
    eval_id = create_eval_record(store, plan)
    what = ", ".join(v.name.split("+", 1)[-1] for v in plan.adapters) or "base vs prompted"
    job = submit_job(
        store,
        workspace,
        kind="eval",
        title=f"Evaluate {what} on {config.dataset_id}",
        target=JOB_TARGET,
        params={"eval_id": eval_id, "config": config.to_params()},
        resource=GPU,
    )
    set_eval_job(store, eval_id, job.id)
    return EvalSubmission(eval_id, job, config)


def create_eval_record(store: Store, plan: EvalPlan) -> str:
    eval_id = new_id("eval")
    with store.transaction() as conn:
        insert_eval(
            conn,
            eval_id,
            adapter_ids=list(plan.config.adapter_ids),
            dataset_id=plan.dataset.id,
            base_model=plan.base.requested,
            config=plan.config.to_params(),
        )
    return eval_id


def evaluation_job(ctx: JobContext) -> dict[str, Any]:
    """Job target of submit_evaluation; returns the CLI summary plus the report's path."""
    config = EvalConfig.from_params(ctx.params["config"])
    eval_id = ctx.params["eval_id"]
    try:
        report = run_evaluation(ctx.store, ctx.workspace, eval_id, config, ctx)
    except EvaluationStopped as exc:
        # Returning (rather than raising) on a stop request lets the runner record stopped / cancelled.
        return {"eval": eval_id, "stopped": str(exc)}
    summary = cli_summary(report).model_dump(mode="json")
    return {**summary, "report": str(ctx.workspace.eval_dir(eval_id) / REPORT_FILE)}


def run_evaluation(
    store: Store,
    workspace: Workspace,
    eval_id: str,
    config: EvalConfig,
    reporter: Reporter,
    *,
    backend: Any | None = None,
) -> EvalReport:
    """Run every chosen check, then write the report, the `evals` row and the model cards."""
    plan = plan_evaluation(store, workspace, config)
    steps = Steps(reporter, plan.total_steps())
    report = new_report(eval_id, plan)
    folder = workspace.eval_dir(eval_id)
    run_model_checks(store, workspace, plan, report, steps, backend)
    if plan.runs("forgetting"):
        started = time.monotonic()
        report.forgetting = ForgettingSection.model_validate(run_forgetting(plan, folder / "lm_eval", steps))
        report.timings["forgetting_s"] = round(time.monotonic() - started, 1)
    finish_report(report, config.thresholds)
    report.cards = update_cards(store, report, folder / REPORT_FILE)
    path = save_report(folder, report)
    finish_eval(store, eval_id, path, report.verdict, cli_summary(report).model_dump(mode="json"))
    reporter.progress(steps.total, steps.total, f"Done: {verdict_line(report)}")
    return report


def run_model_checks(
    store: Store,
    workspace: Workspace,
    plan: EvalPlan,
    report: EvalReport,
    steps: Steps,
    backend: Any | None,
) -> None:
    """The checks that need the variants loaded: behaviour (and the judge of its replies) and KL."""
    if not (plan.runs("behaviour") or plan.runs("kl")):
        return
    owned = backend is None
    timings = report.timings
    started = time.monotonic()
    if backend is None:
        from core.inference.transformers_backend import TransformersBackend

        steps.reporter.progress(0, steps.total, f"Loading {plan.base.display_name}")
        backend = TransformersBackend(workspace, base=plan.base)
        timings["load_s"] = _since(started)
    if plan.runs("behaviour"):
        started = time.monotonic()
        behaviour = run_behaviour(backend, plan, steps)
        fill_behaviour(report, behaviour)
        timings["behaviour_s"] = _since(started)
        if plan.openers:
            started = time.monotonic()
            report.openers = OpenerSection.model_validate(run_openers(backend, plan, steps))
            timings["openers_s"] = _since(started)
        if plan.runs("judge"):
            started = time.monotonic()
            report.judge = JudgeSection.model_validate(run_judge(plan, behaviour.replies, store, steps))
            timings["judge_s"] = _since(started)
    if plan.runs("kl"):
        started = time.monotonic()
        report.kl = run_kl(backend, plan, steps)
        timings["kl_s"] = _since(started)
    if owned:  # free the weights before lm-eval loads its own copies for the forgetting check
        del backend
        gc.collect()


def fill_behaviour(report: EvalReport, behaviour: BehaviourResult) -> None:
    """The replay's numbers into each variant, and its reference, probes and samples into the report."""
    for name, numbers in behaviour.variants.items():
        variant = report.variants[name]
        for key, value in numbers.items():
            setattr(variant, key, value)
    report.reference = ReferenceSection.model_validate(behaviour.reference)
    report.probes = {name: ProbeSection.model_validate(found) for name, found in behaviour.probes.items()}
    report.samples = [Sample.model_validate(found) for found in behaviour.samples]


def _since(started: float) -> float:
    return round(time.monotonic() - started, 1)


def update_cards(store: Store, report: EvalReport, report_path: Path) -> dict[str, str]:
    """Write each adapter's verdict and numbers into its model card; a missing card is noted, not fatal."""
    outcome = {}
    for adapter_id in report.adapters:
        try:
            update_card_evaluation(store, adapter_id, card_evaluation(report, adapter_id, report_path))
            outcome[adapter_id] = "updated"
        except (CardError, OSError) as exc:
            log.warning("model card of %s not updated: %s", adapter_id, exc)
            outcome[adapter_id] = f"not updated: {exc}"
    return outcome


def verdict_line(report: EvalReport) -> str:
    if report.verdict is None:
        return "report written (no adapter, so no verdict)."
    return f"{report.first_adapter}: {report.verdict.upper()}."


@dataclass(frozen=True)
class EvalProgress:
    """How an evaluation is doing, as the Evaluate tab polls it."""

    record: EvalRecord
    job: Job | None
    report: EvalReport | None  # once it has finished with a report

    @property
    def active(self) -> bool:
        return self.job is not None and self.job.is_active

    @property
    def problem(self) -> str | None:
        """Why an ended evaluation has no report (failed, cancelled, interrupted), in words."""
        if self.report is not None or self.job is None or self.job.is_active:
            return None
        return (
            self.job.error or self.job.message or f"The evaluation ended ({self.job.state}) without a report."
        )


def evaluation_progress(store: Store, eval_id: str) -> EvalProgress:
    record = get_eval(store, eval_id)
    if record is None:
        raise KeyError(f"No evaluation {eval_id!r} in this workspace.")
    job = get_job(store, record.job_id) if record.job_id else None
    report = load_report(record.report_path) if record.report_path and record.has_report else None
    return EvalProgress(record, job, report)


def cancel_evaluation(store: Store, eval_id: str) -> str:
    """Ask a running or queued evaluation to stop; it writes no report. Returns what happened, in words."""
    record = get_eval(store, eval_id)
    if record is None or not record.job_id:
        raise KeyError(f"No evaluation {eval_id!r} to cancel.")
    job = request_stop(store, record.job_id, mode="cancel")
    if not job.is_active:
        return f"Evaluation {eval_id} is not running ({job.state})."
    return f"Cancelling evaluation {eval_id}: it stops after the reply it is writing (within {job.grace_s:.0f} s)."
