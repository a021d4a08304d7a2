"""What one evaluation will do, worked out before any model loads: the variants, the test turns, the
probes, the base model, and how many progress steps that makes.

    plan = plan_evaluation(store, workspace, config)
    plan.total_steps()          # replayed turns + probes + KL conversations + judge calls + task runs
    steps = Steps(reporter, plan.total_steps())
    update = steps.tracker(len(plan.test.turns), lambda n: f"Replayed {n} of ... turns")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from core.compare.probes import Probe, load_probes
from core.documents.records import list_documents, markdown_file
from core.evaluate.config import EvalConfig, EvalConfigError
from core.evaluate.lm_tasks import find_tasks
from core.evaluate.openers import Opener, load_openers
from core.evaluate.replay import EvalVariant, evaluation_variants
from core.evaluate.testset import TestSet, load_test_set
from core.models.spec import ResolvedBase, configured_base_model, resolve_base
from core.paths import Workspace
from core.policy import current_policy
from core.review.records import Dataset, get_dataset
from core.store import Store
from core.train.records import get_adapter


class Reporter(Protocol):
    """Where progress goes (a JobContext is one) and where a stop request comes from."""

    def progress(self, done: float, total: float | None = None, message: str = "") -> None: ...

    def should_stop(self) -> bool: ...


class EvaluationStopped(Exception):
    """The user stopped or cancelled the evaluation; nothing is written."""


@dataclass(frozen=True)
class EvalPlan:
    config: EvalConfig
    dataset: Dataset
    test: TestSet
    variants: list[EvalVariant]
    probes: list[Probe]
    base: ResolvedBase
    policy: str
    openers: list[Opener] = field(default_factory=list)
    course_text: str = ""  # the documents' markdown: where a reply may send a student

    def runs(self, check: str) -> bool:
        return check in self.config.checks

    def variant(self, name: str) -> EvalVariant | None:
        return next((v for v in self.variants if v.name == name), None)

    @property
    def adapters(self) -> list[EvalVariant]:
        return [v for v in self.variants if v.kind == "adapter"]

    def total_steps(self) -> int:
        total = 0
        if self.runs("behaviour"):
            total += len(self.test.turns) + len(self.probes) + len(self.openers) + 1
        if self.runs("kl"):
            total += len(self.test.conversations) * sum(1 for v in self.variants if v.kind != "prompted")
        if self.runs("judge") and self.config.judge is not None:
            judged = min(self.config.judge.max_items, len(self.test.turns))
            total += judged * (len(self.variants) + 1) + 1
        if self.runs("forgetting"):
            total += len(self.config.forgetting_tasks) * (1 + len(self.adapters))
        return max(total, 1)


def plan_evaluation(store: Store, workspace: Workspace, config: EvalConfig) -> EvalPlan:
    dataset = get_dataset(store, config.dataset_id)
    if dataset is None:
        raise EvalConfigError(f"The dataset version {config.dataset_id} is not in this workspace any more.")
    if dataset.kind != "sft":
        raise EvalConfigError(
            f"{dataset.id} holds preference pairs, not conversations to replay. Evaluate a preference-tuned "
            "adapter on the conversation dataset its supervised parent was trained on (the default)."
        )
    variants = evaluation_variants(
        store, config.adapter_ids, include_base=config.include_base, include_prompted=config.include_prompted
    )
    find_tasks(config.forgetting_tasks)
    return EvalPlan(
        config=config,
        dataset=dataset,
        test=load_test_set(store, dataset, config.max_conversations),
        variants=variants,
        probes=load_probes() if "behaviour" in config.checks else [],
        base=evaluation_base(store, workspace, config),
        policy=current_policy(store),
        openers=plan_openers(workspace, config),
        course_text=course_markdown(store, workspace) if "behaviour" in config.checks else "",
    )


def plan_openers(workspace: Workspace, config: EvalConfig) -> list[Opener]:
    if "behaviour" not in config.checks or not config.openers:
        return []
    return load_openers(workspace)[: config.max_openers]


def course_markdown(store: Store, workspace: Workspace) -> str:
    """Every converted document's markdown, joined: the sections a tutor may point a student to."""
    texts = []
    for document in list_documents(store):
        path = markdown_file(workspace, document)
        if path is not None and path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n\n".join(texts)


def evaluation_base(store: Store, workspace: Workspace, config: EvalConfig) -> ResolvedBase:
    """The base model the adapters were trained on (or the studio's base model when there is none)."""
    adapter = get_adapter(store, config.adapter_ids[0]) if config.adapter_ids else None
    resolved = resolve_base(adapter.base_model if adapter else configured_base_model(store), workspace)
    if adapter is not None and resolved.is_fallback:
        raise EvalConfigError(
            f"The adapter {adapter.id} was trained on {adapter.base_model}, which cannot be loaded now "
            f"({resolved.reason.split(', so')[0]}). An adapter only runs on its own base model: make it "
            "available (go online once to download it), then evaluate again."
        )
    return resolved


class Steps:
    """Progress over all the phases of one evaluation, and the stop check between units of work."""

    def __init__(self, reporter: Reporter, total: int) -> None:
        self.reporter = reporter
        self.total = total
        self.done = 0

    def tracker(self, size: int, describe: Callable[[int], str]) -> Callable[[int], None]:
        """A callback taking the count done within a phase of `size` units."""
        start = self.done

        def update(done_in_phase: int) -> None:
            self.done = start + min(done_in_phase, size)
            self.reporter.progress(self.done, self.total, describe(done_in_phase))

        return update

    def stop_requested(self) -> bool:
        return self.reporter.should_stop()

    def check(self) -> None:
        if self.reporter.should_stop():
            raise EvaluationStopped("The evaluation was stopped before it finished; no report was written.")
