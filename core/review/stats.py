"""Statistics of the examples for the Review tab's plots, and the values its filters offer.

    stats = review_stats(store)        # counts by status, intent and source; token-length histogram
    choices = filter_choices(store)    # intents, sources and tags present in the store

Aggregates run in SQL (GROUP BY over indexed columns), so they stay fast with many examples.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.review.query import NO_INTENT, NO_SOURCE, SOURCE_PREFIX
from core.review.records import ExampleStatus
from core.store import Store

# Histogram bin widths, smallest first; the first giving at most MAX_BINS bins is used.
BIN_WIDTHS = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
MAX_BINS = 24


@dataclass(frozen=True)
class ReviewStats:
    total: int
    by_status: dict[str, int]
    by_intent: list[tuple[str, str, int]]  # (intent, status, count)
    per_source: list[tuple[str, str, int]]  # (source name, status, count)
    token_bins: list[tuple[int, int, int]]  # (bin start, bin end, count)
    accepted_tokens: int

    @property
    def is_empty(self) -> bool:
        return self.total == 0

    def count(self, status: ExampleStatus) -> int:
        """How many examples have `status` (0 when none)."""
        return self.by_status.get(status, 0)


@dataclass(frozen=True)
class FilterChoices:
    intents: list[str]
    sources: list[tuple[str, str]]  # (label, filter value)
    tags: list[str]


def review_stats(store: Store) -> ReviewStats:
    by_status = {
        row[0]: int(row[1]) for row in store.query("SELECT status, count(*) FROM examples GROUP BY status")
    }
    by_intent = [
        (row[0] or NO_INTENT, row[1], int(row[2]))
        for row in store.query(
            "SELECT intent, status, count(*) FROM examples GROUP BY intent, status ORDER BY intent, status"
        )
    ]
    per_source = [
        (row[0] or NO_SOURCE, row[1], int(row[2]))
        for row in store.query(
            "SELECT coalesce(d.name, e.source_name) AS source, e.status, count(*) FROM examples e "
            "LEFT JOIN documents d ON d.id = e.document_id GROUP BY source, e.status ORDER BY source, e.status"
        )
    ]
    accepted = store.query_one("SELECT coalesce(sum(token_count), 0) FROM examples WHERE status = 'accepted'")
    return ReviewStats(
        total=sum(by_status.values()),
        by_status=by_status,
        by_intent=by_intent,
        per_source=per_source,
        token_bins=token_histogram(store),
        accepted_tokens=int(accepted[0]) if accepted else 0,
    )


def token_histogram(store: Store) -> list[tuple[int, int, int]]:
    """(start, end, count) bins of the examples' token counts, with a width that keeps the plot readable."""
    row = store.query_one("SELECT max(token_count) FROM examples")
    largest = int(row[0] or 0) if row else 0
    width = next((w for w in BIN_WIDTHS if largest // w < MAX_BINS), BIN_WIDTHS[-1])
    rows = store.query(
        "SELECT (token_count / ?) AS bin, count(*) FROM examples GROUP BY bin ORDER BY bin", (width,)
    )
    return [(int(r[0]) * width, (int(r[0]) + 1) * width, int(r[1])) for r in rows]


def filter_choices(store: Store) -> FilterChoices:
    intents = [
        row[0]
        for row in store.query("SELECT DISTINCT intent FROM examples WHERE intent IS NOT NULL ORDER BY 1")
    ]
    if store.query_one("SELECT 1 FROM examples WHERE intent IS NULL LIMIT 1"):
        intents.append(NO_INTENT)
    sources = [
        (row["name"], row["id"])
        for row in store.query(
            "SELECT DISTINCT d.id, d.name FROM examples e JOIN documents d ON d.id = e.document_id ORDER BY d.name"
        )
    ]
    sources += [
        (row[0], SOURCE_PREFIX + row[0])
        for row in store.query(
            "SELECT DISTINCT source_name FROM examples WHERE document_id IS NULL AND source_name IS NOT NULL ORDER BY 1"
        )
    ]
    if store.query_one("SELECT 1 FROM examples WHERE document_id IS NULL AND source_name IS NULL LIMIT 1"):
        sources.append((NO_SOURCE, NO_SOURCE))
    tags = [
        row[0]
        for row in store.query("SELECT DISTINCT j.value FROM examples e, json_each(e.tags) j ORDER BY 1")
    ]
    return FilterChoices(intents=intents, sources=sources, tags=tags)
