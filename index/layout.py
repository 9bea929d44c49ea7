"""Where every passage and chunk of an index snapshot lies, as numpy columns.

Passages (BM25 documents) are the live articles' paragraphs, articles by id; slots are the chunks of
all segments end to end, dead ones included (their passage is -1). Built once per snapshot with numpy
only: no Python object per chunk or per passage, so a million chunks load in a fraction of a second.
"""

from __future__ import annotations

import numpy as np

from index.lexical import first_slots
from index.records import Chunk
from index.snapshot import IndexData
from index.stored_segments import ORDINAL, PARAGRAPH


class Layout:
    """Passage and slot maps of one saved snapshot (nothing pending)."""

    def __init__(self, data: IndexData) -> None:
        if data.pending:
            raise ValueError("a snapshot with pending articles is searched only once saved")
        self.segments = data.segments
        where = data.where()
        self.article_ids = sorted(where)
        self._article_position = {aid: i for i, aid in enumerate(self.article_ids)}
        seg_of = np.array([where[a][0] for a in self.article_ids], dtype=np.int64)
        ord_of = np.array([where[a][1] for a in self.article_ids], dtype=np.int64)
        counts = np.array([self.segments[s].paragraph_counts[o] for s, o in zip(seg_of, ord_of, strict=True)],
                          dtype=np.int64)
        self.first = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.passages = int(self.first[-1])
        # Per passage, the position of its article in article_ids.
        self.passage_article = np.repeat(np.arange(len(self.article_ids), dtype=np.int64), counts)
        # Per passage, its BM25 document when the postings follow the segments (index.lexical); None
        # when they are in passage order already.
        self.passage_slot: np.ndarray | None = None
        if data.bm25_by_segment and self.segments:
            firsts = first_slots(self.segments)
            article_first = np.zeros(len(self.article_ids), dtype=np.int64)
            for s, first in enumerate(firsts):
                mine = seg_of == s
                article_first[mine] = first[ord_of[mine]]
            self.passage_slot = np.repeat(article_first - self.first[:-1], counts) + np.arange(self.passages)
        passages, ids, offsets = [], [], [0]
        for s, segment in enumerate(self.segments):
            position_of = np.full(len(segment.article_ids), -1, dtype=np.int64)
            mine = seg_of == s
            position_of[ord_of[mine]] = np.flatnonzero(mine)
            article = position_of[segment.columns[:, ORDINAL]] if len(segment) else np.zeros(0, dtype=np.int64)
            passage = self.first[np.maximum(article, 0)] + segment.columns[:, PARAGRAPH]
            passages.append(np.where(article >= 0, passage, -1))
            ids.append(np.asarray(segment.ids, dtype=np.int64))
            offsets.append(offsets[-1] + len(segment))
        self.slot_passage = np.concatenate(passages) if passages else np.zeros(0, dtype=np.int64)
        self.slot_id = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        self.offsets = np.array(offsets, dtype=np.int64)
        self.live_slots = int(np.count_nonzero(self.slot_passage >= 0))
        self._id_order = np.argsort(self.slot_id, kind="stable")
        self._sorted_ids = self.slot_id[self._id_order]
        live = np.flatnonzero(self.slot_passage >= 0)
        self._passage_order = live[np.argsort(self.slot_passage[live], kind="stable")]
        self._passage_start = np.searchsorted(self.slot_passage[self._passage_order],
                                              np.arange(self.passages + 1))

    def key(self, position: int) -> tuple[str, int]:
        """(article id, paragraph number) of a passage."""
        article = int(np.searchsorted(self.first, position, side="right")) - 1
        return self.article_ids[article], position - int(self.first[article])

    def position(self, article_id: str, paragraph: int) -> int:
        return int(self.first[self._article_position[article_id]]) + paragraph

    def find(self, article_id: str, paragraph: int) -> int | None:
        """The position of a passage, or None when this snapshot does not hold it."""
        article = self._article_position.get(article_id)
        if article is None or not 0 <= paragraph < int(self.first[article + 1] - self.first[article]):
            return None
        return int(self.first[article]) + paragraph

    def heads(self) -> tuple[np.ndarray, np.ndarray]:
        """Per passage, its first chunk's id (-1 without chunks) and how many chunks it has."""
        live = self.slot_passage >= 0
        passage, ids = self.slot_passage[live], self.slot_id[live]
        heads = np.full(self.passages, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(heads, passage, ids)
        heads[heads == np.iinfo(np.int64).max] = -1
        return heads, np.bincount(passage, minlength=self.passages).astype(np.int64)

    def slots_of(self, position: int) -> np.ndarray:
        """The slots of a passage's chunks, in slot order."""
        return self._passage_order[self._passage_start[position] : self._passage_start[position + 1]]

    def slots_for(self, chunk_ids: np.ndarray) -> np.ndarray:
        """The slots of live chunks among ``chunk_ids`` (dead or unknown ones are left out)."""
        at = np.clip(np.searchsorted(self._sorted_ids, chunk_ids), 0, max(len(self._sorted_ids) - 1, 0))
        if not len(self._sorted_ids):
            return np.zeros(0, dtype=np.int64)
        found = self._id_order[at][self._sorted_ids[at] == chunk_ids]
        return found[self.slot_passage[found] >= 0]

    def vectors(self, slots: np.ndarray) -> np.ndarray:
        """The stored vectors of ``slots`` (sorted), read from each segment's memory-mapped matrix."""
        parts = []
        for s, segment in enumerate(self.segments):
            lo, hi = np.searchsorted(slots, [self.offsets[s], self.offsets[s + 1]])
            if hi > lo:
                parts.append(np.asarray(segment.vectors[slots[lo:hi] - self.offsets[s]]))
        dim = self.segments[0].vectors.shape[1] if self.segments else 0
        return np.concatenate(parts) if parts else np.zeros((0, dim), dtype=np.float32)

    def chunk(self, chunk_id: int) -> Chunk:
        s, row = self._row(chunk_id)
        return self.segments[s].chunk(row)

    def span(self, chunk_id: int) -> tuple[int, int]:
        """Where a chunk starts and ends in its article: what quoting needs, without reading the article."""
        s, row = self._row(chunk_id)
        return self.segments[s].span(row)

    def _row(self, chunk_id: int) -> tuple[int, int]:
        """The segment that stores a chunk, and its row there."""
        slot = int(self._id_order[np.searchsorted(self._sorted_ids, chunk_id)])
        s = int(np.searchsorted(self.offsets, slot, side="right")) - 1
        return s, slot - int(self.offsets[s])
