"""A build from scratch whose memory stays flat as the corpus grows.

Articles come in batches of about :data:`BATCH_CHARS` characters. Each batch is chunked, its people
found and its chunks embedded, then written at once as a *staged* segment (chunk columns, vectors,
SQLite articles without terms) in the folder ``build-G`` of the generation G being built, and dropped
from memory. The words jieba must keep whole (people's names, quoted terms) are collected on the way.

:meth:`StreamingBuild.finish` then writes the final generation in one streaming pass: articles by id
(the order a one-batch build gives them), chunk columns and vectors copied a block at a time from the
memory-mapped staged files, terms computed once with every collected word (the terms a one-batch build
computes, since that build learns every word before tokenising), BM25 postings built per block of
paragraphs and stacked on disk (:mod:`index.posting_blocks`), and the vector index built from the
memory-mapped vectors. Chunk ids are given in input order across batches, as one batch gives them.

Nothing is live until :func:`index.store.publish` replaces the manifest. The staging folder and every
final file are noted in the ledger as generation G's before they are written
(:func:`index.directory.record`): a build that fails deletes them (:meth:`StreamingBuild.abort`); one
killed midway leaves them to the ledger, which deletes them once a later generation has been live for
the grace period. The staging folder goes as soon as G is live (no reader ever opens it).
"""

from __future__ import annotations

import contextlib
import heapq
import json
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from index import directory, store
from index.article_table import ArticleTable, write_articles
from index.directory import replacing
from index.indexing import Indexer, IndexReport
from index.lexical import SEGMENT, segment_postings
from index.records import ArticleRecord, Calibration, CleanArticle
from index.segments import build_segment, open_segment, save_segment
from index.snapshot import IndexData
from index.speaker_table import TableBuilder, table_name
from index.stored_segments import COLUMNS, ORDINAL, segment_files, write_segment
from index.stored_segments import open_segment as open_stored
from index.vectors import build_ivf, build_vector_index, kind_for

# Text per staged batch: about 20k chunks of the synthetic archive, ~0.45 GB of Python objects.
BATCH_CHARS = 2_000_000
# Articles whose terms are computed together (and one postings block) during the final pass: their
# terms are the largest Python objects of a build (about 0.2 GB per 1,000 synthetic articles).
TERMS_ARTICLES = 2000
# A generation's files and folders, and their temporaries.
_NUMBERED = re.compile(r"^(?:vectors|chunks|articles|postings|ann|words|speakers)-(\d+)(?:\..*)?$")
# Rows of vectors copied (or added to inverted lists) at a time from the staged memory-mapped files.
VECTOR_ROWS = 65536


@dataclass
class _Staged:
    number: int  # its files in the staging folder: chunks-N.npy, vectors-N.npy, articles-N.sqlite
    columns: np.ndarray  # memory-mapped chunk columns
    article_ids: list[str]
    table: ArticleTable


class StreamingBuild:
    """One build from scratch into ``index_dir`` (the caller holds its write lock)."""

    def __init__(self, index_dir: Path, indexer: Indexer, embedder: str, dim: int, calibration: Calibration,
                 flat_limit: int, ivf_limit: int, batch_chars: int = BATCH_CHARS) -> None:
        self.index_dir = index_dir
        self.indexer = indexer
        self.embedder, self.dim, self.calibration = embedder, dim, calibration
        self.flat_limit, self.ivf_limit = flat_limit, ivf_limit
        self.batch_chars = batch_chars
        self.staged: list[_Staged] = []
        self.words: set[str] = set()
        self.next_id = 0
        # Article id -> position in staged of its live version (a later copy of an id replaces it).
        self.where: dict[str, int] = {}
        self._generation: int | None = None
        self._live = False

    @property
    def count(self) -> int:
        """Articles staged so far (each id once)."""
        return len(self.where)

    def add(self, articles: Iterable[tuple[CleanArticle, str]], report: IndexReport) -> None:
        """Stage ``articles`` (with their content hashes) a batch at a time."""
        batch: list[tuple[CleanArticle, str]] = []
        chars = 0
        for item in articles:
            batch.append(item)
            chars += len(item[0].text)
            if chars >= self.batch_chars:
                self._stage(batch, report)
                batch, chars = [], 0
        if batch:
            self._stage(batch, report)

    def _stage(self, batch: list[tuple[CleanArticle, str]], report: IndexReport) -> None:
        built, words = self.indexer.chunk(batch, self.next_id)
        self.next_id += sum(len(rows) for _, rows in built)
        self.words.update(words)
        vectors, embedded = self.indexer.embed(built)
        report.embedded_chunks += embedded
        offsets = np.cumsum([0] + [len(rows) for _, rows in built])
        # The last copy of an id wins, as when one batch holds them all; its earlier chunk ids stay used.
        last = {record.article_id: i for i, (record, _) in enumerate(built)}
        keep = sorted(last.values(), key=lambda i: built[i][0].article_id)
        records = [built[i][0] for i in keep]
        columns = [[r.id, ordinal, r.chunk.paragraph, r.chunk.start, r.chunk.end]
                   for ordinal, i in enumerate(keep) for r in built[i][1]]
        picked = [np.arange(offsets[i], offsets[i + 1]) for i in keep]
        matrix = vectors[np.concatenate(picked)] if picked else np.zeros((0, self.dim), dtype=np.float32)
        folder, number = self.staging, len(self.staged) + 1
        write_segment(folder, number, records, np.array(columns, dtype=np.int64).reshape(-1, len(COLUMNS)),
                      matrix, None, speakers=False)
        table = ArticleTable(folder / f"articles-{number}.sqlite")
        cols = np.load(folder / f"chunks-{number}.npy", mmap_mode="r", allow_pickle=False)
        self.staged.append(_Staged(number, cols, [r.article_id for r in records], table))
        for aid in last:
            self.where[aid] = len(self.staged) - 1
        report.added.extend(record.info() for record, _ in built)

    @property
    def generation(self) -> int:
        """The generation being built, taken (and its staging folder noted in the ledger) at first use."""
        if self._generation is None:
            gen = directory.next_generation(self.index_dir)
            directory.record(self.index_dir, gen, [f"build-{gen}"])
            self._generation = gen
        return self._generation

    @property
    def staging(self) -> Path:
        folder = self.index_dir / f"build-{self.generation}"
        folder.mkdir(exist_ok=True)
        return folder

    # -- the final generation ------------------------------------------------------------------------

    def finish(self) -> IndexData:
        """Write the final generation from the staged batches and make it live; returns its snapshot."""
        user_words = sorted(self.words)
        self.indexer.analyzer.add_words(user_words)
        order = sorted(self.where.items())
        count = len(order)
        columns, source = self._columns(order)
        kind = kind_for(len(columns), self.flat_limit, self.ivf_limit)
        gen = self.generation
        directory.record(self.index_dir, gen, [*segment_files(gen, kind != "flat"), f"words-{gen}.json",
                                               f"postings-{gen}"])
        written = [self.index_dir / f"chunks-{gen}.npy"]
        with replacing(written[0]) as tmp, tmp.open("wb") as fh:
            np.save(fh, columns, allow_pickle=False)
        written.append(self._copy_vectors(source, self.index_dir / f"vectors-{gen}.npy"))
        del source
        blocks_dir = self.staging / "postings"
        names = TableBuilder()
        block_names = self._write_articles(self.index_dir / f"articles-{gen}.sqlite", blocks_dir, count, names)
        written.append(self.index_dir / f"articles-{gen}.sqlite")
        if names.write(self.index_dir / table_name(gen)):
            written.append(self.index_dir / table_name(gen))
        del names
        from index.posting_blocks import stack

        blocks = [open_segment(blocks_dir, name) for name in block_names]
        if blocks:
            written += stack(blocks, self.index_dir / f"postings-{gen}", SEGMENT)
        del blocks
        ann = self._ann(kind, gen, columns) if kind != "flat" else None
        if ann is not None:
            written.append(self.index_dir / f"ann-{gen}.faiss")
        words = json.dumps({"user_words": user_words}, ensure_ascii=False).encode("utf-8")
        directory.write_atomic(self.index_dir / f"words-{gen}.json", words)
        written.append(self.index_dir / f"words-{gen}.json")
        fresh = {path.relative_to(self.index_dir).as_posix(): store.file_checks(path) for path in written}
        segment = open_stored(self.index_dir, gen, self.dim, kind, ann,
                              speakers=self.index_dir / table_name(gen) in written)
        # Its postings are its files too: a later save that keeps this segment keeps them in the manifest.
        segment.files = {n: c for n, c in fresh.items() if not n.startswith("words-")}
        saved = IndexData(self.embedder, self.dim, self.calibration, [segment], None, user_words, {}, {}, gen)
        if block_names:
            # The segment's own postings (index.lexical): what an add's delta segments are scored beside.
            segment.bm25 = open_segment(self.index_dir / f"postings-{gen}", SEGMENT)
            segment.bm25_generation = gen
            saved.bm25 = segment_postings(saved)
        directory.fsync_dir(self.index_dir)
        store.publish(self.index_dir, saved, fresh)
        self._live = True
        self._delete_staged()
        directory.retire(self.index_dir, gen, keep=fresh)
        return saved

    def _columns(self, order: list[tuple[str, int]]) -> tuple[np.ndarray, np.ndarray]:
        """The final chunk columns (articles by id, their chunks in order) and, per row, (staged
        position, staged row) of its vector."""
        remaps = [np.full(len(s.article_ids), -1, dtype=np.int64) for s in self.staged]
        ordinal_of = [{aid: o for o, aid in enumerate(s.article_ids)} for s in self.staged]
        for k, (aid, s) in enumerate(order):
            remaps[s][ordinal_of[s][aid]] = k
        del ordinal_of
        parts, sources = [], []
        for s, staged in enumerate(self.staged):
            cols = np.array(staged.columns, dtype=np.int64)
            new = remaps[s][cols[:, ORDINAL]] if len(cols) else np.zeros(0, dtype=np.int64)
            live = np.flatnonzero(new >= 0)
            cols = cols[live]
            cols[:, ORDINAL] = new[live]
            parts.append(cols)
            sources.append(np.stack([np.full(live.size, s, dtype=np.int64), live], axis=1))
        columns = np.concatenate(parts) if parts else np.zeros((0, len(COLUMNS)), dtype=np.int64)
        source = np.concatenate(sources) if sources else np.zeros((0, 2), dtype=np.int64)
        # A stable sort by article keeps each article's chunks in their staged (chunk) order.
        perm = np.argsort(columns[:, ORDINAL], kind="stable")
        return np.ascontiguousarray(columns[perm]), source[perm]

    def _copy_vectors(self, source: np.ndarray, path: Path) -> Path:
        """Write the vectors of ``source`` rows as one ``.npy`` file, a block at a time; each staged
        file is mapped for one block only, so its pages do not stay resident in this process."""
        n = len(source)
        header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False,
                  "shape": (n, self.dim)}
        with replacing(path) as tmp, tmp.open("wb") as fh:
            np.lib.format.write_array_header_1_0(fh, header)
            for start in range(0, n, VECTOR_ROWS):
                part = source[start : start + VECTOR_ROWS]
                out = np.empty((len(part), self.dim), dtype=np.float32)
                for s in np.unique(part[:, 0]).tolist():
                    mine = part[:, 0] == s
                    staged = self._staged_vectors(s)
                    out[mine] = staged[part[mine, 1]]
                    del staged
                fh.write(out.tobytes())
        return path

    def _staged_vectors(self, position: int) -> np.ndarray:
        number = self.staged[position].number
        return np.load(self.staging / f"vectors-{number}.npy", mmap_mode="r", allow_pickle=False)

    def _records(self) -> Iterator[ArticleRecord]:
        """Every live staged record, articles by id, merged from the staged tables as they stream."""
        def live(s: int) -> Iterator[tuple[str, int, ArticleRecord]]:
            for _, record in self.staged[s].table.stream():
                if self.where.get(record.article_id) == s:
                    yield record.article_id, s, record

        for _, _, record in heapq.merge(*(live(s) for s in range(len(self.staged)))):
            yield record

    def _write_articles(self, path: Path, blocks_dir: Path, count: int, table: TableBuilder) -> list[str]:
        """The final articles file, terms computed a block of articles at a time with every learned
        word; each block's paragraphs become one postings block, each article goes into ``table`` (the
        segment's name table). Returns the blocks' names."""
        names: list[str] = []
        analyzer = self.indexer.analyzer

        def with_terms() -> Iterator[ArticleRecord]:
            block: list[ArticleRecord] = []
            done = 0
            for record in self._records():
                block.append(record)
                if len(block) == TERMS_ARTICLES:
                    yield from finish_block(block)
                    done += len(block)
                    self.indexer._report("terms", done, count)
                    block = []
            if block:
                yield from finish_block(block)
                self.indexer._report("terms", count, count)

        def finish_block(block: list[ArticleRecord]) -> list[ArticleRecord]:
            terms = iter(analyzer.terms_many([p.text for record in block for p in record.paragraphs]))
            out = [replace(record, terms=[next(terms) for _ in record.paragraphs]) for record in block]
            for record in out:
                table.add(record.people, record.statements)
            docs = [paragraph for record in out for paragraph in record.terms]
            if docs:
                name = f"{SEGMENT}-{len(names)}"
                save_segment(blocks_dir, name, build_segment(docs))
                names.append(name)
            return out

        written = write_articles(path, with_terms())
        if written != count:
            raise ValueError(f"the build staged {count} articles but wrote {written}")
        return names

    def _ann(self, kind: str, gen: int, columns: np.ndarray) -> Any:
        """The vector index of the final segment, built from its memory-mapped vectors; written to disk."""
        import faiss

        path = self.index_dir / f"vectors-{gen}.npy"
        n = len(columns)
        if kind == "ivf":
            def rows(start: int, stop: int) -> np.ndarray:
                return np.array(np.load(path, mmap_mode="r", allow_pickle=False)[start:stop])

            ann = build_ivf(self.dim, n, rows, VECTOR_ROWS)
        else:
            matrix = np.load(path, mmap_mode="r", allow_pickle=False)
            ann = build_vector_index(self.dim, kind, np.asarray(matrix), columns[:, 0])  # type: ignore[arg-type]
            del matrix
        with replacing(self.index_dir / f"ann-{gen}.faiss") as tmp:
            faiss.write_index(ann, str(tmp))
        return ann

    # -- cleaning up ----------------------------------------------------------------------------------

    def _delete_staged(self) -> None:
        """Delete the staging folder: no reader ever opens it."""
        for staged in self.staged:
            staged.table.close()
        self.staged = []
        if self._generation is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.index_dir / f"build-{self._generation}")

    def abort(self) -> None:
        """Delete everything this build wrote, unless it is live already."""
        self._delete_staged()
        if self._generation is None or self._live:
            return
        for path in list(self.index_dir.iterdir()):
            found = _NUMBERED.match(path.name)
            if found is None or int(found.group(1)) != self._generation:
                continue
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()

