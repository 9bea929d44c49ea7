"""Index segments: a set of articles with their chunks and vectors, written once and never changed.

An index is a base segment and a few small delta segments (one per update), minus the articles that
later updates removed or replaced (tombstones, kept in the manifest). On disk a segment numbered G is:

- ``chunks-G.npy``: one int64 row per chunk, :data:`COLUMNS` (id, article ordinal, paragraph,
  start, end); the chunk's text is its article's, cut at the offsets;
- ``vectors-G.npy``: the chunks' float32 vectors in the same order, memory-mapped, so the search
  rescores candidates from the page cache without loading the matrix;
- ``articles-G.sqlite``: the articles by ordinal (:mod:`index.article_table`);
- ``speakers-G.npz``: its name table for who-said-what (:mod:`index.speaker_table`), absent in segments
  written before it existed;
- ``ann-G.faiss``, only for a segment too large to search exhaustively: an approximate index over the
  same vectors (ids are chunk ids) that proposes candidates; their scores come from the vectors above.

A segment built in this process (a fresh build, or an index of an older format) is held in memory in
the same shape: :class:`MemoryArticles` stands in for the SQLite file.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.article_table import ArticleTable, write_articles
from index.directory import replacing
from index.records import ArticleRecord, Chunk, text_hash
from index.segments import Segment as PostingsSegment
from index.speaker_table import SpeakerTable, TableBuilder, table_name

COLUMNS = ("id", "ordinal", "paragraph", "start", "end")
ID, ORDINAL, PARAGRAPH, START, END = range(len(COLUMNS))


class MemoryArticles:
    """A segment's articles held in memory (same reading interface as :class:`ArticleTable`)."""

    def __init__(self, records: Sequence[ArticleRecord]) -> None:
        self._records = list(records)

    def index(self) -> tuple[list[str], list[int]]:
        return [r.article_id for r in self._records], [len(r.paragraphs) for r in self._records]

    def column(self, name: str) -> list[Any]:
        return [getattr(r, name) for r in self._records]

    def record(self, ordinal: int) -> ArticleRecord:
        return self._records[ordinal]

    def records(self) -> Iterator[tuple[int, ArticleRecord]]:
        return iter(enumerate(self._records))

    def speakers(self) -> Iterator[tuple[int, list[dict[str, Any]], list[dict[str, Any]]]]:
        return ((i, r.people, r.statements) for i, r in enumerate(self._records))

    def speakers_of(self, ordinal: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        record = self._records[ordinal]
        return record.people, record.statements

    def terms(self) -> dict[int, list[list[str]]]:
        return {i: r.terms for i, r in enumerate(self._records)}

    def containing(self, words: Sequence[str]) -> list[int]:
        return [i for i, r in enumerate(self._records) if any(w in p.text for p in r.paragraphs for w in words)]

    def with_text_hashes(self, hashes: Sequence[str]) -> list[tuple[int, str]]:
        wanted = set(hashes)
        found = ((i, text_hash(r.title, r.text)) for i, r in enumerate(self._records))
        return [(i, h) for i, h in found if h in wanted]

    def close(self) -> None:
        pass


@dataclass
class Segment:
    """One segment, on disk or in memory; never modified once made."""

    generation: int
    columns: np.ndarray  # (chunks, len(COLUMNS)) int64
    vectors: np.ndarray  # (chunks, dim) float32, memory-mapped for a segment on disk
    articles: ArticleTable | MemoryArticles
    ann: Any = None  # a FAISS index over the vectors (read on first search), or None: searched exhaustively
    kind: str = "flat"
    # Each file's (SHA-256, size, probe digest or ""), as the manifest records them; empty in memory.
    files: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    # The segment's BM25 postings (index.segments), one document per paragraph in ordinal order, and
    # the generation whose postings folder holds them; None / 0 when the index keeps them for the
    # whole generation (index.lexical).
    bm25: PostingsSegment | None = None
    bm25_generation: int = 0
    # Where the approximate index is read from when first searched: an update never searches, so a
    # process that only adds articles never reads the graph (0.35 s at 100k chunks).
    ann_file: Path | None = None
    # How many inverted lists its IVF index has: the manifest records it, and an update that never
    # searches must be able to write it again without reading the lists.
    lists: int = 0
    # How deep a question searches its graph (index.vectors.search_depth), for the manifest to record:
    # the recorded value until the graph is read, then the graph's own.
    depth: int = 0
    # Its name table (index.speaker_table), when it has one: who-said-what then reads no article at open.
    speaker_table: SpeakerTable | None = None
    _ann_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ids, counts = self.articles.index()
        self.article_ids: list[str] = ids
        self.paragraph_counts = np.asarray(counts, dtype=np.int64)
        self._ordinal_of = {aid: i for i, aid in enumerate(ids)}
        self._speakers: list[tuple[int, list[dict[str, Any]], list[dict[str, Any]]]] | None = None

    def speakers(self) -> list[tuple[int, list[dict[str, Any]], list[dict[str, Any]]]]:
        """Every article's people and statements by ordinal, read once: each update's new snapshot
        shares this segment, and who-said-what is set up again from them."""
        if self._speakers is None:
            self._speakers = list(self.articles.speakers())
        return self._speakers

    @property
    def ids(self) -> np.ndarray:
        return self.columns[:, ID]

    def __len__(self) -> int:
        return int(self.columns.shape[0])

    def ordinal(self, article_id: str) -> int | None:
        return self._ordinal_of.get(article_id)

    def record(self, ordinal: int) -> ArticleRecord:
        return self.articles.record(ordinal)

    def chunk(self, row: int) -> Chunk:
        """The chunk stored at ``row``, its text cut from its article."""
        cid, ordinal, number, start, end = (int(v) for v in self.columns[row])
        record = self.record(ordinal)
        paragraph = record.paragraphs[number]
        text = paragraph.text[start - paragraph.start : end - paragraph.start]
        return Chunk(record.article_id, record.title, paragraph.section, number, start, end, text)

    def span(self, row: int) -> tuple[int, int]:
        """Where the chunk stored at ``row`` starts and ends in its article (its record is not read)."""
        return int(self.columns[row, START]), int(self.columns[row, END])

    def rows_of(self, ordinal: int) -> np.ndarray:
        return np.flatnonzero(self.columns[:, ORDINAL] == ordinal)

    def top(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best chunks for ``vector``: (scores, chunk ids), approximate with an ANN index."""
        n = len(self)
        if n == 0 or k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        if self.ann is None and self.ann_file is not None:
            with self._ann_lock:
                if self.ann is None:
                    self.ann = _read_ann(self.ann_file, self.kind)
                    self.depth = _depth(self.ann, self.kind)
        if self.kind == "ivf":
            return self._rescored(vector, k)
        if self.ann is not None:
            scores, ids = self.ann.search(vector[None, :].astype(np.float32), min(k, n))
            keep = ids[0] >= 0
            return scores[0][keep], ids[0][keep].astype(np.int64)
        scores = np.asarray(self.vectors @ vector, dtype=np.float32)
        best = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
        return scores[best], self.columns[best, ID].astype(np.int64)

    def _rescored(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inverted lists of 8-bit codes propose candidates (their ids are rows); the stored vectors
        score them exactly, so only a candidate the lists miss is lost, never one misranked by the codes."""
        from index.vectors import IVF_RESCORE

        wanted = min(max(2 * k, IVF_RESCORE), len(self))
        _, found = self.ann.search(vector[None, :].astype(np.float32), wanted)
        rows = np.sort(found[0][found[0] >= 0]).astype(np.int64)
        scores = np.asarray(self.vectors[rows] @ vector, dtype=np.float32)
        best = np.argpartition(-scores, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
        return scores[best], self.columns[rows[best], ID].astype(np.int64)


def _read_ann(path: Path, kind: str) -> Any:
    from index.errors import IndexCorruptError
    from index.manifest import REBUILD_HINT
    from index.vectors import read_ann

    try:
        return read_ann(path, kind)
    except (OSError, RuntimeError, ValueError) as exc:
        raise IndexCorruptError(f"The vector index {path} cannot be read ({exc}); {REBUILD_HINT}.") from exc


def _depth(ann: Any, kind: str) -> int:
    from index.vectors import search_depth

    return search_depth(ann) if kind == "hnsw" else 0


def segment_files(generation: int, approximate: bool) -> list[str]:
    names = [f"chunks-{generation}.npy", f"vectors-{generation}.npy", f"articles-{generation}.sqlite",
             table_name(generation)]
    return names + ([f"ann-{generation}.faiss"] if approximate else [])


def write_npy(path: Path, array: np.ndarray) -> None:
    """``np.save`` through a temporary file and ``os.replace``."""
    with replacing(path) as tmp, tmp.open("wb") as fh:
        np.save(fh, np.ascontiguousarray(array), allow_pickle=False)


def write_segment(
    index_dir: Path, generation: int, records: Sequence[ArticleRecord], columns: np.ndarray, vectors: np.ndarray,
    ann: Any, speakers: bool = True,
) -> list[Path]:
    """Write a segment's files (records with their terms, ordinals as given); returns their paths.

    ``speakers``: with its name table (a build's staged batches need none); a table that cannot be
    stored (index.speaker_table) is left out, and the segment is read without it."""
    from index.directory import write_atomic

    names = segment_files(generation, ann is not None)
    paths = [index_dir / name for name in names]
    write_npy(paths[0], np.asarray(columns, dtype=np.int64).reshape(-1, len(COLUMNS)))
    write_npy(paths[1], np.asarray(vectors, dtype=np.float32))
    write_articles(paths[2], records)
    if ann is not None:
        # Imported only here: an add's small segment has no graph, and FAISS costs a fresh process 0.05 s.
        import faiss

        write_atomic(paths[4], faiss.serialize_index(ann).tobytes())
    if speakers:
        builder = TableBuilder()
        for record in records:
            builder.add(record.people, record.statements)
        speakers = builder.write(paths[3])
    return [p for i, p in enumerate(paths) if i != 3 or speakers]


def open_segment(index_dir: Path, generation: int, dim: int, kind: str, ann: Any = None,
                 speakers: bool = False) -> Segment:
    """A segment written by :func:`write_segment`; ``ann`` is its approximate index when already in memory,
    ``speakers`` whether it has a name table (the manifest lists it)."""
    columns = np.load(index_dir / f"chunks-{generation}.npy", mmap_mode="r", allow_pickle=False)
    vectors = np.load(index_dir / f"vectors-{generation}.npy", mmap_mode="r", allow_pickle=False)
    if columns.ndim != 2 or columns.shape[1] != len(COLUMNS) or columns.dtype != np.int64:
        raise ValueError(f"the chunk columns of segment {generation} have shape {columns.shape}")
    if vectors.ndim != 2 or vectors.shape != (columns.shape[0], dim) or vectors.dtype != np.float32:
        raise ValueError(f"segment {generation} holds {vectors.shape} vectors for {columns.shape[0]} chunks")
    table = ArticleTable(index_dir / f"articles-{generation}.sqlite")
    # Plain arrays over the same mapped pages: indexing a np.memmap wraps every result in a new memmap,
    # which cost more than the look-ups themselves on the question path.
    segment = Segment(generation, np.asarray(columns), np.asarray(vectors), table, ann, kind)
    if kind != "flat" and ann is None:
        segment.ann_file = index_dir / f"ann-{generation}.faiss"
    if kind == "ivf" and ann is not None:
        segment.lists = int(ann.nlist)
    if ann is not None:
        segment.depth = _depth(ann, kind)
    if speakers:
        segment.speaker_table = SpeakerTable.read(index_dir / table_name(generation), len(segment.article_ids))
    return segment
