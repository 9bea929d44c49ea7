"""BM25 postings segments: their files, building, merging, writing and opening them (:mod:`index.postings` scores them).

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
"""

from __future__ import annotations

import io
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
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


SAMPLE_STRIDE = 32
_BLOCKS_KEPT = 8192  # about 260k decoded terms at most per segment


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
    # Every SAMPLE_STRIDE-th term, decoded once: a look-up bisects this list in C, then at most
    # log2(SAMPLE_STRIDE) terms of the mapped vocabulary, instead of decoding ~log2(terms) of them.
    _sample: list[bytes] | None = field(default=None, init=False, repr=False, compare=False)
    # Blocks of SAMPLE_STRIDE terms decoded by earlier look-ups: questions keep asking for the same
    # characters and pairs. Bounded by emptying it when full.
    _blocks: dict[int, list[bytes]] = field(default_factory=dict, init=False, repr=False, compare=False)
    # Every term's first 8 bytes as a big-endian integer (zero-padded), for looking many terms up at once.
    _prefixes: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

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
        return self.find_bytes(term.encode("utf-8"))

    def find_bytes(self, key: bytes) -> int | None:
        """:meth:`find` for a term given as its UTF-8 bytes."""
        if self._sample is None:
            self._sample = [self.term_at(i) for i in range(0, self.terms, SAMPLE_STRIDE)]
        block = bisect_right(self._sample, key)  # the key lies after the start of block - 1
        if block == 0:
            return None
        terms = self._block(block - 1)
        i = bisect_left(terms, key)
        return (block - 1) * SAMPLE_STRIDE + i if i < len(terms) and terms[i] == key else None

    def _block(self, number: int) -> list[bytes]:
        """The terms of block ``number`` (SAMPLE_STRIDE terms from the block's sampled one), decoded."""
        terms = self._blocks.get(number)
        if terms is None:
            lo, hi = number * SAMPLE_STRIDE, min((number + 1) * SAMPLE_STRIDE, self.terms)
            offsets = self.voff[lo : hi + 1].tolist()
            raw = self.vocab[offsets[0] : offsets[-1]].tobytes()
            base = offsets[0]
            terms = [raw[a - base : b - base] for a, b in zip(offsets, offsets[1:], strict=False)]
            if len(self._blocks) >= _BLOCKS_KEPT:
                self._blocks.clear()
            self._blocks[number] = terms
        return terms

    def rows_of(self, keys: Sequence[bytes]) -> np.ndarray:
        """The row of each term (UTF-8 bytes; -1 when the segment lacks it), found together: one numpy
        search over the terms' first 8 bytes, then a comparison within the few rows sharing them."""
        if self._prefixes is None:
            self._prefixes = _prefix_keys(np.asarray(self.vocab), np.asarray(self.voff))
        wanted = np.array([int.from_bytes(k[:8].ljust(8, b"\0"), "big") for k in keys], dtype=np.uint64)
        low = np.searchsorted(self._prefixes, wanted, side="left")
        high = np.searchsorted(self._prefixes, wanted, side="right")
        rows = np.full(len(keys), -1, dtype=np.int64)
        for i in np.flatnonzero(high > low).tolist():
            lo, hi = int(low[i]), int(high[i])
            at = bisect_left(range(lo, hi), keys[i], key=self.term_at) + lo
            if at < hi and self.term_at(at) == keys[i]:
                rows[i] = at
        return rows

    def fresh_copy(self) -> Segment:
        """The same arrays (shared, read-only) without tombstones, its term sample shared: each
        snapshot marks its own dead documents on a copy of the opened segment."""
        if self._sample is None:
            self._sample = [self.term_at(i) for i in range(0, self.terms, SAMPLE_STRIDE)]
        copy = replace(self, dead=None, dead_changed=False)
        copy._sample = self._sample
        copy._blocks = self._blocks
        copy._prefixes = self._prefixes
        return copy

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


def _prefix_keys(vocab: np.ndarray, voff: np.ndarray) -> np.ndarray:
    """Each term's first 8 bytes, zero-padded, as a big-endian uint64: sorted as the terms are (no term
    holds a zero byte, so a shorter term sorts before the longer ones it begins)."""
    starts, lengths = voff[:-1], np.diff(voff)
    padded = np.concatenate([vocab, np.zeros(8, dtype=np.uint8)])
    keys = np.zeros(len(starts), dtype=np.uint64)
    for j in range(8):
        byte = padded[starts + j].astype(np.uint64)
        byte[lengths <= j] = 0
        keys |= byte << np.uint64(56 - 8 * j)
    return keys


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
    top = max_term_score([segment], len(lengths), total)
    segment.stats = np.array([len(lengths), total, top, df.min() if df.size else 0.0], dtype=np.float64)
    return segment


def terms_of(seg: Segment) -> list[bytes]:
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
    vocabularies = [terms_of(seg) for seg in segments]
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


def max_term_score(segments: Sequence[Segment], n: int, total: int,
                   dfs: Sequence[np.ndarray] | None = None) -> float:
    """The best score any term reaches in any live document: with ``dfs`` (per segment, each row's
    df over all segments) the exact figure, without it each segment's own df (an upper bound)."""
    if n == 0:
        return 0.0
    avglen = total / n
    best = 0.0
    for k, seg in enumerate(segments):
        df = dfs[k] if dfs is not None else live_df(seg)
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


def live_df(seg: Segment) -> np.ndarray:
    """Per term row, how many of the segment's live documents hold it."""
    df = np.diff(np.asarray(seg.indptr)).astype(np.int64)
    if seg.dead is not None and seg.dead.any() and seg.terms:
        df = df - np.add.reduceat(seg.dead[seg.doc].astype(np.int64), seg.indptr[:-1]) * (df > 0)
    return df


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def save_segment(folder: Path, name: str, segment: Segment) -> list[Path]:
    """Write a segment's files (each atomically) into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for part, array in segment.arrays().items():
        path = folder / f"{name}.{part}.npy"
        write_atomic(path, npy_bytes(array))
        written.append(path)
    if segment.dead is not None and segment.dead.any():
        path = folder / f"{name}.dead.npy"
        write_atomic(path, npy_bytes(segment.dead))
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
