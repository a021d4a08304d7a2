"""EvalConfig: what one evaluation runs, as plain data that goes into job params and the `evals` row.

    config = EvalConfig(adapter_ids=("tiny@local+tutor@v1+lora@v1",), dataset_id="tutor@v1",
                        checks=("behaviour", "kl", "forgetting"), task_limit=50)
    config = resolve_config(store, adapter_ids=[], dataset_id=None)   # the latest adapter, its dataset

Checks: `behaviour` replays the test split, sends the held-out student openers (every rate with a 95%
interval, on at least 50 replies per variant) and the probes (question, leak, encouragement, on-topic rates,
tokens, time to first token); `kl` measures how close each variant stays to the prompted model;
`forgetting` runs general tasks with lm-evaluation-harness on the base and each adapter; `judge` asks an
LLM judge for a 1-5 score through an OpenAI-compatible endpoint (optional, never needed offline).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from core.evaluate.judge import JudgeConfig
from core.evaluate.lm_tasks import default_task_names, find_tasks
from core.evaluate.verdict import Thresholds
from core.review.records import get_dataset, latest_dataset
from core.store import Store
from core.train.records import Adapter, get_adapter, latest_adapter

CheckName = Literal["behaviour", "kl", "forgetting", "judge"]
CHECKS: tuple[CheckName, ...] = get_args(CheckName)
DEFAULT_CHECKS: tuple[CheckName, ...] = ("behaviour", "kl", "forgetting")
CHECK_LABELS: dict[str, str] = {
    "behaviour": "Tutor behaviour (replay the test conversations and the probes)",
    "kl": "Distance to the prompted model (KL)",
    "forgetting": "Forgetting (general tasks with lm-evaluation-harness)",
    "judge": "LLM judge score (needs a judge endpoint)",
}
NOTHING_TO_EVALUATE = "Nothing to evaluate yet: train an adapter in the Train tab (and build a dataset with a test split in Review)."
MAX_NEW_TOKENS = 1024


class EvalConfigError(ValueError):
    """The evaluation cannot run as asked; the message says what to change."""


@dataclass(frozen=True)
class EvalConfig:
    adapter_ids: tuple[str, ...]
    dataset_id: str
    include_base: bool = True
    include_prompted: bool = True
    checks: tuple[CheckName, ...] = DEFAULT_CHECKS
    tasks: tuple[str, ...] = ()  # forgetting tasks; empty = the local general tasks
    task_limit: int | None = 50  # items per forgetting task (None = all)
    max_conversations: int | None = None  # test conversations replayed (None = all)
    max_new_tokens: int = 160  # the reply cap of the replay
    batch_turns: int = 8  # turns whose variants share one batched generate() (8 x 3 variants: 24 rows)
    ttft_samples: int = 5  # turns timed one request at a time per variant
    openers: bool = True  # also send the held-out student openers (core.evaluate.openers)
    max_openers: int | None = None  # openers sent (None = all)
    opener_tokens: int = 96  # the reply cap for the openers: a tutor's first reply is short
    opener_batch: int = 12  # openers whose variants share one batched generate()
    judge: JudgeConfig | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)

    def __post_init__(self) -> None:
        unknown = [c for c in self.checks if c not in CHECKS]
        if unknown:
            raise EvalConfigError(f"Unknown check {unknown[0]!r}; use any of {', '.join(CHECKS)}.")
        if not self.checks:
            raise EvalConfigError("Pick at least one check to run.")
        if not 16 <= self.max_new_tokens <= MAX_NEW_TOKENS:
            raise EvalConfigError(
                f"The reply length cap must be 16 to {MAX_NEW_TOKENS} tokens; got {self.max_new_tokens}."
            )
        if not 16 <= self.opener_tokens <= MAX_NEW_TOKENS:
            raise EvalConfigError(
                f"The openers' reply length cap must be 16 to {MAX_NEW_TOKENS} tokens; got {self.opener_tokens}."
            )
        for name in ("task_limit", "max_conversations", "max_openers"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise EvalConfigError(
                    f"{name.replace('_', ' ').capitalize()} must be at least 1 (or empty for all)."
                )
        if "kl" in self.checks and not (self.include_prompted and (self.adapter_ids or self.include_base)):
            raise EvalConfigError(
                "The KL check compares variants with the prompted model: include Prompted and an adapter."
            )
        if "forgetting" in self.checks and not self.adapter_ids:
            raise EvalConfigError(
                "The forgetting check compares an adapter with its base model: pick an adapter."
            )
        if "judge" in self.checks and "behaviour" not in self.checks:
            raise EvalConfigError(
                "The judge scores the replayed replies: tick the tutor behaviour check too."
            )
        if "judge" in self.checks and self.judge is None:
            raise EvalConfigError(
                "The judge needs an OpenAI-compatible endpoint: fill in its address and model, or untick the judge."
            )
        find_tasks(self.forgetting_tasks)

    @property
    def forgetting_tasks(self) -> list[str]:
        return list(self.tasks) or default_task_names()

    def to_params(self) -> dict[str, Any]:
        return {
            "adapter_ids": list(self.adapter_ids),
            "dataset_id": self.dataset_id,
            "include_base": self.include_base,
            "include_prompted": self.include_prompted,
            "checks": list(self.checks),
            "tasks": list(self.tasks),
            "task_limit": self.task_limit,
            "max_conversations": self.max_conversations,
            "max_new_tokens": self.max_new_tokens,
            "batch_turns": self.batch_turns,
            "ttft_samples": self.ttft_samples,
            "openers": self.openers,
            "max_openers": self.max_openers,
            "opener_tokens": self.opener_tokens,
            "opener_batch": self.opener_batch,
            "judge": self.judge.to_dict() if self.judge else None,
            "thresholds": self.thresholds.to_dict(),
        }

    @classmethod
    def from_params(cls, data: dict[str, Any]) -> EvalConfig:
        values = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        values["adapter_ids"] = tuple(values.get("adapter_ids") or ())
        values["checks"] = tuple(values.get("checks") or DEFAULT_CHECKS)
        values["tasks"] = tuple(values.get("tasks") or ())
        values["judge"] = JudgeConfig(**data["judge"]) if data.get("judge") else None
        values["thresholds"] = Thresholds.from_dict(data.get("thresholds"))
        return cls(**values)


def resolve_config(
    store: Store,
    *,
    adapter_ids: list[str] | tuple[str, ...] = (),
    dataset_id: str | None = None,
    **options: Any,
) -> EvalConfig:
    """A config with the defaults filled in: the latest adapter, and the dataset version it was trained on."""
    adapters = [_adapter(store, a) for a in adapter_ids] or _latest(store, options)
    dataset_id = dataset_id or (adapters[0].dataset_id if adapters else None)
    dataset = get_dataset(store, dataset_id) if dataset_id else latest_dataset(store)
    if dataset is None:
        where = f"The dataset version {dataset_id} is not in this workspace. " if dataset_id else ""
        raise EvalConfigError(
            where + "Build a dataset with a test split in the Review tab, then evaluate again."
        )
    if not dataset.manifest.get("counts", {}).get("test", 1):
        raise EvalConfigError(
            f"{dataset.id} has no test conversations. Build a new version in Review with a test share above 0."
        )
    bases = {a.base_model for a in adapters}
    if len(bases) > 1:
        raise EvalConfigError(
            f"The chosen adapters were trained on different base models ({', '.join(sorted(bases))}); "
            "evaluate adapters of one base model at a time."
        )
    return EvalConfig(adapter_ids=tuple(a.id for a in adapters), dataset_id=dataset.id, **options)


def _adapter(store: Store, adapter_id: str) -> Adapter:
    adapter = get_adapter(store, adapter_id)
    if adapter is None or adapter.deleted_at is not None:
        raise EvalConfigError(
            f"There is no adapter {adapter_id!r} in this workspace; pick one the Train tab lists."
        )
    return adapter


def _latest(store: Store, options: dict[str, Any]) -> list[Adapter]:
    """The latest adapter; none is fine only for checks that need no adapter (base vs prompted)."""
    latest = latest_adapter(store)
    if latest is not None:
        return [latest]
    if "forgetting" in options.get("checks", DEFAULT_CHECKS):
        raise EvalConfigError(NOTHING_TO_EVALUATE)
    return []
