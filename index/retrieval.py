"""The retrieval interface: where chunk vectors and paragraph BM25 vectors are stored and searched.

Two implementations: :class:`LocalRetrieval` (FAISS and an in-memory sparse matrix, in this process)
and :class:`index.milvus_backend.MilvusRetrieval` (a Milvus server, or milvus-lite in a file). Both
store one entry per chunk; a paragraph's BM25 vector (:mod:`index.sparse`) rides on its first chunk,
its *head*, whose chunk id then names the paragraph. Ranking, fusion and confidence stay in
:mod:`index.search`, the same code for every backend.

Searches take an optional :class:`Within`: only these articles, only these paragraphs (heads).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.snapshot import IndexData
from index.sparse import SparseVector, average_length, paragraph_vector
from index.stored_segments import ID, ORDINAL, PARAGRAPH


@dataclass(frozen=True)
class ChunkEntry:
    """One chunk as a backend stores it; ``sparse`` is its paragraph's BM25 vector on the head chunk only."""

    chunk_id: int
    article_id: str
    paragraph: int
    head: int
    vector: np.ndarray
    sparse: SparseVector | None = None


@dataclass(frozen=True)
class Hit:
    """A search result: a chunk (dense) or a paragraph named by its head chunk (sparse), and its score."""

    chunk_id: int
    article_id: str
    paragraph: int
    score: float


@dataclass(frozen=True)
class Within:
    """Restricts a search to some articles and/or some paragraphs (by head chunk id); None means all."""

    articles: frozenset[str] | None = None
    heads: frozenset[int] | None = None

    def admits(self, article_id: str, head: int) -> bool:
        return (self.articles is None or article_id in self.articles) and (self.heads is None or head in self.heads)


class Retrieval(Protocol):
    """Add chunks, delete articles, search dense and sparse, count."""

    def add(self, chunks: Sequence[ChunkEntry]) -> None: ...

    def delete_articles(self, article_ids: Sequence[str]) -> None: ...

    def dense(self, vector: np.ndarray, k: int, within: Within | None = None) -> list[Hit]:
        """The ``k`` chunks of highest cosine, best first."""
        ...

    def sparse(self, query: SparseVector, k: int, within: Within | None = None) -> list[Hit]:
        """The ``k`` paragraphs of highest BM25 (inner product with ``query``) above zero, best first."""
        ...

    def count(self) -> int:
        """How many chunks are stored."""
        ...


def entries_of(data: IndexData, article_ids: Sequence[str], avgdl: float) -> list[ChunkEntry]:
    """The entries of some live articles of ``data``: each chunk's vector, and each paragraph's BM25
    vector on its first chunk. Saved chunks are read from their segments' columns and vectors."""
    wanted = set(article_ids)
    if not wanted:
        return []
    pending = wanted & data.pending.keys()
    rows: list[tuple[int, str, int, np.ndarray]] = []
    where = data.where()
    for s, segment in enumerate(data.segments):
        ordinals = [where[aid][1] for aid in wanted - pending if where.get(aid, (-1, -1))[0] == s]
        if not ordinals:
            continue
        for r in np.flatnonzero(np.isin(segment.columns[:, ORDINAL], ordinals)):
            cid, ordinal, number = (int(segment.columns[r, c]) for c in (ID, ORDINAL, PARAGRAPH))
            rows.append((cid, segment.article_ids[ordinal], number, np.array(segment.vectors[r])))
    for aid in pending:
        found = data.pending[aid]
        rows += [(row.id, aid, row.chunk.paragraph, found.vectors[i]) for i, row in enumerate(found.rows)]
    # Saved records come without their terms: read them all in one pass only when some are needed.
    terms = data.terms() if wanted - pending else {aid: data.pending[aid].record.terms for aid in pending}
    rows.sort(key=lambda row: row[0])
    heads: dict[tuple[str, int], int] = {}
    for cid, aid, number, _ in rows:
        heads.setdefault((aid, number), cid)
    entries = []
    for cid, aid, number, vector in rows:
        head = heads[(aid, number)]
        sparse = None
        if head == cid:
            paragraphs = terms[aid]
            sparse = paragraph_vector(paragraphs[number] if number < len(paragraphs) else [], avgdl)
        entries.append(ChunkEntry(cid, aid, number, head, np.asarray(vector, dtype=np.float32), sparse))
    return entries


class LocalRetrieval:
    """The in-process backend: an exact FAISS index for chunk vectors, a dict of paragraph vectors for BM25.

    A filtered search scores only the admitted rows, so it is exact too; it is the reference the Milvus
    backend is tested against.
    """

    def __init__(self, dim: int) -> None:
        from index.vectors import new_vector_index

        self.dim = dim
        self._vectors = new_vector_index(dim, "flat")
        self._entries: dict[int, ChunkEntry] = {}

    @staticmethod
    def of_index(data: IndexData) -> LocalRetrieval:
        """The backend holding what an index holds (its records must hold their terms, as after a build)."""
        backend = LocalRetrieval(data.dim)
        avgdl = average_length(terms for paragraphs in data.terms().values() for terms in paragraphs)
        backend.add(entries_of(data, list(data.articles), avgdl))
        return backend

    def add(self, chunks: Sequence[ChunkEntry]) -> None:
        from index.vectors import add_vectors, remove_vectors

        if not chunks:
            return
        again = np.array([c.chunk_id for c in chunks if c.chunk_id in self._entries], dtype=np.int64)
        self._vectors = remove_vectors(self._vectors, self.dim, again)
        matrix = np.stack([np.asarray(c.vector, dtype=np.float32) for c in chunks])
        add_vectors(self._vectors, matrix, np.array([c.chunk_id for c in chunks], dtype=np.int64))
        self._entries.update((c.chunk_id, c) for c in chunks)

    def delete_articles(self, article_ids: Sequence[str]) -> None:
        from index.vectors import remove_vectors

        gone = set(article_ids)
        ids = [cid for cid, entry in self._entries.items() if entry.article_id in gone]
        self._vectors = remove_vectors(self._vectors, self.dim, np.array(ids, dtype=np.int64))
        for cid in ids:
            del self._entries[cid]

    def dense(self, vector: np.ndarray, k: int, within: Within | None = None) -> list[Hit]:
        if k <= 0 or not self._entries:
            return []
        query = np.asarray(vector, dtype=np.float32)[None, :]
        if within is None:
            scores, ids = self._vectors.search(query, min(k, len(self._entries)))
            pairs = [(float(s), int(i)) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0]
        else:
            admitted = [e for e in self._entries.values() if within.admits(e.article_id, e.head)]
            cosines = [float(np.dot(e.vector, query[0])) for e in admitted]
            pairs = sorted(zip(cosines, (e.chunk_id for e in admitted), strict=True), key=lambda p: (-p[0], p[1]))[:k]
        return [self._hit(cid, score) for score, cid in pairs]

    def sparse(self, query: SparseVector, k: int, within: Within | None = None) -> list[Hit]:
        scored = []
        for entry in self._entries.values():
            if entry.sparse is None or (within is not None and not within.admits(entry.article_id, entry.head)):
                continue
            score = sum(weight * entry.sparse.get(term, 0.0) for term, weight in query.items())
            if score > 0:
                scored.append((score, entry.chunk_id))
        scored.sort(key=lambda p: (-p[0], p[1]))
        return [self._hit(cid, score) for score, cid in scored[: max(k, 0)]]

    def count(self) -> int:
        return len(self._entries)

    def _hit(self, chunk_id: int, score: float) -> Hit:
        entry = self._entries[chunk_id]
        return Hit(chunk_id, entry.article_id, entry.paragraph, score)
