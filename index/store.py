"""The index directory: a manifest, FAISS vectors, chunk and article metadata (JSON), BM25 data.

Each save writes a new generation of files beside the old one, each through a temporary file and
``os.replace``, and only then replaces ``manifest.json``, which names the live generation and the
checksum of every file. A crash at any point leaves the previous manifest pointing at whole files.
Loading verifies the format, the embedder and every checksum: a damaged index is never served.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.errors import IndexCorruptError, IndexMismatchError, IndexStoreError
from index.records import ArticleInfo, Chunk, Paragraph, sections_of

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
REBUILD_HINT = "rebuild it with 'quotebot index build'"
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
    next_id: int
    generation: int = 0

    @staticmethod
    def empty(embedder: str, dim: int) -> IndexData:
        return IndexData(embedder, dim, new_vector_index(dim), [], {}, None, [], 0)


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


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time, across processes (the bot and a CLI may both update an index)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def exists(index_dir: Path) -> bool:
    return (index_dir / MANIFEST).is_file()


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = index_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexStoreError(f"No index at {index_dir}; build one with 'quotebot index build'.") from exc
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"The index manifest {path} cannot be read ({exc}); {REBUILD_HINT}.") from exc
    if not isinstance(manifest, dict):
        raise IndexCorruptError(f"The index manifest {path} is not a JSON object; {REBUILD_HINT}.")
    return manifest


def check_compatible(manifest: dict[str, Any], index_dir: Path, embedder: str, dim: int) -> None:
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"The index at {index_dir} has format {manifest.get('format')!r}, this QuoteBot reads format "
            f"{FORMAT_VERSION}; {REBUILD_HINT}."
        )
    if manifest.get("embedder") != embedder or manifest.get("dim") != dim:
        raise IndexMismatchError(
            f"The index at {index_dir} was built with embedder '{manifest.get('embedder')}' "
            f"(dim {manifest.get('dim')}), but the config uses '{embedder}' (dim {dim}); {REBUILD_HINT}."
        )


def load(index_dir: Path, embedder: str, dim: int) -> IndexData:
    """Load and verify the live generation of an index directory."""
    import faiss

    manifest = read_manifest(index_dir)
    check_compatible(manifest, index_dir, embedder, dim)
    files: dict[str, str] = manifest.get("files", {})
    for name, expected in files.items():
        path = index_dir / name
        if not path.is_file():
            raise IndexCorruptError(f"The index file {path} is missing; {REBUILD_HINT}.")
        if _sha256(path) != expected:
            raise IndexCorruptError(f"The index file {path} does not match its checksum; {REBUILD_HINT}.")
    gen = int(manifest["generation"])
    try:
        vectors = faiss.read_index(str(index_dir / f"vectors-{gen}.faiss"))
        with (index_dir / f"chunks-{gen}.jsonl").open(encoding="utf-8") as fh:
            rows = [ChunkRow.from_json(json.loads(line)) for line in fh if line.strip()]
        meta = json.loads((index_dir / f"articles-{gen}.json").read_text(encoding="utf-8"))
        articles = {a["article_id"]: ArticleRecord.from_json(a) for a in meta["articles"]}
        bm25 = None
        if any(a.paragraphs for a in articles.values()):
            bm25 = _bm25s().BM25.load(str(index_dir / f"bm25-{gen}"), show_progress=False)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexCorruptError(f"The index at {index_dir} cannot be read ({exc}); {REBUILD_HINT}.") from exc
    if vectors.ntotal != len(rows):
        raise IndexCorruptError(
            f"The index at {index_dir} holds {vectors.ntotal} vectors for {len(rows)} chunks; {REBUILD_HINT}."
        )
    return IndexData(
        embedder=embedder,
        dim=dim,
        vectors=vectors,
        rows=rows,
        articles=articles,
        bm25=bm25,
        user_words=list(meta.get("user_words", [])),
        next_id=int(manifest.get("next_id", 0)),
        generation=gen,
    )


def save(index_dir: Path, data: IndexData) -> int:
    """Write ``data`` as a new generation and make it live; returns the generation number."""
    import faiss

    index_dir.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(index_dir).get("generation", 0) if exists(index_dir) else 0
    gen = max(int(previous), data.generation) + 1
    files: dict[str, str] = {}
    try:
        vec_path = index_dir / f"vectors-{gen}.faiss"
        _write_atomic(vec_path, faiss.serialize_index(data.vectors).tobytes())
        chunks = "".join(r.json_line() + "\n" for r in data.rows)
        _write_atomic(index_dir / f"chunks-{gen}.jsonl", chunks.encode("utf-8"))
        articles = ",\n".join(a.json_text() for a in data.articles.values())
        words = json.dumps(data.user_words, ensure_ascii=False)
        meta = f'{{"articles": [\n{articles}\n], "user_words": {words}}}\n'
        _write_atomic(index_dir / f"articles-{gen}.json", meta.encode("utf-8"))
        if data.bm25 is not None:
            bm25_dir = index_dir / f"bm25-{gen}"
            staging = Path(tempfile.mkdtemp(prefix=f"bm25-{gen}.", suffix=".tmp", dir=index_dir))
            data.bm25.save(str(staging), show_progress=False)
            for item in staging.iterdir():
                with item.open("rb+") as fh:
                    os.fsync(fh.fileno())
            if bm25_dir.exists():
                shutil.rmtree(bm25_dir)
            os.replace(staging, bm25_dir)
        written = [index_dir / f"{name}-{gen}{ext}" for name, ext in
                   (("vectors", ".faiss"), ("chunks", ".jsonl"), ("articles", ".json"))]
        if data.bm25 is not None:
            written += sorted((index_dir / f"bm25-{gen}").iterdir())
        for path in written:
            files[path.relative_to(index_dir).as_posix()] = _sha256(path)
        manifest = {
            "format": FORMAT_VERSION,
            "generation": gen,
            "embedder": data.embedder,
            "dim": data.dim,
            "counts": {"articles": len(data.articles), "chunks": len(data.rows)},
            "files": files,
            "next_id": data.next_id,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        _fsync_dir(index_dir)
        _write_atomic(index_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
        _fsync_dir(index_dir)
    except OSError as exc:
        raise IndexStoreError(f"Cannot write the index at {index_dir}: {exc}.") from exc
    data.generation = gen
    _remove_other_generations(index_dir, gen)
    return gen


def _remove_other_generations(index_dir: Path, keep: int) -> None:
    """Delete leftovers; the previous generation stays, for a reader that loaded its manifest just now."""
    for path in index_dir.iterdir():
        if path.name in (MANIFEST, ".lock"):
            continue
        generation = path.name.split(".", 1)[0].rsplit("-", 1)[-1]
        if generation in (str(keep), str(keep - 1)) and not path.name.endswith(".tmp"):
            continue
        with contextlib.suppress(OSError):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
