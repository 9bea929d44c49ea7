"""BM25 over paragraph terms: the index's postings (:mod:`index.postings`), one document per paragraph.

Documents are always our terms (jieba words, characters and character pairs:
:class:`index.normalization.Analyzer`). Each index segment (:mod:`index.stored_segments`) has its own
postings segment, written with it and kept as long as it lives (``postings-G/bm25.*.npy``): its
paragraphs in ordinal order, every article's paragraphs in order. A snapshot's postings are those
segments one after the other, the paragraphs of dead articles tombstoned, and the pending articles'
paragraphs (by id) as a last segment in memory (:func:`segment_postings`): an update writes O(article)
BM25 data. Statistics are summed over the segments at query time, so scores equal one segment's.
Compaction merges them into the new base segment's order (:func:`compacted`).

Indexes written before kept one postings folder per generation in passage order (articles by id,
:meth:`index.snapshot.IndexData.passage_keys`); such a snapshot is updated as one whole
(:func:`update_bm25`) until its next save compacts it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.normalization import character_terms, to_simplified
from index.patterns import compiled
from index.postings import Postings
from index.segments import Segment, build_segment

if TYPE_CHECKING:
    from index.snapshot import IndexData
    from index.stored_segments import Segment as StoredSegment

# The one segment a postings folder holds (postings-N/bm25.*.npy).
SEGMENT = "bm25"

Terms = Mapping[str, Sequence[Sequence[str]]]
"""Each article's paragraphs' terms, by article id."""


def build_bm25(terms: Terms) -> Postings | None:
    """BM25 over every paragraph's terms, articles by id; None without paragraphs."""
    docs = [paragraph for aid in sorted(terms) for paragraph in terms[aid]]
    return Postings.build(docs) if docs else None


def update_bm25(
    old_keys: Sequence[tuple[str, int]], postings: Postings | None, kept: Collection[str],
    new_keys: Sequence[tuple[str, int]], fresh: Terms, everything: Callable[[], Terms],
) -> Postings | None:
    """The postings after an update, from ``postings`` (in the passage order ``old_keys``): the
    paragraphs of articles not ``kept`` are deleted, those of ``fresh`` articles (new or changed) added,
    and one merge puts them in the order ``new_keys``. Only the changed articles' terms are read; the
    merge is numpy work over the postings, not Python work per term. ``everything`` gives every
    article's terms for a build from scratch, when ``postings`` do not match ``old_keys``."""
    if postings is None or len(postings) != len(old_keys):
        return build_bm25(everything())
    if not new_keys:
        return None
    updated = postings.copy()  # the live index keeps serving from the original
    updated.delete(i for i, (aid, _) in enumerate(old_keys) if aid not in kept)
    first = len(updated)
    added = [(aid, n) for aid in sorted(fresh) for n in range(len(fresh[aid]))]
    updated.add([fresh[aid][n] for aid, n in added])
    slot = {key: i for i, key in enumerate(old_keys) if key[0] in kept}
    slot.update((key, first + i) for i, key in enumerate(added))
    return updated.merged([slot[key] for key in new_keys])


def load_bm25(folder: Path) -> Postings:
    """The postings of one generation, memory-mapped (IndexCorruptError when a file is damaged)."""
    return Postings.open(folder, [SEGMENT])


def save_bm25(folder: Path, postings: Postings) -> list[Path]:
    """Write the postings as the one segment of ``folder``; returns the files written."""
    return postings.save(folder, SEGMENT)


def first_slots(segments: Sequence[StoredSegment]) -> list[np.ndarray]:
    """Per segment, the slot of each article's first paragraph in :func:`segment_postings` (one more
    entry at the end: where the next segment starts)."""
    out, base = [], 0
    for segment in segments:
        firsts = np.concatenate([[0], np.cumsum(segment.paragraph_counts)]).astype(np.int64) + base
        out.append(firsts)
        base = int(firsts[-1])
    return out


def segment_postings(data: IndexData) -> Postings:
    """The postings of ``data`` whose documents follow its segments: each saved segment's postings
    with the paragraphs of its dead articles tombstoned, then one segment of the pending articles'
    paragraphs (articles by id) when there are any. Reads no article and no term of a saved one."""
    parts = []
    for segment in data.segments:
        stored = segment.bm25
        if stored is None:
            raise ValueError(f"segment {segment.generation} has no BM25 postings of its own")
        if stored.docs != int(segment.paragraph_counts.sum()):
            raise ValueError(f"the BM25 postings of segment {segment.generation} hold {stored.docs} "
                             f"paragraphs, its articles {int(segment.paragraph_counts.sum())}")
        parts.append(stored.fresh_copy())
    postings = Postings(parts)
    dead: list[np.ndarray] = []
    for segment, firsts in zip(data.segments, first_slots(data.segments), strict=True):
        ordinals = [o for aid in data.dead.get(segment.generation, ()) if (o := segment.ordinal(aid)) is not None]
        dead += [np.arange(firsts[o], firsts[o + 1]) for o in ordinals]
    if dead:
        postings.delete(np.concatenate(dead).tolist())
    if data.pending:
        postings.append(build_segment([p for aid in sorted(data.pending) for p in data.pending[aid].record.terms]))
    return postings


def holders(postings: Postings, word: str) -> np.ndarray | None:
    """Slots of the documents that may hold ``word`` (a superset: the caller checks the text), from the
    postings of its character pairs; None when its pairs say nothing (a word with other characters, or
    none of its pairs indexed), so the caller must read the texts."""
    simplified = to_simplified(word).lower()
    if len(simplified) < 2 or not _CJK_WORD.fullmatch(simplified):
        return None
    pairs = sorted(set(character_terms(simplified)) - set(simplified), key=postings.df)
    if not pairs:
        return None
    found = postings.documents(pairs[0])
    for pair in pairs[1:]:
        if not found.size:
            break
        found = np.intersect1d(found, postings.documents(pair), assume_unique=True)
    return found


_CJK_WORD = compiled(r"[\u3400-\u9fff]+")  # its program kept between processes (index.patterns)


def compacted(data: IndexData) -> Segment:
    """``data.bm25`` (from :func:`segment_postings`) as one segment in the order of a compacted index:
    live articles by id, their paragraphs in order. A merge in numpy: no term is read again."""
    postings = data.bm25
    if postings is None:
        return build_segment([])
    if not data.segments and len(postings.segments) == 1:
        return postings.segments[0]  # a build from scratch: the pending articles are in this order already
    where = data.where()
    firsts = first_slots(data.segments)
    pending_base = int(firsts[-1][-1]) if firsts else 0
    pending_first, at = {}, pending_base
    for aid in sorted(data.pending):
        pending_first[aid] = at
        at += len(data.pending[aid].record.paragraphs)
    starts, counts = [], []
    for aid in sorted(set(where) | set(data.pending)):
        if aid in data.pending:
            starts.append(pending_first[aid])
            counts.append(len(data.pending[aid].record.paragraphs))
        else:
            s, o = where[aid]
            starts.append(int(firsts[s][o]))
            counts.append(int(firsts[s][o + 1] - firsts[s][o]))
    lengths = np.asarray(counts, dtype=np.int64)
    offsets = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    order = np.repeat(np.asarray(starts, dtype=np.int64), lengths) + offsets
    merged = postings.merged(order)
    return merged.segments[0] if merged.segments else build_segment([])
