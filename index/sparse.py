"""BM25 as sparse vectors, for a vector store that only knows inner products (:mod:`index.milvus_backend`).

A paragraph stores, per term, the lucene BM25 term-frequency part ``tf / (tf + k1·(1 − b + b·len/avgdl))``
(the variant and parameters :mod:`index.lexical` uses); a question's vector holds each of its terms' idf,
counted as often as the question names it. Their inner product is then the paragraph's BM25 score,
while segmentation (jieba, our :class:`index.normalization.Analyzer`) and idf stay ours.

The unit is the paragraph, as in the local BM25: fusion ranks paragraphs, so both backends must score
the same documents to give the same answers.

Terms become 32-bit ids by hashing, so every process maps a term to the same id without a shared
vocabulary. With a million distinct terms about a hundred pairs of them share an id; a collision only
changes a score when a question asks for one of the pair and a paragraph holds the other.

``avgdl`` is folded in when a paragraph is written. Between full rewrites new paragraphs are normalised
with the average of the last full rewrite, so every stored vector uses one average; the writer rewrites
everything when the corpus's true average has drifted by more than :data:`RENORMALISE_DRIFT`
(:class:`index.milvus_sync.MilvusSync`). Right after a full rewrite scores equal local BM25 exactly.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from index.segments import BM25_B, BM25_K1

# bm25s indexes an empty paragraph as this one term (index.lexical); the average length must count it.
EMPTY_TERM = "\u2205"
# Milvus refuses an empty or all-zero sparse vector: a paragraph without terms (or a chunk that is not
# its paragraph's first) stores this id, which no term hashes to, with a weight that never matters.
PLACEHOLDER_ID = 0
PLACEHOLDER = {PLACEHOLDER_ID: 1e-6}
# The stored average length may lag the true one by this fraction before everything is rewritten.
RENORMALISE_DRIFT = 0.02

SparseVector = dict[int, float]


def term_id(term: str) -> int:
    """A term's id: 32 bits of its BLAKE2b digest, never :data:`PLACEHOLDER_ID` (Milvus ids are < 2**32 − 1)."""
    value = int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=4).digest(), "little")
    return min(max(value, 1), 2**32 - 2)


def average_length(paragraphs: Iterable[Sequence[str]]) -> float:
    """Mean terms per paragraph, an empty paragraph counting as one term (as bm25s indexes it)."""
    lengths = [len(terms) or 1 for terms in paragraphs]
    return sum(lengths) / len(lengths) if lengths else 1.0


def paragraph_vector(terms: Sequence[str], avgdl: float) -> SparseVector:
    """The stored vector of one paragraph: BM25's term-frequency part of each term, idf left out."""
    counts = Counter(terms or [EMPTY_TERM])
    norm = BM25_K1 * (1 - BM25_B + BM25_B * sum(counts.values()) / avgdl)
    vector: SparseVector = {}
    for term, tf in counts.items():
        key = term_id(term)
        vector[key] = vector.get(key, 0.0) + tf / (tf + norm)
    return vector


def query_vector(terms: Sequence[str], idf: Mapping[str, float]) -> SparseVector:
    """A question's vector: each known term's idf, times how often the question names it."""
    vector: SparseVector = {}
    for term in terms:
        weight = idf.get(term)
        if weight is not None and weight > 0:
            key = term_id(term)
            vector[key] = vector.get(key, 0.0) + weight
    return vector


def drifted(stored: float, current: float) -> bool:
    """Whether vectors normalised with ``stored`` must be rewritten for a corpus averaging ``current``."""
    return stored <= 0 or abs(current - stored) > RENORMALISE_DRIFT * stored
