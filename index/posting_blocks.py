"""BM25 postings of a large build, made a block of paragraphs at a time and stacked on disk.

A build from scratch meets its paragraphs in their final order (articles by id). Each block of them
becomes a postings segment (:func:`index.segments.build_segment`), written to disk and memory-mapped;
:func:`stack` then writes the one segment that building every paragraph at once would have made (the
same vocabulary, postings, lengths and statistics), without holding all postings in memory: the blocks'
documents follow one another, so a term's postings are its postings in each block, one block after
the other, and each block's postings go straight to their place in the output files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.directory import replacing, write_atomic
from index.segments import PARTS, Segment, max_term_score, npy_bytes, save_segment


def _terms_of(block: Segment) -> list[bytes]:
    blob = block.vocab.tobytes()
    bounds = np.asarray(block.voff).tolist()
    return [blob[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def stack(blocks: Sequence[Segment], folder: Path, name: str) -> list[Path]:
    """Write the documents of ``blocks`` (without tombstones), block after block, as one segment
    ``name`` in ``folder``; returns the files written."""
    if any(block.dead is not None and block.dead.any() for block in blocks):
        raise ValueError("stacked blocks must not have deleted documents")
    if len(blocks) == 1:
        return save_segment(folder, name, blocks[0])
    # Each block's vocabulary is decoded twice rather than all of them held at once.
    union: set[bytes] = set()
    for block in blocks:
        union.update(_terms_of(block))
    # UTF-8 byte order is code point order: the vocabulary sorts as build_segment sorts its terms.
    terms = sorted(union)
    del union
    row_of = {term: row for row, term in enumerate(terms)}
    rows_of = [np.fromiter(map(row_of.__getitem__, _terms_of(block)), dtype=np.int64, count=block.terms)
               for block in blocks]
    del row_of
    counts = np.zeros(len(terms), dtype=np.int64)
    for rows, block in zip(rows_of, blocks, strict=True):
        counts[rows] += np.diff(np.asarray(block.indptr))  # a block names each of its terms once
    indptr = np.zeros(len(terms) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(counts)
    total = int(indptr[-1])
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.{part}.npy" for part in PARTS]
    fill = indptr[:-1].copy()  # per term, where its next posting goes
    with replacing(folder / f"{name}.doc.npy") as doc_tmp, replacing(folder / f"{name}.tf.npy") as tf_tmp:
        doc = np.lib.format.open_memmap(doc_tmp, mode="w+", dtype=np.int32, shape=(total,))
        tf = np.lib.format.open_memmap(tf_tmp, mode="w+", dtype=np.uint16, shape=(total,))
        base = 0
        for rows, block in zip(rows_of, blocks, strict=True):
            starts = np.asarray(block.indptr)
            df = np.diff(starts)
            term = np.repeat(rows, df)
            at = fill[term] + (np.arange(term.size, dtype=np.int64) - np.repeat(starts[:-1], df))
            doc[at] = np.asarray(block.doc, dtype=np.int64) + base
            tf[at] = np.asarray(block.tf)
            fill[rows] += df
            base += block.docs
        doc.flush()
        tf.flush()
        del doc, tf
    lengths = np.concatenate([np.asarray(block.lengths, dtype=np.int32) for block in blocks])
    voff = np.zeros(len(terms) + 1, dtype=np.int64)
    voff[1:] = np.cumsum([len(t) for t in terms])
    vocab = np.frombuffer(b"".join(terms), dtype=np.uint8)
    for part, array in (("indptr", indptr), ("len", lengths), ("vocab", vocab), ("voff", voff)):
        write_atomic(folder / f"{name}.{part}.npy", npy_bytes(array))
    # The statistics as build_segment computes them, from the stacked postings (read block by block).
    stacked = Segment(indptr=indptr, doc=np.load(folder / f"{name}.doc.npy", mmap_mode="r"),
                      tf=np.load(folder / f"{name}.tf.npy", mmap_mode="r"), lengths=lengths, vocab=vocab,
                      voff=voff, stats=np.zeros(4, dtype=np.float64))
    length_sum = int(lengths.sum())
    top = max_term_score([stacked], len(lengths), length_sum)
    del stacked
    stats = np.array([len(lengths), length_sum, top, counts.min() if counts.size else 0.0], dtype=np.float64)
    write_atomic(folder / f"{name}.stats.npy", npy_bytes(stats))
    return paths
