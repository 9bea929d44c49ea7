"""Hybrid search: BM25 over jieba tokens and dense FAISS search, fused into one 0..1 score.

Both scores are put on a 0..1 scale before fusion, so one threshold means the same thing for every
question: BM25 is divided by the most the question's terms could score (a term the corpus never uses
counts against the question), and cosine similarity is mapped from the embedder's typical range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.embedders import Embedder
from index.normalization import Analyzer
from index.store import ChunkRow, IndexData, vectors_of

# Cosine similarities of e5-style models crowd into a narrow band: below the floor nothing is related,
# above the ceiling the passage restates the question.
DENSE_FLOOR = 0.75
DENSE_CEILING = 0.92


@dataclass(frozen=True)
class Hit:
    row: ChunkRow
    score: float
    bm25: float
    dense: float
    matched: tuple[str, ...]


class Searcher:
    """Searches one loaded index; immutable, so threads may share it while a new one is built."""

    def __init__(
        self,
        data: IndexData,
        embedder: Embedder,
        analyzer: Analyzer,
        bm25_weight: float = 0.5,
        candidates: int = 50,
    ) -> None:
        self.data = data
        self.embedder = embedder
        self.analyzer = analyzer
        self.bm25_weight = bm25_weight
        self.candidates = candidates
        self._by_id = {row.id: i for i, row in enumerate(data.rows)}
        self._column_max = self._bm25_column_max()

    def _bm25_column_max(self) -> np.ndarray:
        if self.data.bm25 is None:
            return np.zeros(0, dtype=np.float32)
        scores = self.data.bm25.scores
        data, indptr = np.asarray(scores["data"]), np.asarray(scores["indptr"])
        out = np.zeros(len(indptr) - 1, dtype=np.float32)
        nonempty = indptr[1:] > indptr[:-1]
        out[nonempty] = np.maximum.reduceat(data, indptr[:-1][nonempty]) if data.size else 0.0
        return out

    def bm25_scores(self, tokens: list[str]) -> np.ndarray:
        """Per-row BM25 divided by the best the question's tokens could reach (0..1)."""
        n = len(self.data.rows)
        if self.data.bm25 is None or not tokens:
            return np.zeros(n, dtype=np.float32)
        vocab: dict[str, int] = self.data.bm25.vocab_dict
        known = [t for t in tokens if t in vocab]
        ceiling = float(sum(self._column_max[vocab[t]] for t in known))
        # A word the corpus never uses is as informative as its rarest word: missing it must cost.
        rare = float(self._column_max.max()) if self._column_max.size else 1.0
        ceiling += rare * (len(tokens) - len(known))
        if not known or ceiling <= 0:
            return np.zeros(n, dtype=np.float32)
        raw = np.asarray(self.data.bm25.get_scores(known), dtype=np.float32)
        return np.clip(raw / ceiling, 0.0, 1.0)

    def search(self, question: str, k: int) -> list[Hit]:
        """The ``k`` best chunks for ``question``, best first (scores 0..1)."""
        rows = self.data.rows
        if not rows or k <= 0:
            return []
        tokens = list(dict.fromkeys(self.analyzer.tokens(question)))
        lexical = self.bm25_scores(tokens)
        pool = min(self.candidates, len(rows))
        lexical_top = np.argpartition(-lexical, pool - 1)[:pool] if pool < len(rows) else np.arange(len(rows))
        query = self.embedder.encode_queries([question])[0:1]
        dense_sims, dense_ids = self.data.vectors.search(query, pool)
        dense_by_pos: dict[int, float] = {
            self._by_id[int(cid)]: float(sim) for sim, cid in zip(dense_sims[0], dense_ids[0], strict=True)
            if int(cid) >= 0
        }
        missing = [int(p) for p in lexical_top if int(p) not in dense_by_pos]
        if missing:
            vecs = vectors_of(self.data, [rows[p].id for p in missing])
            for p, sim in zip(missing, vecs @ query[0], strict=True):
                dense_by_pos[p] = float(sim)
        hits: list[Hit] = []
        w = self.bm25_weight
        token_set = set(tokens)
        for pos, cosine in dense_by_pos.items():
            dense = min(max((cosine - DENSE_FLOOR) / (DENSE_CEILING - DENSE_FLOOR), 0.0), 1.0)
            score = w * float(lexical[pos]) + (1 - w) * dense
            row = rows[pos]
            matched = tuple(t for t in tokens if t in token_set and t in row.tokens)
            hits.append(Hit(row, score, float(lexical[pos]), cosine, matched))
        hits.sort(key=lambda h: (-h.score, h.row.id))
        return hits[:k]
