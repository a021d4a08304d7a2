"""Chunks stay within the target size, keep their headings, and split long text and tables sensibly;
token counts come from a local tokenizer, never the network."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.documents.chunking import (
    DEFAULT_CHUNK_TOKENS,
    ChunkDraft,
    check_chunk_tokens,
    chunk_document,
    merge_pieces,
    split_piece,
)
from core.documents.converter import convert_file
from core.documents.tokens import TextTokenCounter, text_token_counter
from core.models.spec import BASE_MODEL_SETTING
from core.paths import Workspace
from core.store import Store

SENTENCES = [f"Sentence number {i} tells the student one more fact about the rock cycle." for i in range(60)]


def _markdown(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lesson.md"
    path.write_text(text, encoding="utf-8")
    return path


def _chunks(tmp_path: Path, text: str, counter: TextTokenCounter, target: int) -> list[ChunkDraft]:
    return chunk_document(
        convert_file(_markdown(tmp_path, text), "markdown", "lesson.md").document, counter, target
    )


@pytest.mark.parametrize("target", [60, 120, 350])
def test_no_chunk_is_larger_than_the_target(tmp_path: Path, counter: TextTokenCounter, target: int) -> None:
    text = "# Rocks\n\n" + "\n\n".join(" ".join(SENTENCES[i : i + 6]) for i in range(0, 60, 6))
    chunks = _chunks(tmp_path, text, counter, target)
    assert all(chunk.token_count <= target for chunk in chunks)
    assert " ".join(c.text for c in chunks).count("Sentence number") == 60, "no text is lost"
    assert len(chunks) >= counter.count(" ".join(SENTENCES)) // target


def test_small_sections_stay_apart_and_small_paragraphs_merge(
    tmp_path: Path, counter: TextTokenCounter
) -> None:
    text = "# Rocks\n\n## Igneous\n\nFrom magma.\n\nHard.\n\n## Sedimentary\n\nFrom layers.\n"
    chunks = _chunks(tmp_path, text, counter, DEFAULT_CHUNK_TOKENS)
    assert [(c.heading_path, c.text) for c in chunks] == [
        (["Rocks", "Igneous"], "From magma.\n\nHard."),
        (["Rocks", "Sedimentary"], "From layers."),
    ]


def test_a_long_table_is_split_by_rows_under_its_header(counter: TextTokenCounter) -> None:
    rows = "\n".join(f"| Mineral {i} | hardness {i % 10} |" for i in range(80))
    table = f"| Mineral | Hardness |\n|-|-|\n{rows}"
    parts = split_piece(["Minerals"], table, counter, 120)
    assert len(parts) > 1
    assert all(p.text.startswith("| Mineral | Hardness |\n|-|-|\n") and p.token_count <= 120 for p in parts)
    assert sum(p.text.count("| Mineral ") - 1 for p in parts) == 80


def test_merging_never_crosses_a_heading(counter: TextTokenCounter) -> None:
    pieces = [ChunkDraft(["A"], "one", 1), ChunkDraft(["A"], "two", 1), ChunkDraft(["B"], "three", 1)]
    merged = merge_pieces(pieces, counter, 350)
    assert [(m.heading_path, m.text) for m in merged] == [(["A"], "one\n\ntwo"), (["B"], "three")]


def test_inline_formatting_does_not_break_sentences(tmp_path: Path, counter: TextTokenCounter) -> None:
    chunks = _chunks(
        tmp_path, "The **denominator**, 4, says how many *equal* parts (the *whole*) has.", counter, 350
    )
    assert chunks[0].text == "The denominator, 4, says how many equal parts (the whole) has."


def test_chunk_size_outside_the_range_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the range"):
        check_chunk_tokens(10)
    assert check_chunk_tokens(350) == 350


def test_tokens_are_counted_with_tiny_when_the_base_model_is_not_local(
    store: Store, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # even online, token counting must not touch the hub
    import socket

    def no_network(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("token counting tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    store.set_setting(BASE_MODEL_SETTING, "SomeOrg/not-downloaded-model")
    counter = text_token_counter(store, workspace)
    assert counter.name == "tiny"
    assert counter.count("Ohm's law") > 0


def test_tokens_are_counted_with_a_local_base_model(
    store: Store, workspace: Workspace, tiny_model_dir: Path, tmp_path: Path
) -> None:
    local = tmp_path / "my-base"
    shutil.copytree(tiny_model_dir, local)
    store.set_setting(BASE_MODEL_SETTING, str(local))
    counter = text_token_counter(store, workspace)
    assert counter.name == str(local) and counter.folder == str(local)
