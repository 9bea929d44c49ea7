"""The candidates of a question from a :class:`index.retrieval.Retrieval` backend, for :class:`index.search.Searcher`.

It gathers what the local path computes in memory, so the searcher's fusion, ranking and confidence
are the same code for every backend:

- lexical candidates: the ``candidates`` best paragraphs by BM25 (sparse search; with time tiers, once
  among the articles a tier admits and once among the first tier's), or every admitted paragraph when
  there are no more of them than that (as the local path, which then takes them all);
- dense candidates: the ``candidates`` chunks of highest cosine, and every chunk of the lexical
  candidates (a dense search restricted to their paragraphs);
- the BM25 score of every candidate paragraph (a sparse search restricted to them), divided by the
  same ceiling as the local path's.

One difference stays: when fewer paragraphs than ``candidates`` contain a question term, the local path
fills its lexical pool with arbitrary paragraphs of score 0, this one does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from index.retrieval import Retrieval, Within
from index.sparse import query_vector

if TYPE_CHECKING:
    from index.search import Query, Searcher


@dataclass(frozen=True)
class Gathered:
    """Per passage its BM25 score on 0..1 (filled for candidates), and the scored chunks."""

    lexical: np.ndarray
    chunk_ids: np.ndarray
    cosines: np.ndarray
    positions: np.ndarray


class Gatherer:
    """Asks one backend for one index snapshot's candidates (built once per searcher)."""

    def __init__(self, searcher: Searcher, backend: Retrieval) -> None:
        self.searcher = searcher
        self.backend = backend
        # A paragraph's head is its first chunk, whose id names it in the backend (index.retrieval).
        self.heads, self.chunk_counts = searcher.layout.heads()

    def gather(self, query: Query, tiers: np.ndarray | None) -> Gathered:
        s = self.searcher
        layout = s.layout
        n = layout.passages
        pool = min(s.candidates, n)
        known, ceiling = s.lexical_ceiling(query.terms)
        weights = query_vector(known, {t: s.term_weight(t) for t in known}) if ceiling > 0 else {}
        top: set[int] = set()
        admitted_sets = [np.ones(n, dtype=bool)] if tiers is None else [tiers >= 0, tiers == 0]
        for admitted in admitted_sets:
            top |= self._lexical_top(weights, admitted, pool, tiers is not None)
        found = self.backend.dense(query.vector, min(s.candidates, layout.live_slots))
        top_heads = frozenset(int(self.heads[p]) for p in top if self.heads[p] >= 0)
        if top_heads:
            wanted = int(self.chunk_counts[sorted(top)].sum())
            found += self.backend.dense(query.vector, wanted, Within(heads=top_heads))
        cosine = {hit.chunk_id: hit.score for hit in found}
        # A row of an article this snapshot does not hold (dead, or newer) is left out.
        slots = layout.slots_for(np.array(sorted(cosine), dtype=np.int64))
        chunk_ids, positions = layout.slot_id[slots], layout.slot_passage[slots]
        lexical = np.zeros(n, dtype=np.float32)
        candidates = np.unique(positions)
        if weights and candidates.size:
            heads = frozenset(int(self.heads[p]) for p in candidates)
            for hit in self.backend.sparse(weights, len(heads), Within(heads=heads)):
                position = layout.find(hit.article_id, hit.paragraph)
                if position is not None:
                    lexical[position] = min(max(hit.score / ceiling, 0.0), 1.0)
        return Gathered(lexical, chunk_ids, np.array([cosine[int(c)] for c in chunk_ids]), positions)

    def _lexical_top(self, weights: dict[int, float], admitted: np.ndarray, pool: int, filtered: bool) -> set[int]:
        """The positions of the lexical candidates among ``admitted`` passages."""
        if int(admitted.sum()) <= pool:
            return {int(p) for p in np.flatnonzero(admitted)}
        if not weights:
            return set()
        s = self.searcher
        within = None
        if filtered:
            ids, of_passage = s._passage_articles
            within = Within(articles=frozenset(ids[int(i)] for i in np.unique(of_passage[admitted])))
        found = (s.layout.find(h.article_id, h.paragraph) for h in self.backend.sparse(weights, pool, within))
        return {p for p in found if p is not None}
