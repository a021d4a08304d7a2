"""Migration(id, name, sql): one step of the store's schema, applied once, in id order, by core.store."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    id: int
    name: str
    sql: str
