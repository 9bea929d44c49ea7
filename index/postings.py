"""BM25 postings on disk, and BM25 scoring from them (the lucene variant that bm25s computed before).

Documents are paragraphs, each a list of terms (:class:`index.normalization.Analyzer`). A *segment*
stores raw term frequencies, not scores, so that documents can be added and deleted without touching
the others: five flat numpy arrays, CSR by term, plus a vocabulary.

================  =======  ===================================================================
file              dtype    holds
================  =======  ===================================================================
NAME.indptr.npy   int64    per term t, its postings are ``doc/tf[indptr[t]:indptr[t + 1]]``
NAME.doc.npy      int32    the segment's own document number of each posting (ascending per term)
NAME.tf.npy       uint16   the term's frequency in that document (saturated at 65,535)
NAME.len.npy      int32    per document, its number of terms (an empty one holds the term "∅")
NAME.vocab.npy    uint8    every term's UTF-8 bytes, terms in code point order, concatenated
NAME.voff.npy     int64    term t is ``vocab[voff[t]:voff[t + 1]]``
NAME.stats.npy    float64  documents, total length, highest term score, lowest df (within the segment)
NAME.dead.npy     bool     optional: per document, deleted (a tombstone instead of a rewrite)
================  =======  ===================================================================

Every file is written with ``np.save`` through :func:`index.directory.write_atomic` and opened with
``np.load(mmap_mode="r")``: opening reads headers only, and pages come in as queries touch them. A term
is found by binary search in the sorted vocabulary (about 20 probes at a million terms).

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

``max_term_score`` (the best score any term reaches in any document) is stored per segment at write
time: exact for one segment without deletions; with several segments or tombstones it is recomputed
once per object from every posting with each segment's own df, an upper bound of the exact figure
until the segments are merged.
"""

from __future__ import annotations

import io
import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import chain
from pathlib import Path

import numpy as np

from index.directory import write_atomic
from index.errors import IndexCorruptError
from index.manifest import REBUILD_HINT

# BM25 saturation and length normalisation (measured on the dev sets: benchmarks/README.md).
BM25_K1 = 0.7
BM25_B = 0.5
PARTS = ("indptr", "doc", "tf", "len", "vocab", "voff", "stats")
EMPTY = "\u2205"  # the one term of an empty document
_TF_MAX = np.iinfo(np.uint16).max
_BLOCK = 1 << 22  # postings per block when scanning them all


def _tf_part(tf: np.ndarray, lengths: np.ndarray, avglen: float) -> np.ndarray:
    """tf / (tf + k1·(1 − b + b·len/avglen)): a posting's BM25 before the idf."""
    tf32 = tf.astype(np.float32)
    return tf32 / (tf32 + BM25_K1 * (1 - BM25_B + BM25_B * lengths.astype(np.float32) / np.float32(avglen)))


def idf_of(n: int, df: float) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


@dataclass
class Segment:
    """One segment's arrays (memory-mapped when opened from disk) and its tombstones."""

    indptr: np.ndarray
    doc: np.ndarray
    tf: np.ndarray
    lengths: np.ndarray
    vocab: np.ndarray
    voff: np.ndarray
    stats: np.ndarray
    dead: np.ndarray | None = None
    # Where the segment's files are (folder / NAME), once written or opened; whether its tombstones
    # changed since.
    stored: Path | None = None
    dead_changed: bool = False

    @property
    def docs(self) -> int:
        return len(self.lengths)

    @property
    def terms(self) -> int:
        return len(self.indptr) - 1

    def term_at(self, i: int) -> bytes:
        return self.vocab[self.voff[i] : self.voff[i + 1]].tobytes()

    def find(self, term: str) -> int | None:
        """The term's row, by binary search in the sorted vocabulary; None when the segment lacks it."""
        key = term.encode("utf-8")
        i = bisect_left(range(self.terms), key, key=self.term_at)
        return i if i < self.terms and self.term_at(i) == key else None

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(documents, term frequencies) of a term, live and dead; empty when the segment lacks it."""
        row = self.find(term)
        if row is None:
            return self.doc[:0], self.tf[:0]
        start, end = int(self.indptr[row]), int(self.indptr[row + 1])
        return self.doc[start:end], self.tf[start:end]

    def arrays(self) -> dict[str, np.ndarray]:
        return dict(zip(PARTS, (self.indptr, self.doc, self.tf, self.lengths, self.vocab, self.voff, self.stats),
                        strict=True))


def build_segment(docs: Sequence[Sequence[str]]) -> Segment:
    """A segment of ``docs`` (lists of terms), in memory; document i of the segment is ``docs[i]``."""
    # bm25s was given ["∅"] for an empty paragraph (it drops empty documents); so are we, so that
    # its length, the average length and the rarest term stay what they were.
    lengths = np.fromiter((len(terms) or 1 for terms in docs), dtype=np.int64, count=len(docs))
    flat = list(chain.from_iterable(terms or (EMPTY,) for terms in docs))
    terms = sorted(set(flat))
    row_of = {term: row for row, term in enumerate(terms)}
    # One key per (term, document) occurrence: counting equal keys gives the term frequencies, and
    # their order is the CSR order (by term, then by document), all in numpy.
    rows = np.fromiter(map(row_of.__getitem__, flat), dtype=np.int64, count=len(flat))
    keys = rows * max(len(docs), 1) + np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
    unique, counts = np.unique(keys, return_counts=True)
    tf = np.minimum(counts, _TF_MAX).astype(np.uint16)
    return _assemble([t.encode("utf-8") for t in terms], unique // max(len(docs), 1),
                     (unique % max(len(docs), 1)).astype(np.int32), tf, lengths.astype(np.int32))


def _assemble(vocabulary: list[bytes], rows: np.ndarray, doc: np.ndarray, tf: np.ndarray, lengths: np.ndarray
              ) -> Segment:
    """A segment from postings in CSR order (by row, then document); row r is ``vocabulary[r]``, the
    UTF-8 terms in sorted order (byte order is code point order)."""
    voff = np.zeros(len(vocabulary) + 1, dtype=np.int64)
    voff[1:] = np.cumsum([len(e) for e in vocabulary])
    indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(np.bincount(rows, minlength=len(vocabulary)))
    segment = Segment(
        indptr=indptr,
        doc=doc.astype(np.int32, copy=False),
        tf=tf.astype(np.uint16, copy=False),
        lengths=lengths.astype(np.int32, copy=False),
        vocab=np.frombuffer(b"".join(vocabulary), dtype=np.uint8),
        voff=voff,
        stats=np.zeros(4, dtype=np.float64),
    )
    df = np.diff(indptr)
    total = int(lengths.sum())
    top = _max_term_score([segment], len(lengths), total)
    segment.stats = np.array([len(lengths), total, top, df.min() if df.size else 0.0], dtype=np.float64)
    return segment


def _terms_of(seg: Segment) -> list[bytes]:
    """The segment's vocabulary, UTF-8, in row order."""
    blob = seg.vocab.tobytes()
    bounds = np.asarray(seg.voff).tolist()
    return [blob[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def merge(segments: Sequence[Segment], order: Sequence[int] | np.ndarray | None = None) -> Segment:
    """One segment of the live documents of ``segments`` (tombstones are dropped).

    Without ``order`` the documents keep their slot order; with it, document i of the result is slot
    ``order[i]`` (each a live slot, at most once): how the storage puts paragraphs back in its order.
    """
    bases = np.cumsum([0] + [seg.docs for seg in segments])
    live = np.concatenate([np.ones(seg.docs, dtype=bool) if seg.dead is None else ~np.asarray(seg.dead)
                           for seg in segments]) if segments else np.zeros(0, dtype=bool)
    number = np.full(len(live), -1, dtype=np.int64)  # per slot, its document number in the result
    if order is None:
        number[live] = np.arange(int(live.sum()))
    else:
        wanted = np.asarray(order, dtype=np.int64)
        if wanted.size and (wanted.min() < 0 or wanted.max() >= len(live) or not live[wanted].all()
                            or np.unique(wanted).size != wanted.size):
            raise ValueError("the merge order must name live documents, each once")
        number[wanted] = np.arange(wanted.size)
    n = int((number >= 0).sum())
    vocabularies = [_terms_of(seg) for seg in segments]
    # Each vocabulary is sorted: the first one plus the others' new terms is nearly sorted already.
    seen = set(vocabularies[0]) if vocabularies else set()
    terms = list(vocabularies[0]) if vocabularies else []
    for vocabulary in vocabularies[1:]:
        fresh = [t for t in vocabulary if t not in seen]
        seen.update(fresh)
        terms.extend(fresh)
    terms.sort()
    if len(terms) * max(n, 1) >= 1 << 47:
        raise ValueError(f"{len(terms)} terms in {n} documents are too many for one segment")
    row_of = {term: row for row, term in enumerate(terms)}
    keys = []
    for seg, vocabulary, base in zip(segments, vocabularies, bases.tolist(), strict=False):
        rows = np.fromiter(map(row_of.__getitem__, vocabulary), dtype=np.int64, count=len(vocabulary))
        row = np.repeat(rows, np.diff(np.asarray(seg.indptr)))
        doc = number[np.asarray(seg.doc, dtype=np.int64) + base]
        keep = doc >= 0
        # (term, document, tf) packed in one int64 so that one sort puts the postings in CSR order.
        keys.append((row[keep] * max(n, 1) + doc[keep]) << 16 | np.asarray(seg.tf)[keep].astype(np.int64))
    packed = np.sort(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64)
    pair = packed >> 16
    all_lengths = np.concatenate([np.asarray(seg.lengths) for seg in segments]) if segments else np.zeros(0)
    lengths = np.zeros(n, dtype=np.int32)
    lengths[number[number >= 0]] = all_lengths[number >= 0]
    # Terms whose every document was deleted leave the vocabulary (the rows are sorted already).
    global_rows = pair // max(n, 1)
    starts = np.ones(global_rows.size, dtype=bool)
    starts[1:] = global_rows[1:] != global_rows[:-1]
    used = global_rows[starts]
    rows = np.cumsum(starts) - 1
    return _assemble([terms[i] for i in used.tolist()], rows, (pair % max(n, 1)).astype(np.int32),
                     (packed & 0xFFFF).astype(np.uint16), lengths)


def _max_term_score(segments: Sequence[Segment], n: int, total: int) -> float:
    """The best score any term reaches in any live document, with each segment's own df."""
    if n == 0:
        return 0.0
    avglen = total / n
    best = 0.0
    for seg in segments:
        df = np.diff(np.asarray(seg.indptr))
        if seg.dead is not None and seg.dead.any() and seg.terms:
            df = df - np.add.reduceat(seg.dead[seg.doc].astype(np.int64), seg.indptr[:-1]) * (df > 0)
        idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        for start in range(0, seg.terms, max(1, _BLOCK // 64)):
            stop = min(seg.terms, start + max(1, _BLOCK // 64))
            lo, hi = int(seg.indptr[start]), int(seg.indptr[stop])
            if hi == lo:
                continue
            doc = np.asarray(seg.doc[lo:hi])
            part = _tf_part(np.asarray(seg.tf[lo:hi]), np.asarray(seg.lengths)[doc], avglen)
            if seg.dead is not None:
                part[seg.dead[doc]] = 0.0
            term = np.repeat(np.arange(start, stop), np.diff(np.asarray(seg.indptr[start : stop + 1])))
            best = max(best, float((part * idf[term]).max()))
    return best


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def save_segment(folder: Path, name: str, segment: Segment) -> list[Path]:
    """Write a segment's files (each atomically) into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for part, array in segment.arrays().items():
        path = folder / f"{name}.{part}.npy"
        write_atomic(path, _npy(array))
        written.append(path)
    if segment.dead is not None and segment.dead.any():
        path = folder / f"{name}.dead.npy"
        write_atomic(path, _npy(segment.dead))
        written.append(path)
    segment.stored, segment.dead_changed = folder / name, False
    return written


def write_segment(folder: Path, name: str, docs: Sequence[Sequence[str]]) -> list[Path]:
    """Build a segment of ``docs`` and write it into ``folder`` as ``name.*.npy``; returns the paths."""
    return save_segment(folder, name, build_segment(docs))


def open_segment(folder: Path, name: str) -> Segment:
    """Memory-map a segment's files; a missing, short or inconsistent file raises IndexCorruptError."""
    arrays: dict[str, np.ndarray] = {}
    for part in (*PARTS, "dead"):
        path = folder / f"{name}.{part}.npy"
        if part == "dead" and not path.exists():
            continue
        try:
            # A plain array over the mapped pages: np.memmap's own slicing costs microseconds a call.
            arrays[part] = np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))
        except (OSError, ValueError, EOFError) as exc:
            raise IndexCorruptError(f"The BM25 postings file {path} cannot be read ({exc}); {REBUILD_HINT}.") from exc
    dead = arrays.pop("dead", None)
    segment = Segment(
        indptr=arrays["indptr"], doc=arrays["doc"], tf=arrays["tf"], lengths=arrays["len"], vocab=arrays["vocab"],
        voff=arrays["voff"], stats=arrays["stats"], dead=None if dead is None else np.array(dead),
        stored=folder / name,
    )
    problem = _inconsistency(segment)
    if problem:
        raise IndexCorruptError(
            f"The BM25 postings segment {folder / name} is inconsistent ({problem}); {REBUILD_HINT}."
        )
    return segment


def _inconsistency(seg: Segment) -> str | None:
    """What is wrong with a segment's shapes (cheap checks only: opening must stay O(1))."""
    if any(a.ndim != 1 for a in seg.arrays().values()):
        return "an array is not one-dimensional"
    if seg.voff.size != seg.indptr.size or seg.stats.size != 4:
        return "its vocabulary and postings disagree"
    if seg.indptr[0] != 0 or seg.indptr[-1] != seg.doc.size or seg.doc.size != seg.tf.size:
        return "its postings do not add up"
    if seg.voff[0] != 0 or seg.voff[-1] != seg.vocab.size:
        return "its vocabulary is cut short"
    if seg.stats[0] != seg.lengths.size or (seg.dead is not None and seg.dead.size != seg.lengths.size):
        return "its document counts disagree"
    return None


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
        if len(self.segments) == 1 and not dead_docs:
            self._max_term_score = float(self.segments[0].stats[2])
        # Per segment, k1·(1 − b + b·len/avglen) of each document, computed at the first score.
        self._norms: list[np.ndarray | None] = [None] * len(self.segments)
        # Questions look up the same terms again and again (membership, idf, score).
        self._locate = lru_cache(maxsize=1 << 16)(self._spans)

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
                write_atomic(path, _npy(seg.dead))
                seg.dead_changed = False
                written.append(path)
        return written

    def df(self, term: str) -> int:
        """How many live documents hold ``term``."""
        return self._locate(term)[0]

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.df(term) > 0

    def idf(self, term: str) -> float:
        return idf_of(self.live, self.df(term))

    def max_idf(self) -> float:
        """The idf of the rarest term (its lowest df over the segments; 1.0 for an empty index)."""
        dfs = [float(s.stats[3]) for s in self.segments if s.terms]
        return idf_of(self.live, min(dfs)) if dfs and self.live else 1.0

    def max_term_score(self) -> float:
        """The best score any term reaches in any document (see the module notes on exactness)."""
        if self._max_term_score is None:
            self._max_term_score = _max_term_score(self.segments, self.live, self.total_length)
        return self._max_term_score

    def score(self, terms: Sequence[str]) -> tuple[np.ndarray, list[float]]:
        """Per slot, the BM25 of ``terms`` (float32, dead documents 0); per term, its best score."""
        out = np.zeros(len(self), dtype=np.float32)
        best: list[float] = []
        for term in terms:
            df, spans = self._locate(term)
            top = 0.0
            if df > 0:
                idf = np.float32(idf_of(self.live, df))
                for k, lo, hi in spans:
                    seg = self.segments[k]
                    doc = np.asarray(seg.doc[lo:hi])
                    tf = np.asarray(seg.tf[lo:hi]).astype(np.float32)
                    part = idf * tf / (tf + self._norm(k)[doc])
                    if seg.dead is not None:
                        part[seg.dead[doc]] = 0.0
                    # A term's postings name each document once: no repeated index in this sum.
                    out[doc + int(self.bases[k])] += part
                    top = max(top, float(part.max()))
            best.append(top)
        return out, best
