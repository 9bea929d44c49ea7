"""Keeping a Milvus collection in step with the index generations on disk.

The index directory stays the source of truth: its manifest names the live generation, and the
metadata (articles, chunk text, BM25 statistics) lives there, on storage every ``quotebot serve``
process reads. Milvus holds the chunk vectors and the paragraphs' BM25 vectors. A commit of
generation G over live generation L goes:

1. delete rows of generations above L (what a crashed commit left behind);
2. write the rows of every new or changed article as generation G (all articles on a full rewrite:
   a first commit, a rebuild, a collection that does not hold L, or average-length drift,
   :mod:`index.sparse`), then record ``written = G`` in the collection's properties;
3. the caller saves generation G and makes its manifest live (:func:`index.store.save`);
4. delete the rows G replaced: those of changed and dropped articles' old chunks, or every row below
   G after a full rewrite.

A crash before 3 leaves the manifest at L, and readers of L never look above ``gen <= L``; the next
commit deletes the leftovers (1) and, because ``written`` is not L, rewrites everything. A crash
between 3 and 4 leaves replaced rows behind: readers keep each chunk's newest row, so answers stay
right, and the next full rewrite removes them. No reader ever sees half of a generation.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from index.errors import BackendError
from index.milvus_backend import MilvusRetrieval, Properties
from index.retrieval import entries_of
from index.snapshot import IndexData
from index.sparse import drifted
from index.stored_segments import ID, ORDINAL

Base = dict[str, list[int]]
"""Per article of the live generation: its chunk ids (what Milvus holds of it)."""


def snapshot(data: IndexData) -> Base:
    """The chunk ids of every live article of ``data``, from its segments' columns (no record is read)."""
    base: Base = {}
    where = data.where()
    for s, segment in enumerate(data.segments):
        columns = segment.columns
        order = np.argsort(columns[:, ORDINAL], kind="stable")
        ids = columns[order, ID]
        bounds = np.searchsorted(columns[order, ORDINAL], np.arange(len(segment.article_ids) + 1))
        for ordinal, aid in enumerate(segment.article_ids):
            if where.get(aid) == (s, ordinal):
                base[aid] = ids[bounds[ordinal] : bounds[ordinal + 1]].tolist()
    for aid, found in data.pending.items():
        base[aid] = [row.id for row in found.rows]
    return base


@dataclass
class Pending:
    """A written generation whose replaced rows are to be deleted once its manifest is live."""

    generation: int
    full: bool
    replaced: list[int] = field(default_factory=list)
    rows: int = 0


def check_holds(backend: MilvusRetrieval, generation: int) -> None:
    """Refuse to serve generation ``generation`` from a collection that never received it."""
    found = backend.properties()
    written = found.written if found is not None else 0
    if generation > 0 and written < generation:
        raise BackendError(
            f"The Milvus collection '{backend.collection}' at {backend.uri} does not hold index generation "
            f"{generation} (it holds up to {written}); fill it with 'quotebot index build'."
        )


def write(backend: MilvusRetrieval, data: IndexData, live: int, generation: int, base: Base | None) -> Pending:
    """Steps 1 and 2 of the module's protocol: rows of ``generation`` for what changed since ``base``."""
    found = backend.properties() or Properties(data.embedder, data.dim)
    backend.delete_where(f"gen > {live}")
    # The postings of this update count every live paragraph, an empty one as one term, as sparse does.
    avgdl = data.bm25.avglen if data.bm25 is not None else 1.0
    full = base is None or found.written != live or drifted(found.avgdl, avgdl)
    if not full:
        avgdl = found.avgdl
    # A saved article never changes: an update adds new or changed articles as pending ones.
    changed = list(data.articles) if full else list(data.pending)
    entries = entries_of(data, changed, avgdl)
    view = backend.at(generation)
    view.add(entries)
    backend.set_properties(replace(found, avgdl=avgdl, written=generation))
    replaced: list[int] = []
    if not full and base is not None:
        kept = set(data.articles) - set(changed)
        replaced = [cid for aid, ids in base.items() if aid not in kept for cid in ids]
    return Pending(generation, full, replaced, len(entries))


def finish(backend: MilvusRetrieval, pending: Pending) -> None:
    """Step 4: delete the rows the now live generation replaced."""
    if pending.full:
        backend.delete_where(f"gen < {pending.generation}")
    else:
        backend.delete_chunks(pending.replaced, below=pending.generation)
