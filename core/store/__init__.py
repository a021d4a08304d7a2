"""The store: one SQLite database (WAL, synchronous=FULL) per workspace, the contract between tabs.

- database.py          Store: connections, transactions, queries, JSON columns, ids and clocks
- migration.py         one schema migration (number, title, SQL)
- schema.py            every migration in order, applied at open
- migrations_data.py   1-399: settings, jobs and the course material (documents, chunks, examples, datasets)
- migrations_runs.py   400-799: what is made from the data (runs, adapters, comparisons, votes, evals, exports)
"""

from core.store.database import Store, StoreError, from_json, new_id, now, split_statements, to_json

__all__ = ["Store", "StoreError", "from_json", "new_id", "now", "split_statements", "to_json"]
