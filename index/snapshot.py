"""What an index holds, as the engine sees it: segments on disk, tombstones, and pending changes.

:class:`IndexData` is one snapshot of an index. Its segments (:mod:`index.stored_segments`) are immutable and
shared between snapshots; an update works on a copy (:meth:`IndexData.for_update`) that marks replaced
or removed articles dead and keeps new articles pending, in memory, until :func:`index.store.save`
writes them as a new segment. Articles are read on demand through :attr:`IndexData.articles`, a
read-only mapping: nothing here parses every article at start-up.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from index.records import ArticleRecord, Calibration, Chunk, ChunkRow, text_hash
from index.speaker_pool import SpeakerLayer
from index.stored_segments import ORDINAL, Segment

if TYPE_CHECKING:
    from index.postings import Postings


Change = tuple[set[str], list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]]]
"""What an update took out (article ids) and put in (each new article's id, people and statements)."""


@dataclass
class Pending:
    """An article added since the last save: its record (with terms), chunk rows and vectors."""

    record: ArticleRecord
    rows: list[ChunkRow]
    vectors: np.ndarray


class Articles(Mapping[str, ArticleRecord]):
    """Every live article of a snapshot by id, read on demand (records from disk come without terms)."""

    def __init__(self, data: IndexData) -> None:
        self._data = data

    def __getitem__(self, article_id: str) -> ArticleRecord:
        pending = self._data.pending.get(article_id)
        if pending is not None:
            return pending.record
        where = self._data.where().get(article_id)
        if where is None:
            raise KeyError(article_id)
        return self._data.segments[where[0]].record(where[1])

    def __iter__(self) -> Iterator[str]:
        yield from self._data.where()
        yield from self._data.pending

    def __len__(self) -> int:
        return len(self._data.where()) + len(self._data.pending)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._data.pending or article_id in self._data.where()

    def values(self) -> Iterator[ArticleRecord]:  # type: ignore[override]
        """Every record, each segment read in one pass."""
        data = self._data
        for s, segment in enumerate(data.segments):
            dead = data.dead.get(segment.generation, frozenset())
            for ordinal, record in segment.articles.records():
                if record.article_id not in dead and data.where().get(record.article_id) == (s, ordinal):
                    yield record
        for pending in data.pending.values():
            yield pending.record


@dataclass
class IndexData:
    """One snapshot of an index: its segments minus tombstones, plus pending articles.

    BM25 documents are whole paragraphs, in the order of :meth:`passage_keys` (articles by id).
    """

    embedder: str
    dim: int
    calibration: Calibration
    segments: list[Segment]
    bm25: Postings | None  # BM25 postings over the live paragraphs (passage order), None without any
    user_words: list[str]
    # Per segment generation, the article ids it holds that are no longer live (removed or replaced).
    dead: dict[int, frozenset[str]] = field(default_factory=dict)
    pending: dict[str, Pending] = field(default_factory=dict)
    generation: int = 0
    # Whether ``bm25``'s documents follow the segments (each segment's paragraphs in ordinal order,
    # dead ones tombstoned, then the pending articles' by id: :func:`index.lexical.segment_postings`)
    # rather than the passage order of the live articles (indexes of older layouts, until compacted).
    bm25_by_segment: bool = True
    _where: dict[str, tuple[int, int]] | None = field(default=None, repr=False, compare=False)

    @staticmethod
    def empty(embedder: str, dim: int, calibration: Calibration) -> IndexData:
        return IndexData(embedder, dim, calibration, [], None, [])

    def for_update(self) -> IndexData:
        """A copy to change: the same segments and tombstones, nothing pending."""
        copy = IndexData(self.embedder, self.dim, self.calibration, list(self.segments), self.bm25,
                         list(self.user_words), dict(self.dead), {}, self.generation, self.bm25_by_segment)
        copy._where = dict(self.where())
        return copy

    @property
    def articles(self) -> Articles:
        return Articles(self)

    def where(self) -> dict[str, tuple[int, int]]:
        """Live article id → (segment position, ordinal) over the saved segments."""
        if self._where is None:
            where: dict[str, tuple[int, int]] = {}
            for s, segment in enumerate(self.segments):
                dead = self.dead.get(segment.generation, frozenset())
                for ordinal, aid in enumerate(segment.article_ids):
                    if aid not in dead:
                        where[aid] = (s, ordinal)
            self._where = where
        return self._where

    def live_mask(self, position: int) -> np.ndarray:
        """Per chunk of segment ``position``, whether its article is live."""
        segment = self.segments[position]
        dead = self.dead.get(segment.generation)
        if not dead:
            return np.ones(len(segment), dtype=bool)
        dead_ordinals = [o for aid in dead if (o := segment.ordinal(aid)) is not None]
        return ~np.isin(segment.columns[:, ORDINAL], np.asarray(dead_ordinals, dtype=np.int64))

    @property
    def chunk_count(self) -> int:
        saved = sum(int(self.live_mask(i).sum()) for i in range(len(self.segments)))
        return saved + sum(len(p.rows) for p in self.pending.values())

    @property
    def next_id(self) -> int:
        """The next free chunk id, derived from the chunks themselves (dead ones too: ids are never reused)."""
        top = max((int(s.ids.max()) for s in self.segments if len(s)), default=-1)
        return max([top, *(row.id for p in self.pending.values() for row in p.rows)]) + 1

    # -- changes (on a copy from for_update) ---------------------------------------------------

    def add(self, record: ArticleRecord, rows: list[ChunkRow], vectors: np.ndarray) -> None:
        self.drop([record.article_id])
        self.pending[record.article_id] = Pending(record, rows, np.asarray(vectors, dtype=np.float32))

    def drop(self, article_ids: list[str]) -> list[str]:
        """Remove articles (a saved one gets a tombstone); returns those that were there."""
        dropped = []
        where = self.where()
        for aid in article_ids:
            if self.pending.pop(aid, None) is not None:
                dropped.append(aid)
            elif aid in where:
                s, _ = where.pop(aid)
                generation = self.segments[s].generation
                self.dead[generation] = self.dead.get(generation, frozenset()) | {aid}
                dropped.append(aid)
        return dropped

    def put(self, record: ArticleRecord) -> None:
        """Replace an article's record (its terms, say), keeping its chunks' text and vectors.

        A saved article moves to the pending ones under new chunk ids: its old rows stay in their
        segment (dead), and a chunk id must name one row of the whole index (the ANN indexes and the
        layout look chunks up by id)."""
        pending = self.pending.get(record.article_id)
        if pending is not None:
            pending.record = record
            return
        s, ordinal = self.where()[record.article_id]
        segment = self.segments[s]
        rows = segment.rows_of(ordinal)
        first = self.next_id
        chunk_rows = [ChunkRow(first + i, segment.chunk(int(r)), "") for i, r in enumerate(rows)]
        moved = replace(record, chunk_ids=[row.id for row in chunk_rows])
        self.add(moved, chunk_rows, np.array(segment.vectors[rows], dtype=np.float32))

    def change_from(self, live: IndexData) -> Change:
        """What this update of ``live`` (a copy from its :meth:`for_update`) takes out and puts in: the
        ids of the articles it removes or replaces, and each new article's id, people and statements."""
        removed = set(self.pending)
        for generation, dead in self.dead.items():
            removed |= dead - live.dead.get(generation, frozenset())
        added = [(aid, p.record.people, p.record.statements) for aid, p in self.pending.items()]
        return removed, added

    # -- reading --------------------------------------------------------------------------------

    def column(self, name: str) -> dict[str, Any]:
        """One plain field ("source" or "date") of every live article, without reading the records."""
        out: dict[str, Any] = {}
        where = self.where()
        for s, segment in enumerate(self.segments):
            values = segment.articles.column(name)
            for ordinal, aid in enumerate(segment.article_ids):
                if where.get(aid) == (s, ordinal):
                    out[aid] = values[ordinal]
        for aid, pending in self.pending.items():
            out[aid] = getattr(pending.record, name)
        return out

    def containing(self, words: Sequence[str]) -> list[str]:
        """Ids of the live articles whose paragraphs hold any of ``words``.

        Saved articles are found through the BM25 postings of the words' character pairs (an indexed
        look-up); words those cannot find (other characters) through one scan of each articles file."""
        from index.lexical import first_slots, holders

        def holds(record: ArticleRecord) -> bool:
            return any(word in q.text for q in record.paragraphs for word in words)

        found = [aid for aid, p in self.pending.items() if holds(p.record)]
        if not words or not self.segments:
            return found
        postings = self.bm25 if self.bm25_by_segment else None
        if postings is not None and len(postings.segments) != len(self.segments):
            postings = None  # not the saved segments' postings: read the texts
        slots = [holders(postings, w) for w in words] if postings is not None else [None] * len(words)
        scanned = [w for w, found_slots in zip(words, slots, strict=True) if found_slots is None]
        candidates: set[tuple[int, int]] = set()
        if len(scanned) < len(words):
            firsts = first_slots(self.segments)
            starts = np.array([int(f[0]) for f in firsts] + [int(firsts[-1][-1])], dtype=np.int64)
            # A set, not np.unique: that imports numpy.ma (0.04 s of a fresh `quotebot index add`).
            every = sorted(set(np.concatenate([f for f in slots if f is not None]).tolist()))
            for slot in every:
                s = int(np.searchsorted(starts, slot, side="right")) - 1
                candidates.add((s, int(np.searchsorted(firsts[s], slot, side="right")) - 1))
        if scanned:
            for s, segment in enumerate(self.segments):
                candidates.update((s, ordinal) for ordinal in segment.articles.containing(scanned))
        where = self.where()
        for s, ordinal in sorted(candidates):
            aid = self.segments[s].article_ids[ordinal]
            if where.get(aid) == (s, ordinal) and holds(self.segments[s].record(ordinal)):
                found.append(aid)
        return found

    def indexed_texts(self, hashes: Collection[str]) -> set[str]:
        """Which of ``hashes`` (:func:`index.records.text_hash`) a live article has: an indexed look-up
        in each segment's articles file, no article read."""
        wanted = sorted(set(hashes))
        found = {h for p in self.pending.values() if (h := text_hash(p.record.title, p.record.text)) in hashes}
        where = self.where()
        for s, segment in enumerate(self.segments):
            found.update(h for ordinal, h in segment.articles.with_text_hashes(wanted)
                         if where.get(segment.article_ids[ordinal]) == (s, ordinal))
        return found

    def speakers(self) -> Iterator[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]]:
        """Every live article's people and statements, without reading the rest of the records."""
        where = self.where()
        for s, segment in enumerate(self.segments):
            for ordinal, people, statements in segment.speakers():
                aid = segment.article_ids[ordinal]
                if where.get(aid) == (s, ordinal):
                    yield aid, people, statements
        for aid, pending in self.pending.items():
            yield aid, pending.record.people, pending.record.statements

    def speaker_layers(self) -> list[SpeakerLayer] | None:
        """The saved segments as who-said-what reads them through their name tables (their dead articles
        include those a later segment or a pending article holds again); None when a segment has none."""
        if any(segment.speaker_table is None for segment in self.segments):
            return None
        layers = []
        for s, segment in enumerate(self.segments):
            table = segment.speaker_table
            assert table is not None
            later = [aid for t in self.segments[s + 1 :] for aid in t.article_ids]
            shadowed = {aid for aid in (*later, *self.pending) if segment.ordinal(aid) is not None}
            dead = self.dead.get(segment.generation, frozenset()) | shadowed
            layers.append(SpeakerLayer(segment.article_ids, segment.ordinal, table, segment.articles.speakers_of,
                                       frozenset(dead)))
        return layers

    def terms(self) -> dict[str, list[list[str]]]:
        """Every live article's BM25 terms (an update reads them; answering never does)."""
        out: dict[str, list[list[str]]] = {}
        where = self.where()
        for s, segment in enumerate(self.segments):
            for ordinal, terms in segment.articles.terms().items():
                aid = segment.article_ids[ordinal]
                if where.get(aid) == (s, ordinal):
                    out[aid] = terms
        for aid, pending in self.pending.items():
            out[aid] = pending.record.terms
        return out

    def paragraph_counts(self) -> dict[str, int]:
        out = {aid: int(self.segments[s].paragraph_counts[o]) for aid, (s, o) in self.where().items()}
        out.update((aid, len(p.record.paragraphs)) for aid, p in self.pending.items())
        return out

    def passage_keys(self) -> list[tuple[str, int]]:
        """(article id, paragraph number) of every BM25 document, in document order."""
        counts = self.paragraph_counts()
        return [(aid, n) for aid in sorted(counts) for n in range(counts[aid])]

    def chunks(self) -> Iterator[tuple[int, Chunk]]:
        """Every live chunk with its id (for inspection and tests: one record read per chunk)."""
        for position, segment in enumerate(self.segments):
            for row in np.flatnonzero(self.live_mask(position)):
                yield int(segment.ids[row]), segment.chunk(int(row))
        for pending in self.pending.values():
            yield from ((row.id, row.chunk) for row in pending.rows)
