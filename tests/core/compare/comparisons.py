"""Factories for the arena tests: stored blind comparisons with known replies and shown order.

    comparison = add_comparison(store, replies={"base": "Two.", "prompted": "What do you think?"})

The shown order is fixed by the factory, so tests can name tutors by their letters.
"""

from __future__ import annotations

from core.compare.blind import record_comparison
from core.compare.records import Comparison, NewComparison, ShownVariant
from core.store import Store

LABELS = {
    "base": "Base model (no system prompt)",
    "prompted": "Prompted (base + tutor policy)",
    "adapter:a1": "Adapter a1",
}


def add_comparison(
    store: Store,
    replies: dict[str, str] | None = None,
    order: list[int] | None = None,
    message: str = "What is 1/4 + 2/3?",
) -> Comparison:
    """A stored comparison; `order` defaults to the variants in the order given (A = the first)."""
    replies = replies or {
        "base": "It is 11/12.",
        "prompted": "What common denominator could 4 and 3 share?",
        "adapter:a1": "Good question! What do you get when you rewrite 1/4 in twelfths?",
    }
    keys = list(replies)
    return record_comparison(
        store,
        NewComparison(
            message=message,
            prompt=[{"role": "user", "content": message}],
            variants=[ShownVariant(k, LABELS.get(k, k)) for k in keys],
            shown_order=order or list(range(len(keys))),
            seed=1,
            replies=[replies[k] for k in keys],
            base_model="tiny",
        ),
    )
