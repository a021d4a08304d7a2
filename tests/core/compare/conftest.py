"""Fixtures of the Compare tests: a CompareContext over the session's loaded tiny backend, with the
tiny adapter registered in the workspace as adapter `tutor-v1`.

    def test_x(compare_ctx): list(stream_round(compare_ctx, RoundRequest("Hi", ["base", "prompted"])))
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.compare.backends import ChatBackends, LocalCompareContext
from core.paths import Workspace
from core.store import Store
from core.train.records import insert_adapter

ADAPTER_ID = "tutor-v1"
ADAPTER_KEY = f"adapter:{ADAPTER_ID}"


def register_adapter(store: Store, path: Path, adapter_id: str = ADAPTER_ID, base_model: str = "tiny") -> str:
    with store.transaction() as conn:
        insert_adapter(conn, adapter_id=adapter_id, base_model=base_model, path=str(path), version=1)
    return adapter_id


@pytest.fixture
def compare_ctx(
    store: Store, workspace: Workspace, tiny_backend: Any, tiny_adapter_dir: Path
) -> LocalCompareContext:
    register_adapter(store, tiny_adapter_dir)
    backends = ChatBackends()
    backends.use(tiny_backend.resolved, tiny_backend)
    return LocalCompareContext(store, workspace, tiny_backend.resolved, backends)
