"""Reprints: the same wire paragraph carried by several outlets, found as near-duplicates.

Outlets reprint agency copy with small edits: a different dateline, a trimmed sentence, full-width
punctuation. Paragraphs are compared on their character trigrams after dropping whitespace and
punctuation, by how much of the shorter one the longer one holds (a trimmed reprint is contained in
the original, which Jaccard similarity would punish for the size difference). To avoid comparing
every pair, each paragraph gets a MinHash signature (64 hashes) cut into 16 bands of 4: two
paragraphs with Jaccard 0.6 share a band with probability 0.9, with 0.3 only 0.12, and only
paragraphs that share a band are compared exactly.
(SimHash was considered first: at Jaccard 0.7 two signatures still differ in about 12 of 64 bits,
so banding it finds few true reprints.)
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

SHINGLE = 3
# This share of the shorter paragraph's trigrams in the longer one is "the same paragraph" (a dateline
# or a clause changed)…
THRESHOLD = 0.8
# …as long as the shorter one is at least this share of the longer (a sentence quoted inside a long
# paragraph is not a reprint of it).
MIN_SIZE_RATIO = 0.5
# Shorter paragraphs ("他说。") are the same by chance, not by reprinting.
MIN_CHARS = 20
_HASHES = 64
_ROWS = 4
# Universal hashing (a·x + b) mod p over 31-bit shingle hashes (products fit in 64 bits); fixed seeds
# keep signatures stable between runs.
_PRIME = (1 << 31) - 1
_RNG = np.random.default_rng(20240514)
_A = _RNG.integers(1, _PRIME, size=_HASHES, dtype=np.uint64)
_B = _RNG.integers(0, _PRIME, size=_HASHES, dtype=np.uint64)
_NOISE = re.compile(r"[\s\W_]+")


def normalized(text: str) -> str:
    """Letters and digits only, lower case: punctuation and spacing differ between outlets."""
    return _NOISE.sub("", text).lower()


def shingles(text: str, k: int = SHINGLE) -> frozenset[str]:
    plain = normalized(text)
    if len(plain) <= k:
        return frozenset([plain]) if plain else frozenset()
    return frozenset(plain[i:i + k] for i in range(len(plain) - k + 1))


def _hash31(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "big") % _PRIME


def minhash(grams: frozenset[str]) -> tuple[int, ...]:
    """The MinHash signature of a set of shingles: the least of each of 64 hash functions."""
    if not grams:
        return (0,) * _HASHES
    values = np.fromiter((_hash31(gram) for gram in grams), dtype=np.uint64, count=len(grams))
    table = (_A[:, None] * values[None, :] + _B[:, None]) % np.uint64(_PRIME)
    return tuple(int(v) for v in table.min(axis=1))


def similarity(a: str, b: str) -> float:
    """The share of the smaller trigram set that the other holds (0…1); 0 when sizes differ too much."""
    return overlap(shingles(a), shingles(b))


def overlap(x: frozenset[str], y: frozenset[str]) -> float:
    if not x or not y:
        return 0.0
    small, large = sorted((len(x), len(y)))
    if small < large * MIN_SIZE_RATIO:
        return 0.0
    return len(x & y) / small


@dataclass
class ReprintIndex:
    """Paragraphs added one by one; each is matched against the earlier ones it nearly repeats."""

    threshold: float = THRESHOLD
    _grams: list[frozenset[str]] = field(default_factory=list)
    _group: list[int] = field(default_factory=list)
    _bands: dict[tuple[int, int], list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, text: str) -> int:
        """Add a paragraph; returns its group: the position of the first paragraph it repeats, or its own."""
        position = len(self._grams)
        grams = shingles(text)
        group = position
        if len(normalized(text)) >= MIN_CHARS:
            signature = minhash(grams)
            keys = [(band, hash(signature[band * _ROWS:(band + 1) * _ROWS])) for band in range(_HASHES // _ROWS)]
            candidates = sorted({other for key in keys for other in self._bands.get(key, [])})
            for other in candidates:
                if overlap(grams, self._grams[other]) >= self.threshold:
                    group = self._group[other]
                    break
            for key in keys:
                self._bands[key].append(position)
        self._grams.append(grams)
        self._group.append(group)
        return group


def reprint_groups(texts: Sequence[str], threshold: float = THRESHOLD) -> list[int]:
    """For each text, the position of the first text it nearly repeats (its own position if none)."""
    index = ReprintIndex(threshold)
    return [index.add(text) for text in texts]


def collapse(texts: Sequence[str], threshold: float = THRESHOLD) -> dict[int, list[int]]:
    """Group positions by reprint: first position → all positions of that paragraph, in order."""
    groups: dict[int, list[int]] = {}
    for position, group in enumerate(reprint_groups(texts, threshold)):
        groups.setdefault(group, []).append(position)
    return groups
