"""BM25 scored from postings segments (:mod:`index.segments`), as bm25s's lucene variant scored it.

A :class:`Postings` is a list of segments whose documents are numbered one after the other (*slots*:
segment 0's documents first). Statistics (live documents N, df per term, average length) are summed
over segments at query time, so scores equal one build of the live documents:

    idf(t) = log(1 + (N - df + 0.5) / (df + 0.5))
    score(d) = sum over t of idf(t) * tf / (tf + k1 * (1 - b + b * len(d) / avglen))

The API the storage uses:

- ``write_segment(folder, name, docs) -> list[Path]``: build one segment from term lists and write it.
- ``Postings.open(folder, names)`` / ``Postings.build(docs)``; ``len(p)`` is the number of slots.
- ``p.add(docs) -> range`` (an in-memory segment at the end), ``p.delete(slots)`` (tombstones),
  ``p.copy()`` (tombstones of its own: the served object stays as it was),
  ``p.merged(order=None) -> Postings`` (one segment without the dead, in slot order or in ``order``),
  ``p.save(folder, name) -> list[Path]`` (one segment: merges first), ``p.write_new(folder, name)``
  (writes only the segments added since opening, and changed tombstones: O(change)).
- ``term in p``, ``p.df(t)``, ``p.idf(t)``, ``p.score(terms) -> (per-slot float32 scores, dead 0;
  per-term best score)``, ``p.max_idf()`` and ``p.max_term_score()`` for terms the corpus never uses.

``max_term_score`` (the best score any term reaches in any document) and the lowest df (for
``max_idf``) are stored per segment at write time: exact for one segment without deletions. With
several segments or tombstones they are recomputed once per object, exactly: each term's live df is
summed over the segments (the smaller segments' terms are looked up in the others), then every
posting is scored with it, so the figures equal those of the merged segment.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.directory import write_atomic
from index.segments import (
    BM25_B,
    BM25_K1,
    Segment,
    build_segment,
    live_df,
    max_term_score,
    merge,
    npy_bytes,
    open_segment,
    save_segment,
    terms_of,
    write_segment,
)

__all__ = ["BM25_B", "BM25_K1", "Postings", "idf_of", "merge", "open_segment", "write_segment"]


# Terms with more postings than this are scored afresh for each question (see Postings._scored).
_KEPT_POSTINGS = 4096


def idf_of(n: int, df: float) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


class Postings:
    """Segments read as one BM25 index over their documents, numbered in segment order (slots)."""

    def __init__(self, segments: Iterable[Segment] = ()) -> None:
        self.segments = list(segments)
        self._refresh()

    @classmethod
    def open(cls, folder: Path, names: Sequence[str]) -> Postings:
        return cls(open_segment(folder, name) for name in names)

    @classmethod
    def build(cls, docs: Sequence[Sequence[str]]) -> Postings:
        return cls([build_segment(docs)] if docs else [])

    def _refresh(self) -> None:
        self.bases = np.cumsum([0] + [s.docs for s in self.segments])
        dead = [s.dead for s in self.segments if s.dead is not None]
        dead_docs = sum(int(d.sum()) for d in dead)
        dead_len = sum(int(np.asarray(s.lengths)[s.dead].sum()) for s in self.segments if s.dead is not None)
        self.live = int(sum(s.stats[0] for s in self.segments)) - dead_docs
        self.total_length = int(sum(s.stats[1] for s in self.segments)) - dead_len
        self.avglen = self.total_length / self.live if self.live else 1.0
        self._max_term_score: float | None = None
        self._lowest_df: float | None = None
        self._dfs: list[np.ndarray] | None = None
        if len(self.segments) == 1 and not dead_docs:
            self._max_term_score = float(self.segments[0].stats[2])
            self._lowest_df = float(self.segments[0].stats[3]) if self.segments[0].terms else None
        # Per segment, k1·(1 − b + b·len/avglen) of each document, computed at the first score.
        self._norms: list[np.ndarray | None] = [None] * len(self.segments)
        # Questions look up the same terms again and again (membership, idf, score).
        self._locate = lru_cache(maxsize=1 << 16)(self._spans)
        # At most 2,048 terms of at most _KEPT_POSTINGS postings (12 bytes each): under 100 MB.
        self._kept_scores = lru_cache(maxsize=2048)(self._term_scores)

    def _spans(self, term: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
        """(live df, (segment, first posting, end) of each segment holding the term)."""
        spans = []
        df = 0
        for k, seg in enumerate(self.segments):
            row = seg.find(term)
            if row is None:
                continue
            lo, hi = int(seg.indptr[row]), int(seg.indptr[row + 1])
            spans.append((k, lo, hi))
            df += hi - lo - (int(seg.dead[np.asarray(seg.doc[lo:hi])].sum()) if seg.dead is not None else 0)
        return df, tuple(spans)

    def _norm(self, k: int) -> np.ndarray:
        norm = self._norms[k]
        if norm is None:
            lengths = np.asarray(self.segments[k].lengths, dtype=np.float32)
            norm = self._norms[k] = BM25_K1 * (1 - BM25_B + BM25_B * lengths / np.float32(self.avglen))
        return norm

    def __len__(self) -> int:
        return int(self.bases[-1])

    def copy(self) -> Postings:
        """The same segments (their arrays shared, read-only) with tombstones of their own."""
        return Postings(replace(s, dead=None if s.dead is None else s.dead.copy()) for s in self.segments)

    def dead_mask(self) -> np.ndarray:
        """Per slot, whether its document was deleted."""
        parts = [s.dead if s.dead is not None else np.zeros(s.docs, dtype=bool) for s in self.segments]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)

    def add(self, docs: Sequence[Sequence[str]]) -> range:
        """Append a segment of ``docs`` (in memory until saved); returns their slots."""
        start = len(self)
        if docs:
            self.segments.append(build_segment(docs))
            self._refresh()
        return range(start, len(self))

    def append(self, segment: Segment) -> range:
        """Append ``segment`` (even one without documents); returns its slots."""
        start = len(self)
        self.segments.append(segment)
        self._refresh()
        return range(start, len(self))

    def delete(self, slots: Iterable[int]) -> None:
        """Mark documents dead: they score 0 and leave the statistics."""
        wanted = np.unique(np.fromiter(slots, dtype=np.int64))
        if wanted.size and (wanted[0] < 0 or wanted[-1] >= len(self)):
            raise IndexError(f"slot {int(wanted[-1])} is outside the postings' {len(self)} documents")
        owner = np.searchsorted(self.bases, wanted, side="right") - 1
        for i in np.unique(owner):
            seg = self.segments[int(i)]
            if seg.dead is None:
                seg.dead = np.zeros(seg.docs, dtype=bool)
            seg.dead[wanted[owner == i] - self.bases[int(i)]] = True
            seg.dead_changed = True
        self._refresh()

    def merged(self, order: Sequence[int] | np.ndarray | None = None) -> Postings:
        """One segment of the live documents, in slot order or in ``order`` (see :func:`merge`)."""
        return Postings([merge(self.segments, order)] if self.segments else [])

    def save(self, folder: Path, name: str) -> list[Path]:
        """Write these postings as one segment ``name`` (merging when there are several or tombstones)."""
        single = self if len(self.segments) == 1 and self.segments[0].dead is None else self.merged()
        if not single.segments:
            single = Postings([build_segment([])])
        return save_segment(folder, name, single.segments[0])

    def write_new(self, folder: Path, name: str) -> list[Path]:
        """Write each segment not yet on disk into ``folder`` as ``name-K`` (K its position), and the
        tombstones of those on disk that changed (``NAME.dead.npy`` beside them); returns the paths."""
        written: list[Path] = []
        for k, seg in enumerate(self.segments):
            if seg.stored is None:
                written += save_segment(folder, f"{name}-{k}", seg)
            elif seg.dead_changed and seg.dead is not None:
                path = seg.stored.with_name(seg.stored.name + ".dead.npy")
                write_atomic(path, npy_bytes(seg.dead))
                seg.dead_changed = False
                written.append(path)
        return written

    def documents(self, term: str) -> np.ndarray:
        """The slots of every document holding ``term``, dead ones too, ascending."""
        _, spans = self._locate(term)
        parts = [np.asarray(self.segments[k].doc[lo:hi], dtype=np.int64) + int(self.bases[k]) for k, lo, hi in spans]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def df(self, term: str) -> int:
        """How many live documents hold ``term``."""
        return self._locate(term)[0]

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.df(term) > 0

    def idf(self, term: str) -> float:
        return idf_of(self.live, self.df(term))

    def max_idf(self) -> float:
        """The idf of the rarest live term (1.0 for an empty index)."""
        if self._lowest_df is None and self.live:
            used = [df[df > 0] for df in self.term_dfs()]
            lowest = [int(d.min()) for d in used if d.size]
            self._lowest_df = float(min(lowest)) if lowest else None
        return idf_of(self.live, self._lowest_df) if self._lowest_df is not None and self.live else 1.0

    def max_term_score(self) -> float:
        """The best score any term reaches in any live document (exact: see the module notes)."""
        if self._max_term_score is None:
            self._max_term_score = max_term_score(self.segments, self.live, self.total_length, self.term_dfs())
        return self._max_term_score

    def term_dfs(self) -> list[np.ndarray]:
        """Per segment, per term row, the term's live df over every segment (computed once)."""
        if self._dfs is None:
            local = [live_df(s) for s in self.segments]
            total = [df.copy() for df in local]
            # Each pair of segments once, the smaller one's terms looked up in the larger: an index is a
            # large base and a few small deltas, so this costs about the deltas' vocabularies.
            sizes = [s.terms for s in self.segments]
            for a in range(len(self.segments)):
                for b in range(a + 1, len(self.segments)):
                    small, large = (a, b) if sizes[a] <= sizes[b] else (b, a)
                    if not sizes[small] or not sizes[large]:
                        continue
                    rows = self.segments[large].rows_of(terms_of(self.segments[small]))
                    mine = np.flatnonzero(rows >= 0)
                    total[small][mine] += local[large][rows[mine]]
                    total[large][rows[mine]] += local[small][mine]
            self._dfs = total
        return self._dfs

    def score(self, terms: Sequence[str]) -> tuple[np.ndarray, list[float]]:
        """Per slot, the BM25 of ``terms`` (float32, dead documents 0); per term, its best score."""
        out = np.zeros(len(self), dtype=np.float32)
        best: list[float] = []
        for term in terms:
            parts, top = self._scored(term)
            for slots, part in parts:
                # A term's postings name each document once: no repeated index in this sum.
                out[slots] += part
            best.append(top)
        return out, best

    def _term_scores(self, term: str) -> tuple[tuple[tuple[np.ndarray, np.ndarray], ...], float]:
        """A term's BM25 in each document holding it: (slots, scores) per segment, and the best score."""
        df, spans = self._locate(term)
        if df <= 0:
            return (), 0.0
        idf = np.float32(idf_of(self.live, df))
        parts = []
        top = 0.0
        for k, lo, hi in spans:
            seg = self.segments[k]
            doc = np.asarray(seg.doc[lo:hi])
            tf = np.asarray(seg.tf[lo:hi]).astype(np.float32)
            part = idf * tf / (tf + self._norm(k)[doc])
            if seg.dead is not None:
                part[seg.dead[doc]] = 0.0
            parts.append((doc + int(self.bases[k]), part))
            top = max(top, float(part.max()))
        return tuple(parts), top

    def _scored(self, term: str) -> tuple[tuple[tuple[np.ndarray, np.ndarray], ...], float]:
        """:meth:`_term_scores`, kept for terms with few postings: questions repeat their characters and
        pairs, and a common term's arrays would cost more memory than recomputing them costs time."""
        _, spans = self._locate(term)
        if sum(hi - lo for _, lo, hi in spans) > _KEPT_POSTINGS:
            return self._term_scores(term)
        return self._kept_scores(term)
