"""The preview on the Generate tab: three conversations, written and judged, never stored, even when most
of the chosen chunks are headings, pictures or lists that hold no fact to ask about."""

from __future__ import annotations

import pytest

from core.generate.config import SynthConfig
from core.generate.pipeline import PREVIEW_COUNT, preview_examples
from core.generate.records import list_runs
from core.paths import Workspace
from core.review.records import count_examples
from core.store import Store
from tests.core.generate.conftest import CHUNKS, add_ready_document

BARREN = [  # what a converted slide deck or web page is often cut into: nothing the template can ask about
    (["Photosynthesis"], "Contents"),
    (["Photosynthesis", "Figure 2"], "A leaf, seen under a microscope."),
    (["Photosynthesis", "Further reading"], "See chapter 4."),
    (["Photosynthesis", "Key words"], "chlorophyll, stomata, glucose"),
    (["Photosynthesis", "Notes"], "Bring a pencil."),
]


def one_fact_among_barren_chunks(store: Store) -> str:
    document_id, _ = add_ready_document(store, "slides.pptx", [*BARREN, CHUNKS["ohm"]])
    return document_id


@pytest.mark.parametrize("seed", range(12))
def test_the_preview_shows_three_conversations_when_one_chunk_in_six_holds_a_fact(
    store: Store, workspace: Workspace, seed: int
) -> None:
    document_id = one_fact_among_barren_chunks(store)
    results = preview_examples(store, workspace, SynthConfig(document_ids=(document_id,)), seed=seed)
    assert len(results) == PREVIEW_COUNT
    assert all(r.messages and r.source.text == CHUNKS["ohm"][1] for r in results)
    assert list_runs(store) == [] and count_examples(store) == 0  # a preview is never stored


def test_a_selection_without_any_fact_previews_nothing_and_returns(
    store: Store, workspace: Workspace
) -> None:
    document_id, _ = add_ready_document(store, "cover.md", BARREN)
    assert preview_examples(store, workspace, SynthConfig(document_ids=(document_id,)), seed=1) == []
