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

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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


class EvalConfig(BaseModel):
    """What one evaluation runs. Each field's description is the Evaluate tab's help and the `eval` flag's."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    adapter_ids: tuple[str, ...] = Field(
        description="The trained tutors to check. The newest is picked; add more to compare them in one report."
    )
    dataset_id: str = Field(
        description="A dataset version's test split (never trained on). Default: the version the adapter learned from."
    )
    include_base: bool = Field(True, description="Also evaluate the bare base model.")
    include_prompted: bool = Field(
        True, description="Also evaluate the base model reading the long tutor policy the adapter replaces."
    )
    checks: tuple[str, ...] = Field(
        DEFAULT_CHECKS,
        description="The judge is optional and needs a model server; everything else runs offline.",
    )
    tasks: tuple[str, ...] = Field(
        (),
        description="Forgetting tasks (default: the local general tasks). The local tasks run offline; the "
        "standard benchmarks download their questions from the internet.",
    )
    task_limit: int | None = Field(
        50, description="Items per forgetting task: more give a steadier score but take longer (empty = all)."
    )
    max_conversations: int | None = Field(
        None, description="Test conversations replayed (empty = all). Fewer is quicker."
    )
    max_new_tokens: int = Field(
        160,
        description="Longest reply in tokens: replies are cut here; a tutor turn is usually 40-120 tokens.",
    )
    # One variant per batch, so up to 24 turns make one batch per variant. A step costs about the same for
    # 8 rows as for 32 on a CPU and ended rows leave the batch (core.inference.greedy), so fewer, larger
    # batches are faster; memory bounds them (the prompted rows' cache: about 1 GB for 72 rows, bundled model).
    batch_turns: int = Field(
        24, description="Turns replayed in one batch per variant: larger is faster and needs more memory."
    )
    ttft_samples: int = Field(5, description="Turns timed one request at a time per variant.")
    openers: bool = Field(True, description="Also send the held-out student openers (core.evaluate.openers).")
    max_openers: int | None = Field(
        None,
        description="Student openers sent (empty = all: 72 built in, plus yours). Each rate needs about 50 for "
        "an interval of ±14 points.",
    )
    opener_tokens: int = Field(
        96, description="The reply cap for the openers: a tutor's first reply is short."
    )
    opener_batch: int = Field(24, description="Openers answered in one batch per variant, as for the turns.")
    judge: JudgeConfig | None = Field(None, description="The LLM judge's endpoint, for the judge check.")
    thresholds: Thresholds = Field(default_factory=Thresholds, description="The limits of the verdict.")

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except (
            ValidationError
        ) as exc:  # raise the check's own error (EvalConfigError, TaskError), not pydantic's
            found = exc.errors()[0].get("ctx", {}).get("error")
            if isinstance(found, Exception):
                raise found from None
            raise EvalConfigError(exc.errors()[0]["msg"]) from exc

    @model_validator(mode="after")
    def _check(self) -> EvalConfig:
        check_config(self)
        return self

    @property
    def forgetting_tasks(self) -> list[str]:
        return list(self.tasks) or default_task_names()

    def to_params(self) -> dict[str, Any]:
        """Plain JSON for the job's params and the `evals` row, in field order."""
        return self.model_dump(mode="json")

    @classmethod
    def from_params(cls, data: dict[str, Any]) -> EvalConfig:
        values = {k: v for k, v in data.items() if k in cls.model_fields}
        values["adapter_ids"] = tuple(values.get("adapter_ids") or ())
        values["checks"] = tuple(values.get("checks") or DEFAULT_CHECKS)
        values["tasks"] = tuple(values.get("tasks") or ())
        values["judge"] = JudgeConfig(**data["judge"]) if data.get("judge") else None
        values["thresholds"] = Thresholds.from_dict(data.get("thresholds"))
        return cls(**values)


def check_config(config: EvalConfig) -> None:
    """The combinations an evaluation cannot run, each with what to change."""
    unknown = [c for c in config.checks if c not in CHECKS]
    if unknown:
        raise EvalConfigError(f"Unknown check {unknown[0]!r}; use any of {', '.join(CHECKS)}.")
    if not config.checks:
        raise EvalConfigError("Pick at least one check to run.")
    for name, what in (
        ("max_new_tokens", "The reply length cap"),
        ("opener_tokens", "The openers' reply length cap"),
    ):
        value = getattr(config, name)
        if not 16 <= value <= MAX_NEW_TOKENS:
            raise EvalConfigError(f"{what} must be 16 to {MAX_NEW_TOKENS} tokens; got {value}.")
    for name in ("task_limit", "max_conversations", "max_openers"):
        value = getattr(config, name)
        if value is not None and value < 1:
            raise EvalConfigError(
                f"{name.replace('_', ' ').capitalize()} must be at least 1 (or empty for all)."
            )
    check_combinations(config)
    find_tasks(config.forgetting_tasks)


def check_combinations(config: EvalConfig) -> None:
    checks = config.checks
    if "kl" in checks and not (config.include_prompted and (config.adapter_ids or config.include_base)):
        raise EvalConfigError(
            "The KL check compares variants with the prompted model: include Prompted and an adapter."
        )
    if "forgetting" in checks and not config.adapter_ids:
        raise EvalConfigError(
            "The forgetting check compares an adapter with its base model: pick an adapter."
        )
    if "judge" in checks and "behaviour" not in checks:
        raise EvalConfigError("The judge scores the replayed replies: tick the tutor behaviour check too.")
    if "judge" in checks and config.judge is None:
        raise EvalConfigError(
            "The judge needs an OpenAI-compatible endpoint: fill in its address and model, or untick the judge."
        )


def field_help(name: str) -> str:
    """A field's description: the tab's `info=` and the CLI flag's `help=`."""
    return EvalConfig.model_fields[name].description or ""


def field_default(name: str) -> Any:
    return EvalConfig.model_fields[name].default


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
