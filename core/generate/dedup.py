"""Near-duplicate detection: MinHash signatures over word shingles, with LSH banding to find candidates.

    index = NearDuplicateIndex(threshold=0.8)
    index.add("ex_1", messages)                 # the examples already kept in the workspace
    index.find(new_messages)                    -> ("ex_1", 0.93) when near-identical, else None

Two conversations are near-duplicates when the Jaccard similarity of their word 3-shingles is at least
`threshold`. MinHash (64 permutations) with 16 bands of 4 rows finds candidate pairs without comparing
every pair; each candidate is then confirmed with the exact Jaccard similarity, so the answer is exact
for every pair LSH proposes.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

from core.evaluate.behaviour.normalise import words

SHINGLE_WORDS = 3
NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
PRIME = (1 << 61) - 1
MASK = (1 << 32) - 1
_RNG = np.random.default_rng(20240611)
_A = _RNG.integers(1, 1 << 32, size=NUM_PERM, dtype=np.uint64)
_B = _RNG.integers(0, 1 << 32, size=NUM_PERM, dtype=np.uint64)


def conversation_text(messages: Sequence[Mapping[str, str]]) -> str:
    return "\n".join(m.get("content", "") for m in messages if m.get("role") != "system")


def shingles(text: str) -> frozenset[int]:
    """32-bit hashes of the word 3-grams of `text` (of its words, when it is shorter)."""
    tokens = words(text)
    grams = (
        [" ".join(tokens[i : i + SHINGLE_WORDS]) for i in range(len(tokens) - SHINGLE_WORDS + 1)]
        if len(tokens) >= SHINGLE_WORDS
        else tokens
    )
    return frozenset(
        int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little") for g in grams
    )


def signature(hashes: frozenset[int]) -> np.ndarray:
    values = np.fromiter(hashes, dtype=np.uint64, count=len(hashes))
    permuted = (np.outer(values, _A) + _B) % np.uint64(PRIME) & np.uint64(MASK)
    return permuted.min(axis=0)


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


class NearDuplicateIndex:
    """The kept conversations of a workspace, searchable for near-identical ones."""

    def __init__(self, threshold: float = 0.8) -> None:
        if not 0 < threshold <= 1:
            raise ValueError("The duplicate threshold is a similarity between 0 (exclusive) and 1.")
        self.threshold = threshold
        self._shingles: dict[str, frozenset[int]] = {}
        self._buckets: list[dict[bytes, list[str]]] = [defaultdict(list) for _ in range(BANDS)]

    def __len__(self) -> int:
        return len(self._shingles)

    def add(self, key: str, messages: Sequence[Mapping[str, str]]) -> None:
        hashes = shingles(conversation_text(messages))
        if not hashes or key in self._shingles:
            return
        self._shingles[key] = hashes
        for band, bucket in zip(self._bands(hashes), self._buckets, strict=True):
            bucket[band].append(key)

    def find(self, messages: Sequence[Mapping[str, str]]) -> tuple[str, float] | None:
        """The most similar kept conversation at or above the threshold, with its similarity."""
        hashes = shingles(conversation_text(messages))
        if not hashes:
            return None
        candidates = {
            key
            for band, bucket in zip(self._bands(hashes), self._buckets, strict=True)
            for key in bucket.get(band, ())
        }
        best = max(
            ((key, jaccard(hashes, self._shingles[key])) for key in candidates),
            key=lambda p: p[1],
            default=None,
        )
        return best if best is not None and best[1] >= self.threshold else None

    def _bands(self, hashes: frozenset[int]) -> list[bytes]:
        sig = signature(hashes)
        return [sig[i * ROWS : (i + 1) * ROWS].tobytes() for i in range(BANDS)]
