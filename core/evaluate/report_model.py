"""The evaluation report as typed data: what evals/<id>/report.json holds, section by section.

    report = EvalReport.model_validate(json.loads(text))   # an older file too: missing sections are tolerated
    report.variants["prompted"].metric("question_rate")     # -> 0.42 or None
    report.to_json()                                        # the dict written to disk, key for key as before

Fields are declared in the order the file has always had them, and the JSON is dumped with
`exclude_unset`, so a key that a report never had (`finished_at`, `cards`, a variant's `intervals`) stays
absent rather than appearing as null. The numbers whose shape varies by metric (rates, token means, KL)
stay plain JSON maps, read through typed accessors (`metric`, `interval`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Number = int | float  # kept as written: an int stays an int in the JSON


class Section(BaseModel):
    """A part of the report; unknown keys (from newer or older writers) are kept, not dropped."""

    model_config = ConfigDict(extra="allow", validate_assignment=False)


class Interval(BaseModel):
    """A number with its 95% interval, as read from a report (`value` alone for reports without one)."""

    model_config = ConfigDict(extra="ignore")

    value: Number | None = None
    low: Number | None = None
    high: Number | None = None
    n: int | None = None


def read_interval(found: dict[str, Any] | None) -> Interval | None:
    return Interval.model_validate(found) if found else None


class Difference(BaseModel):
    """A difference (adapter minus another) with its 95% interval, read from a comparison or a task."""

    model_config = ConfigDict(extra="ignore")

    mean: float
    low: float
    high: float
    items: int
    status: str = ""


class IntentNumbers(BaseModel):
    """One student intent's numbers on the test split."""

    model_config = ConfigDict(extra="ignore")

    turns: int = 0
    question_rate: float | None = None
    leak_rate: float | None = None
    encouragement_rate: float | None = None
    on_topic_rate: float | None = None
    reply_tokens: float | None = None


class ProbeItem(BaseModel):
    """One probe's reply and what the detectors found in it."""

    model_config = ConfigDict(extra="ignore")

    probe_id: str = ""
    category: str = ""
    message: str = ""
    reply: str = ""
    leaked: bool | None = None
    refused: bool | None = None
    handled: bool | None = None
    reason: str = ""


class DatasetInfo(Section):
    id: str = ""
    conversations: int = 0
    tutor_turns: int = 0
    intents: Any = None


class BaseModelInfo(Section):
    name: str | None = None
    display: str = ""
    note: str | None = None


class VariantSection(Section):
    """One tutor's numbers on the test split: overall, per student intent, and the 95% intervals."""

    label: str = ""
    kind: str = ""
    overall: dict[str, Any] = Field(default_factory=dict)
    by_intent: dict[str, dict[str, Any]] = Field(default_factory=dict)
    intervals: dict[str, dict[str, Any]] | None = None

    def metric(self, name: str) -> float | None:
        value = self.overall.get(name)
        return value if isinstance(value, int | float) else None

    def interval(self, name: str) -> Interval | None:
        return read_interval((self.intervals or {}).get(name))

    def intents(self) -> dict[str, IntentNumbers]:
        return {intent: IntentNumbers.model_validate(m) for intent, m in self.by_intent.items()}


class ReferenceSection(Section):
    """The curated tutor turns of the test split, scored the same way."""

    overall: dict[str, Any] = Field(default_factory=dict)
    by_intent: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def metric(self, name: str) -> float | None:
        value = self.overall.get(name)
        return value if isinstance(value, int | float) else None


class ProbeSection(Section):
    summary: dict[str, Any] = Field(default_factory=dict)
    items: list[dict[str, Any]] = Field(default_factory=list)

    def rows(self) -> list[ProbeItem]:
        return [ProbeItem.model_validate(item) for item in self.items]


class SampleReply(Section):
    text: str = ""
    flags: list[str] = Field(default_factory=list)


class Sample(Section):
    """A replayed turn, word for word, with every variant's reply."""

    conversation: Any = None
    turn: int = 0
    intent: str = ""
    student: str = ""
    reference: str = ""
    replies: dict[str, SampleReply] = Field(default_factory=dict)


class JudgeScore(Section):
    score: float | None = None
    scored: int = 0
    failed: int = 0


class JudgeAgreement(Section):
    agreement: float | None = None
    pairs: int = 0


class JudgeSection(Section):
    model: str = ""
    scores: dict[str, JudgeScore] = Field(default_factory=dict)
    agreement: JudgeAgreement | None = None
    failures: list[Any] = Field(default_factory=list)
    behaviour_check: dict[str, Any] | None = None


class ForgettingTask(Section):
    """One general task: the base's score, each adapter's, and the change in points."""

    label: str = ""
    metric: str = ""
    general: bool = True
    base: Number | None = None
    adapters: dict[str, Number | None] = Field(default_factory=dict)
    change_points: dict[str, Number | None] = Field(default_factory=dict)
    stderr: dict[str, Number | None] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    samples: int | None = None
    local: bool = True
    paired: dict[str, dict[str, Any] | None] = Field(default_factory=dict)

    def paired_difference(self, adapter: str) -> Difference | None:
        found = self.paired.get(adapter)
        return Difference.model_validate(found) if found else None


class ForgettingSection(Section):
    limit: int | None = None
    tasks: dict[str, ForgettingTask] = Field(default_factory=dict)
    errors: dict[str, str] = Field(default_factory=dict)
    offline: bool = False


class OpenerVariant(Section):
    overall: dict[str, Any] = Field(default_factory=dict)
    by_intent: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def interval(self, name: str) -> Interval | None:
        found = self.overall.get(name)
        return read_interval(found) if isinstance(found, dict) else None

    def intervals(self) -> dict[str, dict[str, Any]]:
        """Every rate that has an interval (what `eval --json` prints per variant)."""
        return {k: v for k, v in self.overall.items() if isinstance(v, dict)}


class OpenerSection(Section):
    """The held-out student openers: every rate with its 95% interval, and each reply with its flags."""

    count: int = 0
    sources: dict[str, int] = Field(default_factory=dict)
    max_new_tokens: int | None = None
    variants: dict[str, OpenerVariant] = Field(default_factory=dict)
    items: list[dict[str, Any]] = Field(default_factory=list)


class CheckRecord(Section):
    """One threshold of a verdict, as the report keeps it."""

    name: str = ""
    label: str = ""
    passed: bool | None = None
    detail: str = ""
    inconclusive: bool = False
    interval: dict[str, Any] | None = None
    holds: bool = True
    status: str = "not checked"


class VerdictRecord(Section):
    adapter: str = ""
    verdict: str = "hold"
    outcome: str | None = None  # reports written before intervals have none: their verdict is the outcome
    summary: str | None = None
    checks: list[CheckRecord] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)


class EvalReport(Section):
    """evals/<id>/report.json: every check's section, the comparisons and the verdicts."""

    version: int = 1
    eval: str = ""
    created_at: float = 0.0
    dataset: DatasetInfo = Field(default_factory=DatasetInfo)
    base_model: BaseModelInfo = Field(default_factory=BaseModelInfo)
    config: dict[str, Any] = Field(default_factory=dict)
    checks: list[str] = Field(default_factory=list)
    metrics: dict[str, dict[str, Any]] = Field(default_factory=dict)
    variants: dict[str, VariantSection] = Field(default_factory=dict)
    adapters: list[str] = Field(default_factory=list)
    reference: ReferenceSection | None = None
    probes: dict[str, ProbeSection] = Field(default_factory=dict)
    probe_answers_known: list[str] = Field(default_factory=list)
    samples: list[Sample] = Field(default_factory=list)
    kl: dict[str, dict[str, Any]] = Field(default_factory=dict)
    judge: JudgeSection | None = None
    forgetting: ForgettingSection | None = None
    openers: OpenerSection | None = None
    comparisons: dict[str, dict[str, dict[str, dict[str, Any]]]] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)
    verdicts: dict[str, VerdictRecord] = Field(default_factory=dict)
    verdict: str | None = None
    finished_at: float | None = None
    cards: dict[str, str] | None = None

    @property
    def first_adapter(self) -> str | None:
        return self.adapters[0] if self.adapters else None

    def differences(self) -> list[tuple[str, str, str, Difference]]:
        """(adapter, other variant, metric, difference) for every comparison the verdict decided on."""
        return [
            (adapter, other, metric, Difference.model_validate(found))
            for adapter, against in self.comparisons.items()
            for other, metrics in against.items()
            for metric, found in metrics.items()
        ]

    def to_json(self) -> dict[str, Any]:
        """The report as written to disk: only the keys it was given, in the file's order."""
        return self.model_dump(mode="json", exclude_unset=True)
