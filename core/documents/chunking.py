"""Cut a converted document into chunks of about a target size in tokens, keeping each chunk's
heading path ("Lesson 4 > Series circuits").

    drafts = chunk_document(conversion.document, counter, target_tokens=350)
    drafts[0].heading_path, drafts[0].text, drafts[0].token_count

Docling's HierarchicalChunker gives one piece per paragraph, list or table, with its headings. The
pieces are then sized with the base model's tokenizer: a piece larger than the target is split (text
at paragraph, sentence or word boundaries with semchunk; tables by rows, repeating the header), and
neighbours under the same headings are merged while they fit. HybridChunker does the same, but it
re-joins inline runs (a bold word, a subscript) with line breaks in the middle of sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from core.documents.limits import DocumentRejected
from core.documents.tokens import TextTokenCounter

DEFAULT_CHUNK_TOKENS = 350
MIN_CHUNK_TOKENS = 50
MAX_CHUNK_TOKENS = 2048
PIECE_SEPARATOR = "\n\n"
# Inline runs are serialized with a space on each side: "(the denominator , 4)" -> "(the denominator, 4)".
SPACE_BEFORE_PUNCTUATION = re.compile(r"(?<=\S)[ \t]+(?=[,.;:!?%)\]](?:\s|$))")
SPACE_AFTER_BRACKET = re.compile(r"([(\[])[ \t]+")


@dataclass(frozen=True)
class ChunkDraft:
    """A chunk before it is stored: `as_row()` is what records.insert_chunks takes."""

    heading_path: list[str]
    text: str
    token_count: int

    def as_row(self) -> tuple[list[str], str, int]:
        return (self.heading_path, self.text, self.token_count)


def check_chunk_tokens(value: int) -> int:
    """The chunk size, or a ValueError that says which sizes are allowed."""
    if not MIN_CHUNK_TOKENS <= int(value) <= MAX_CHUNK_TOKENS:
        raise ValueError(
            f"A chunk size of {value} tokens is outside the range the studio allows "
            f"({MIN_CHUNK_TOKENS}-{MAX_CHUNK_TOKENS}); about {DEFAULT_CHUNK_TOKENS} works well for lessons."
        )
    return int(value)


def chunk_document(
    document: Any,
    counter: TextTokenCounter,
    target_tokens: int = DEFAULT_CHUNK_TOKENS,
    *,
    max_chunks: int | None = None,
    name: str = "The document",
) -> list[ChunkDraft]:
    """Chunks in reading order, each at most `target_tokens` long (a single word never is split).

    Pieces stream through splitting and merging; past `max_chunks` chunks it stops at once with
    DocumentRejected, so a huge document costs neither the time nor the memory of cutting it all."""
    target = check_chunk_tokens(target_tokens)
    sized = (
        piece
        for headings, text in document_pieces(document)
        for piece in split_piece(headings, text, counter, target)
    )
    drafts: list[ChunkDraft] = []
    for draft in merge_pieces(sized, counter, target):
        drafts.append(draft)
        if max_chunks is not None and len(drafts) > max_chunks:
            raise DocumentRejected(
                f"{name} makes more than {max_chunks:,} chunks of about {target} tokens, more than the "
                f"{max_chunks:,}-chunk limit for one document. Split it into smaller files (for example one "
                "per chapter), or choose a larger chunk size, and upload it again."
            )
    return drafts


def document_pieces(document: Any) -> Iterator[tuple[list[str], str]]:
    """(heading path, text) for each paragraph, list and table, as Docling's HierarchicalChunker cuts them."""
    from docling_core.transforms.chunker.hierarchical_chunker import (
        ChunkingDocSerializer,
        ChunkingSerializerProvider,
        HierarchicalChunker,
    )
    from docling_core.transforms.serializer.markdown import MarkdownParams, MarkdownTableSerializer

    class PlainPieces(ChunkingSerializerProvider):
        def get_serializer(self, doc: Any) -> Any:
            params = MarkdownParams(
                image_placeholder="",
                escape_underscores=False,
                escape_html=False,
                include_formatting=False,
                include_hyperlinks=False,
                compact_tables=True,
            )
            return ChunkingDocSerializer(doc=doc, table_serializer=MarkdownTableSerializer(), params=params)

    for chunk in HierarchicalChunker(serializer_provider=PlainPieces()).chunk(dl_doc=document):
        text = tidy_text(chunk.text)
        headings: list[str] = getattr(chunk.meta, "headings", None) or []
        if text:
            yield [h.strip() for h in headings if h and h.strip()], text


def tidy_text(text: str) -> str:
    text = SPACE_BEFORE_PUNCTUATION.sub("", text)
    return SPACE_AFTER_BRACKET.sub(r"\1", text).strip()


def split_piece(headings: list[str], text: str, counter: TextTokenCounter, target: int) -> list[ChunkDraft]:
    """The piece as it is when it fits, else cut into parts that do."""
    tokens = counter.count(text)
    if tokens <= target:
        return [ChunkDraft(headings, text, tokens)]
    parts = _split_table(text, counter, target) if _is_table(text) else _split_text(text, counter, target)
    return [ChunkDraft(headings, part, counter.count(part)) for part in parts if part.strip()]


def _is_table(text: str) -> bool:
    lines = text.splitlines()
    return len(lines) >= 3 and all(line.lstrip().startswith("|") for line in lines)


def _split_text(text: str, counter: TextTokenCounter, target: int) -> list[str]:
    import semchunk

    parts = semchunk.chunkerify(counter.count, chunk_size=target)(text)
    return [str(part).strip() for part in parts]


def _split_table(text: str, counter: TextTokenCounter, target: int) -> list[str]:
    """Rows grouped under a repeated header (its first two lines) so each part reads as a table."""
    lines = text.splitlines()
    header, rows = lines[:2], lines[2:]
    parts: list[list[str]] = []
    for row in rows:
        if parts and counter.count("\n".join([*header, *parts[-1], row])) <= target:
            parts[-1].append(row)
        else:
            parts.append([row])
    return ["\n".join([*header, *part]) for part in parts]


def merge_pieces(
    pieces: Iterable[ChunkDraft], counter: TextTokenCounter, target: int
) -> Iterator[ChunkDraft]:
    """Join neighbours with the same heading path while the result stays within `target` tokens.

    Sizes add up (the tokenizers split at line breaks, so no token spans the separator); each merged
    chunk is counted exactly once, so the stored counts are the tokenizer's own. A generator: only
    the group being filled is held, and each chunk is given out as soon as it is complete."""
    separator = counter.count(PIECE_SEPARATOR)
    group: list[ChunkDraft] = []
    for piece in pieces:
        fits = bool(group) and sum(p.token_count + separator for p in group) + piece.token_count <= target
        if fits and group[0].heading_path == piece.heading_path:
            group.append(piece)
            continue
        if group:
            yield _joined(group, counter)
        group = [piece]
    if group:
        yield _joined(group, counter)


def _joined(group: list[ChunkDraft], counter: TextTokenCounter) -> ChunkDraft:
    if len(group) == 1:
        return group[0]
    text = PIECE_SEPARATOR.join(piece.text for piece in group)
    return ChunkDraft(group[0].heading_path, text, counter.count(text))
