"""Fixtures for the documents tests: a token counter from the session's tiny model, and documents
converted in-process (the job path has its own tests in test_ingest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core.documents.chunking import DEFAULT_CHUNK_TOKENS
from core.documents.ingest import add_document as store_document
from core.documents.limits import check_file
from core.documents.records import Document, get_document
from core.documents.tokens import TextTokenCounter, _load_counter
from core.documents.worker import process_document
from core.paths import Workspace
from core.store import Store


@pytest.fixture(scope="session")
def counter(tiny_model_dir: Path) -> TextTokenCounter:
    return _load_counter("tiny", str(tiny_model_dir))


@pytest.fixture
def add_document(store: Store, tiny_workspace: Workspace) -> Callable[..., Document]:
    """Store a file as a document and convert it in this process (no job), like a finished upload."""

    def add(path: Path, name: str | None = None, chunk_tokens: int = DEFAULT_CHUNK_TOKENS) -> Document:
        name = name or path.name
        checked = check_file(path, name)
        document_id = store_document(store, tiny_workspace, path, name, checked, chunk_tokens)
        process_document(store, tiny_workspace, document_id, chunk_tokens=chunk_tokens)
        document = get_document(store, document_id)
        assert document is not None
        return document

    return add
