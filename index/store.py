"""An index generation on disk: FAISS vectors, chunk and article metadata (JSON), BM25 data.

Each save writes a new generation of files beside the old one, each through a temporary file and
``os.replace``, and only then replaces ``manifest.json``, which names the live generation and the
checksum of every file. A crash at any point leaves the previous manifest pointing at whole files.
Loading verifies the format, the embedder and every checksum: a damaged index is never served.
Which files may be deleted, and when, is :mod:`index.directory`'s business.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index import directory
from index.errors import IndexCorruptError, IndexMismatchError, IndexStoreError
from index.manifest import FORMAT_VERSION, MANIFEST, REBUILD_HINT, Counts, Manifest, read_manifest
from index.records import ArticleInfo, Chunk, Paragraph, sections_of

# BM25 saturation and length normalisation (measured on the dev sets: benchmarks/README.md).
BM25_K1 = 0.7
BM25_B = 0.5


@dataclass
class ChunkRow:
    """A stored chunk: the chunk, its vector id and its content hash (the embedding cache key)."""

    id: int
    chunk: Chunk
    hash: str
    # Serialised once: saving an index must not re-encode every unchanged chunk.
    _line: str | None = field(default=None, init=False, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "hash": self.hash, **asdict(self.chunk)}

    def json_line(self) -> str:
        if self._line is None:
            self._line = json.dumps(self.to_json(), ensure_ascii=False)
        return self._line

    @staticmethod
    def from_json(raw: dict[str, Any]) -> ChunkRow:
        raw = dict(raw)
        chunk_id, digest = raw.pop("id"), raw.pop("hash")
        return ChunkRow(chunk_id, Chunk(**raw), digest)


@dataclass
class ArticleRecord:
    """A stored article: what it is, where it came from, and its paragraphs (for context)."""

    article_id: str
    title: str
    source: str
    content_hash: str
    paragraphs: list[Paragraph]
    chunk_ids: list[int]
    # BM25 terms of each paragraph, kept so an update never re-tokenises unchanged articles.
    terms: list[list[str]] = field(default_factory=list)
    # Filled by the who-said-what extraction; plain JSON-able dicts.
    people: list[dict[str, Any]] = field(default_factory=list)
    statements: list[dict[str, Any]] = field(default_factory=list)
    # Serialised once (``dataclasses.replace`` starts a new record without it).
    _json: str | None = field(default=None, init=False, repr=False, compare=False)

    def json_text(self) -> str:
        if self._json is None:
            self._json = json.dumps(self.to_json(), ensure_ascii=False)
        return self._json

    @property
    def sections(self) -> list[str]:
        return sections_of(self.paragraphs)

    def info(self) -> ArticleInfo:
        return ArticleInfo(
            article_id=self.article_id,
            title=self.title,
            source=self.source,
            sections=self.sections,
            chunks=len(self.chunk_ids),
            chars=sum(len(p.text) for p in self.paragraphs),
            content_hash=self.content_hash,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "content_hash": self.content_hash,
            "paragraphs": [asdict(p) for p in self.paragraphs],
            "chunk_ids": self.chunk_ids,
            "terms": self.terms,
            "people": self.people,
            "statements": self.statements,
        }

    @staticmethod
    def from_json(raw: dict[str, Any]) -> ArticleRecord:
        return ArticleRecord(
            article_id=raw["article_id"],
            title=raw["title"],
            source=raw["source"],
            content_hash=raw["content_hash"],
            paragraphs=[Paragraph(**p) for p in raw["paragraphs"]],
            chunk_ids=list(raw["chunk_ids"]),
            terms=[list(t) for t in raw.get("terms", [])],
            people=list(raw.get("people", [])),
            statements=list(raw.get("statements", [])),
        )


@dataclass
class IndexData:
    """Everything an index holds, in memory.

    ``rows`` are the chunks, whose vectors FAISS holds; BM25 documents are whole paragraphs, in the
    order of :func:`passage_keys`.
    """

    embedder: str
    dim: int
    vectors: Any  # faiss.IndexIDMap2 over IndexFlatIP; ids are ChunkRow.id
    rows: list[ChunkRow]
    articles: dict[str, ArticleRecord]
    bm25: Any  # bm25s.BM25 over paragraphs, or None when there are none
    user_words: list[str]
    generation: int = 0

    @staticmethod
    def empty(embedder: str, dim: int) -> IndexData:
        return IndexData(embedder, dim, new_vector_index(dim), [], {}, None, [])

    @property
    def next_id(self) -> int:
        """The next free chunk id, derived from the chunks themselves: a stored counter could disagree."""
        return max((row.id for row in self.rows), default=-1) + 1


def new_vector_index(dim: int) -> Any:
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def _bm25s() -> Any:
    """bm25s, with its logger back at WARNING: importing it sets the logger to DEBUG, which would
    print "Building index from tokens" on every update."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def passage_keys(articles: dict[str, ArticleRecord]) -> list[tuple[str, int]]:
    """(article id, paragraph number) of every BM25 document, in document order."""
    return [(aid, p.number) for aid in sorted(articles) for p in articles[aid].paragraphs]


def build_bm25(articles: dict[str, ArticleRecord]) -> Any:
    """BM25 over paragraph terms (never bm25s's own splitter, which keeps Chinese clauses whole)."""
    docs = [articles[aid].terms[n] for aid, n in passage_keys(articles)]
    if not docs:
        return None
    retriever = _bm25s().BM25(method="lucene", k1=BM25_K1, b=BM25_B)
    # An empty document would make bm25s drop it and shift every later one.
    retriever.index([terms or ["\u2205"] for terms in docs], show_progress=False)
    return retriever


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def exists(index_dir: Path) -> bool:
    return (index_dir / MANIFEST).is_file()


def check_compatible(manifest: Manifest, index_dir: Path, embedder: str, dim: int) -> None:
    if manifest.embedder != embedder or manifest.dim != dim:
        raise IndexMismatchError(
            f"The index at {index_dir} was built with embedder '{manifest.embedder}' "
            f"(dim {manifest.dim}), but the config uses '{embedder}' (dim {dim}); {REBUILD_HINT}."
        )


def load(index_dir: Path, embedder: str, dim: int) -> IndexData:
    """Load and verify the live generation of an index directory.

    A writer may replace the generation between our reading the manifest and opening its files; old
    generations stay for a grace period, and if one is gone all the same, the new manifest is read once
    more: losing that race is not damage.
    """
    manifest = read_manifest(index_dir)
    try:
        return _load_generation(index_dir, manifest, embedder, dim)
    except FileNotFoundError as exc:
        again = read_manifest(index_dir)
        if again.generation == manifest.generation:
            raise IndexCorruptError(f"The index file {exc.filename} is missing; {REBUILD_HINT}.") from exc
    try:
        return _load_generation(index_dir, again, embedder, dim)
    except FileNotFoundError as exc:
        raise IndexCorruptError(f"The index file {exc.filename} is missing; {REBUILD_HINT}.") from exc


def _load_generation(index_dir: Path, manifest: Manifest, embedder: str, dim: int) -> IndexData:
    import faiss

    check_compatible(manifest, index_dir, embedder, dim)
    for name, expected in manifest.files.items():
        path = index_dir / name
        if not path.is_file():
            raise FileNotFoundError(2, "missing", str(path))
        if _sha256(path) != expected:
            raise IndexCorruptError(f"The index file {path} does not match its checksum; {REBUILD_HINT}.")
    gen = manifest.generation
    try:
        vectors = faiss.read_index(str(index_dir / f"vectors-{gen}.faiss"))
        with (index_dir / f"chunks-{gen}.jsonl").open(encoding="utf-8") as fh:
            rows = [ChunkRow.from_json(json.loads(line)) for line in fh if line.strip()]
        meta = json.loads((index_dir / f"articles-{gen}.json").read_text(encoding="utf-8"))
        articles = {a["article_id"]: ArticleRecord.from_json(a) for a in meta["articles"]}
        bm25 = None
        if any(a.paragraphs for a in articles.values()):
            bm25 = _bm25s().BM25.load(str(index_dir / f"bm25-{gen}"), show_progress=False)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexCorruptError(f"The index at {index_dir} cannot be read ({exc}); {REBUILD_HINT}.") from exc
    data = IndexData(
        embedder=embedder,
        dim=dim,
        vectors=vectors,
        rows=rows,
        articles=articles,
        bm25=bm25,
        user_words=list(meta.get("user_words", [])),
        generation=gen,
    )
    _check_consistent(data, index_dir)
    return data


def _check_consistent(data: IndexData, index_dir: Path) -> None:
    """Chunk ids are unique, each article owns exactly its own chunks, and FAISS holds one vector each."""
    problem = None
    ids = [row.id for row in data.rows]
    owners = {row.id: row.chunk.article_id for row in data.rows}
    if data.vectors.ntotal != len(ids):
        problem = f"it holds {data.vectors.ntotal} vectors for {len(ids)} chunks"
    elif len(set(ids)) != len(ids):
        problem = "two chunks share an id"
    else:
        listed = [cid for record in data.articles.values() for cid in record.chunk_ids]
        if len(listed) != len(ids) or any(owners.get(cid) != aid for aid, record in data.articles.items()
                                           for cid in record.chunk_ids):
            problem = "its articles and chunks disagree"
    if problem is not None:
        raise IndexCorruptError(f"The index at {index_dir} is inconsistent ({problem}); {REBUILD_HINT}.")


def save(index_dir: Path, data: IndexData) -> int:
    """Write ``data`` as a new generation and make it live; returns the generation number.

    The caller holds the directory's write lock and has claimed it (:func:`index.directory.claim`).
    """
    import faiss

    gen = directory.next_generation(index_dir)
    names = [f"vectors-{gen}.faiss", f"chunks-{gen}.jsonl", f"articles-{gen}.json"]
    if data.bm25 is not None:
        names.append(f"bm25-{gen}")
    files: dict[str, str] = {}
    try:
        directory.record(index_dir, gen, names)
        write = directory.write_atomic
        write(index_dir / names[0], faiss.serialize_index(data.vectors).tobytes())
        write(index_dir / names[1], "".join(r.json_line() + "\n" for r in data.rows).encode("utf-8"))
        articles = ",\n".join(a.json_text() for a in data.articles.values())
        words = json.dumps(data.user_words, ensure_ascii=False)
        write(index_dir / names[2], f'{{"articles": [\n{articles}\n], "user_words": {words}}}\n'.encode())
        written = [index_dir / name for name in names[:3]]
        if data.bm25 is not None:
            written += _save_bm25(index_dir / names[3], data.bm25)
        for path in written:
            files[path.relative_to(index_dir).as_posix()] = _sha256(path)
        manifest = Manifest(
            format=FORMAT_VERSION,
            generation=gen,
            embedder=data.embedder,
            dim=data.dim,
            counts=Counts(articles=len(data.articles), chunks=len(data.rows)),
            files=files,
            updated=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        )
        directory.fsync_dir(index_dir)
        write(index_dir / MANIFEST, manifest.to_bytes())
        directory.fsync_dir(index_dir)
        directory.mark_live(index_dir, gen)
    except OSError as exc:
        raise IndexStoreError(f"Cannot write the index at {index_dir}: {exc.strerror or exc}.") from exc
    data.generation = gen
    directory.retire(index_dir, gen)
    return gen


def _save_bm25(target: Path, bm25: Any) -> list[Path]:
    """bm25s writes a folder of files: write it under a temporary name, sync it, then rename it."""
    staging = target.with_name(target.name + ".tmp")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        bm25.save(str(staging), show_progress=False)
        for item in staging.iterdir():
            with item.open("rb+") as fh:
                os.fsync(fh.fileno())
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(target.iterdir())
