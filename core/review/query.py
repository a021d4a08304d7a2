"""The Review table's queries: filtered, searched, sorted pages of examples, and their neighbours.

    page = query_examples(store, ExampleQuery(status="pending", search="denominator", page=2))
    page.rows, page.total, page.pages
    next_id = adjacent_example(store, query, anchor_id, forward=True)   # the review loop's "next"

Each call is a couple of indexed SQL statements (full-text search through the examples_fts index),
so paging stays fast with tens of thousands of examples.
"""

from __future__ import annotations

import math
import re
import sqlite3
from dataclasses import dataclass, replace
from typing import Any, Literal

from core.review.records import ExampleStatus
from core.store import Store, from_json

SortKey = Literal["created", "updated", "tokens", "turns", "intent", "status", "source"]
VerdictFilter = Literal["passed", "failed", "none"]
SORT_COLUMNS: dict[str, str] = {
    "created": "e.created_at",
    "updated": "e.updated_at",
    "tokens": "e.token_count",
    "turns": "e.tutor_turns",
    "intent": "coalesce(e.intent, '')",
    "status": "e.status",
    "source": "coalesce(d.name, e.source_name, '')",
}
NO_INTENT = "(no intent)"
NO_SOURCE = "(no source)"
SOURCE_PREFIX = "src:"
MAX_PAGE_SIZE = 500
WORD = re.compile(r"\w+", re.UNICODE)
ID_PATTERN = re.compile(r"ex_[0-9a-f]{10}")


@dataclass(frozen=True)
class ExampleQuery:
    """A filter, a search and a sort over the examples, plus which page to show."""

    status: ExampleStatus | None = None
    intent: str | None = None  # NO_INTENT matches examples without one
    source: str | None = None  # a document id, SOURCE_PREFIX + a source name, or NO_SOURCE
    tag: str | None = None
    verdict: VerdictFilter | None = None
    search: str = ""
    sort: SortKey = "created"
    descending: bool = False
    page: int = 1
    page_size: int = 50

    def __post_init__(self) -> None:
        if self.sort not in SORT_COLUMNS:
            raise ValueError(f"Unknown sort {self.sort!r}; use one of {', '.join(SORT_COLUMNS)}.")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"Page size must be between 1 and {MAX_PAGE_SIZE}.")


@dataclass(frozen=True)
class ExampleRow:
    id: str
    status: ExampleStatus
    revision: int
    intent: str | None
    source: str | None
    first_user: str
    tutor_turns: int
    token_count: int
    verdict_state: str
    verdicts: dict[str, Any]
    tags: list[str]
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class ExamplePage:
    rows: list[ExampleRow]
    total: int
    query: ExampleQuery

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.page_size))

    @property
    def page(self) -> int:
        return min(self.query.page, self.pages)


ROW_COLUMNS = (
    "e.id, e.status, e.revision, e.intent, coalesce(d.name, e.source_name) AS source, e.first_user, "
    "e.tutor_turns, e.token_count, e.verdict_state, e.verdicts, e.tags, e.created_at, e.updated_at"
)
FROM = "FROM examples e LEFT JOIN documents d ON d.id = e.document_id"


def where_clause(query: ExampleQuery) -> tuple[str, list[Any]]:
    """SQL conditions for the query's filters and search (without sort and paging)."""
    clauses: list[str] = []
    params: list[Any] = []
    if query.status:
        clauses.append("e.status = ?")
        params.append(query.status)
    if query.intent == NO_INTENT:
        clauses.append("e.intent IS NULL")
    elif query.intent:
        clauses.append("e.intent = ?")
        params.append(query.intent)
    if query.source == NO_SOURCE:
        clauses.append("e.document_id IS NULL AND e.source_name IS NULL")
    elif query.source and query.source.startswith(SOURCE_PREFIX):
        clauses.append("e.document_id IS NULL AND e.source_name = ?")
        params.append(query.source[len(SOURCE_PREFIX) :])
    elif query.source:
        clauses.append("e.document_id = ?")
        params.append(query.source)
    if query.tag:
        clauses.append("EXISTS (SELECT 1 FROM json_each(e.tags) WHERE json_each.value = ?)")
        params.append(query.tag)
    if query.verdict:
        clauses.append("e.verdict_state = ?")
        params.append(query.verdict)
    ids = [word for word in (query.search or "").split() if ID_PATTERN.fullmatch(word)]
    if ids:  # an example id typed into the search box (as build errors name them) finds that example
        clauses.append(f"e.id IN ({','.join('?' * len(ids))})")
        params.extend(ids)
    match = fts_query(" ".join(w for w in (query.search or "").split() if w not in ids))
    if match:
        # "+" keeps SQLite walking the covering index in table order (a few ms for any number of
        # matches) instead of looking up every match and sorting them (slow when most examples match).
        clauses.append("+e.search_rowid IN (SELECT rowid FROM examples_fts WHERE examples_fts MATCH ?)")
        params.append(match)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def fts_query(search: str) -> str:
    """A safe FTS5 query: every word must appear, as a prefix ("photo" finds "photosynthesis")."""
    words = WORD.findall(search or "")
    return " ".join(f'"{word}"*' for word in words)


def order_clause(query: ExampleQuery) -> str:
    direction = "DESC" if query.descending else "ASC"
    return f"ORDER BY {SORT_COLUMNS[query.sort]} {direction}, e.id {direction}"


def query_examples(store: Store, query: ExampleQuery) -> ExamplePage:
    """One page of the examples matching the query, with the total count."""
    where, params = where_clause(query)
    joined = FROM if query.sort == "source" else "FROM examples e"
    total_row = store.query_one(f"SELECT count(*) FROM examples e {where}", params)
    total = int(total_row[0]) if total_row else 0
    pages = max(1, math.ceil(total / query.page_size))
    query = replace(query, page=max(1, min(query.page, pages)))
    offset = (query.page - 1) * query.page_size
    # Ids first (an index-only walk, even deep into the list), then the rows of just this page.
    ids = [
        row[0]
        for row in store.query(
            f"SELECT e.id {joined} {where} {order_clause(query)} LIMIT ? OFFSET ?",
            [*params, query.page_size, offset],
        )
    ]
    return ExamplePage(fetch_rows(store, ids), total, query)


def fetch_rows(store: Store, ids: list[str]) -> list[ExampleRow]:
    """The table rows of these examples, in the order given."""
    if not ids:
        return []
    rows = store.query(f"SELECT {ROW_COLUMNS} {FROM} WHERE e.id IN ({','.join('?' * len(ids))})", ids)
    by_id = {row["id"]: row_from_sql(row) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def row_from_sql(row: Any) -> ExampleRow:
    values = {key: row[key] for key in row.keys()}  # noqa: SIM118 (a Row iterates values)
    values["verdicts"] = from_json(values["verdicts"], {})
    values["tags"] = from_json(values["tags"], [])
    return ExampleRow(**values)


def matching_ids(store: Store, query: ExampleQuery) -> list[str]:
    """Every example id the query's filters and search match (all pages), in the query's order."""
    where, params = where_clause(query)
    joined = FROM if query.sort == "source" else "FROM examples e"
    rows = store.query(f"SELECT e.id {joined} {where} {order_clause(query)}", params)
    return [row["id"] for row in rows]


def still_matching(conn: sqlite3.Connection, query: ExampleQuery, ids: list[str]) -> list[sqlite3.Row]:
    """The rows of `ids` that match the query now, read inside the caller's write transaction.

    Bulk actions pick their ids before they take the write lock; this is the compare half of their
    compare-and-set, so an example another reviewer moved out of the filter meanwhile is left alone."""
    if not ids:
        return []
    where, params = where_clause(query)
    joiner = "AND" if where else "WHERE"
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"SELECT e.* FROM examples e {where} {joiner} e.id IN ({marks})", [*params, *ids])
    by_id = {row["id"]: row for row in rows.fetchall()}
    return [by_id[i] for i in ids if i in by_id]


def adjacent_example(
    store: Store, query: ExampleQuery, anchor_id: str, *, forward: bool = True
) -> str | None:
    """The example after (or before) `anchor_id` in the query's order, even when the anchor itself no
    longer matches the filter (it was just accepted out of a "pending" view)."""
    sort_sql = SORT_COLUMNS[query.sort]
    anchor = store.query_one(f"SELECT {sort_sql} AS k, e.id {FROM} WHERE e.id = ?", (anchor_id,))
    if anchor is None:
        return None
    ascending = query.descending != forward  # moving forward in a descending list means going down
    where, params = where_clause(query)
    keyset = f"({sort_sql}, e.id) {'>' if ascending else '<'} (?, ?)"
    where = f"{where} AND {keyset}" if where else f"WHERE {keyset}"
    direction = "ASC" if ascending else "DESC"
    row = store.query_one(
        f"SELECT e.id {FROM} {where} ORDER BY {sort_sql} {direction}, e.id {direction} LIMIT 1",
        [*params, anchor["k"], anchor["id"]],
    )
    return None if row is None else str(row["id"])


def position_of(store: Store, query: ExampleQuery, example_id: str) -> int | None:
    """The 1-based position of an example in the query's order (None when it does not match)."""
    where, params = where_clause(query)
    sort_sql = SORT_COLUMNS[query.sort]
    joiner = "AND" if where else "WHERE"
    anchor = store.query_one(
        f"SELECT {sort_sql} AS k {FROM} {where} {joiner} e.id = ?", [*params, example_id]
    )
    if anchor is None:
        return None
    before = ">" if query.descending else "<"
    row = store.query_one(
        f"SELECT count(*) {FROM} {where} {joiner} ({sort_sql}, e.id) {before} (?, ?)",
        [*params, anchor["k"], example_id],
    )
    return int(row[0]) + 1 if row else None


def page_of(store: Store, query: ExampleQuery, example_id: str) -> ExampleQuery:
    """The query turned to the page that shows `example_id` (unchanged when it is not in the results)."""
    position = position_of(store, query, example_id)
    if position is None:
        return query
    return replace(query, page=(position - 1) // query.page_size + 1)
