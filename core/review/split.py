"""Train / validation / test split by source chunk, stratified by intent, seeded.

    plan = split_examples([SplitItem(id, group, intent), ...], seed=42, fractions=SplitFractions(0.1, 0.1))
    plan.assignments["ex_1a2b"]    # "train" | "validation" | "test"
    plan.notes                      # plain-words notes on what a small dataset did to the split

Examples from one chunk stay together (no chunk feeds two splits: a test question must not have
siblings from the same passage in training). Groups are ordered within their intent by a hash of
(seed, group), spread evenly over [0, 1), and cut by the target fractions: every intent lands in every
split in proportion, and the same seed and examples always give the same split, in any input order.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from core.review.records import SPLITS, Split

MIN_GROUPS_FOR_TEST = 3
MIN_GROUPS_FOR_VALIDATION = 5


@dataclass(frozen=True)
class SplitItem:
    example_id: str
    group: str  # the source chunk (or the example itself when it has none)
    intent: str | None


@dataclass(frozen=True)
class SplitFractions:
    validation: float = 0.1
    test: float = 0.1

    def __post_init__(self) -> None:
        if not (0 <= self.validation < 1 and 0 <= self.test < 1 and self.validation + self.test < 1):
            raise ValueError(
                "The validation and test shares must each be between 0 and 1 and leave room for training "
                f"(got validation {self.validation:.0%}, test {self.test:.0%})."
            )


@dataclass
class SplitPlan:
    assignments: dict[str, Split]
    group_counts: dict[Split, int]
    notes: list[str] = field(default_factory=list)

    def ids(self, split: Split) -> list[str]:
        return sorted(example_id for example_id, s in self.assignments.items() if s == split)


def split_examples(items: list[SplitItem], seed: int, fractions: SplitFractions | None = None) -> SplitPlan:
    """Assign each example a split; the groups (chunks) are the unit that is assigned."""
    fractions = fractions or SplitFractions()
    groups = group_items(items)
    ordered = stratified_order(groups, seed)
    n_test, n_validation, notes = split_sizes(len(ordered), fractions)
    group_split: dict[str, Split] = {}
    for position, key in enumerate(ordered):
        group_split[key] = (
            "test" if position < n_test else "validation" if position < n_test + n_validation else "train"
        )
    assignments = {item.example_id: group_split[item.group] for item in items}
    counts = Counter(group_split.values())
    return SplitPlan(assignments, {s: counts.get(s, 0) for s in SPLITS}, notes)


def group_items(items: list[SplitItem]) -> dict[str, str]:
    """group -> its intent (the most common among its examples; ties go to the first name)."""
    intents: dict[str, Counter[str]] = defaultdict(Counter)
    for item in items:
        intents[item.group][item.intent or ""] += 1
    return {
        group: min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] for group, counts in intents.items()
    }


def stratified_order(groups: dict[str, str], seed: int) -> list[str]:
    """Groups in an order where every intent is spread evenly, so any prefix holds each intent in proportion."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for group, intent in groups.items():
        by_intent[intent].append(group)
    positions: list[tuple[float, str, str]] = []
    for intent, members in by_intent.items():
        members.sort(key=lambda g: _hash(seed, g))
        offset = _unit(seed, f"offset:{intent}")
        for rank, group in enumerate(members):
            positions.append(((rank + offset) / len(members), _hash(seed, group), group))
    return [group for _, _, group in sorted(positions)]


def split_sizes(n_groups: int, fractions: SplitFractions) -> tuple[int, int, list[str]]:
    """How many groups go to test and validation; small datasets keep at least one test group."""
    notes: list[str] = []
    n_test = round(n_groups * fractions.test)
    n_validation = round(n_groups * fractions.validation)
    if fractions.test > 0 and n_groups >= MIN_GROUPS_FOR_TEST and n_test == 0:
        n_test = 1
        notes.append(
            f"Only {n_groups} source chunks: the test split got 1 chunk, more than its {fractions.test:.0%} share."
        )
    if fractions.validation > 0 and n_groups >= MIN_GROUPS_FOR_VALIDATION and n_validation == 0:
        n_validation = 1
        notes.append(
            f"Only {n_groups} source chunks: the validation split got 1 chunk, more than its "
            f"{fractions.validation:.0%} share."
        )
    if n_groups < MIN_GROUPS_FOR_TEST:
        notes.append(
            f"Only {n_groups} source chunk(s): everything is in train; add examples for a test split."
        )
    elif n_groups < MIN_GROUPS_FOR_VALIDATION and fractions.validation > 0:
        notes.append(
            f"Only {n_groups} source chunks: the validation split is empty, so training cannot measure "
            "validation loss. Add examples from more chunks."
        )
    n_test = min(n_test, max(n_groups - 1, 0))
    n_validation = min(n_validation, max(n_groups - 1 - n_test, 0))
    return n_test, n_validation, notes


def _hash(seed: int, key: str) -> str:
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def _unit(seed: int, key: str) -> float:
    return int(_hash(seed, key)[:13], 16) / 16**13
