"""An index generation on disk: FAISS vectors, chunk and article metadata (JSON), BM25 terms, BM25 postings.

Each save writes a new generation of files beside the old one, each through a temporary file and
``os.replace``, and only then replaces ``manifest.json``, which names the live generation and the
checksum of every file. A crash at any point leaves the previous manifest pointing at whole files.
Loading verifies the format, the embedder and every checksum: a damaged index is never served. The
terms file (each paragraph's BM25 terms, most of the index's size) is read and verified only when an
update needs it (:func:`read_terms`): answering questions never does. The BM25 postings
(:mod:`index.postings`, ``postings-N/``) are memory-mapped; an index of format 1 or 2 (bm25s's matrix)
gets its postings built from its stored terms when it is loaded, and written in format 3 by its next update.
Which files may be deleted, and when, is :mod:`index.directory`'s business.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from index import directory
from index.errors import IndexCorruptError, IndexMismatchError, IndexStoreError
from index.lexical import build_bm25, load_bm25, save_bm25
from index.manifest import (
    FORMAT_VERSION,
    MANIFEST,
    REBUILD_HINT,
    Band,
    Counts,
    Manifest,
    VectorIndex,
    read_manifest,
)
from index.postings import Postings
from index.records import ArticleRecord, Calibration, ChunkRow, IndexData, StoredFiles
from index.vectors import graph_parameters, kind_of, set_search_depth


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
    gen = manifest.generation
    terms_name = f"terms-{gen}.jsonl"
    for name, expected in manifest.files.items():
        path = index_dir / name
        if not path.is_file():
            raise FileNotFoundError(2, "missing", str(path))
        if name != terms_name and _sha256(path) != expected:
            raise IndexCorruptError(f"The index file {path} does not match its checksum; {REBUILD_HINT}.")
    try:
        vectors = faiss.read_index(str(index_dir / f"vectors-{gen}.faiss"))
        kind = kind_of(vectors)
        if kind != manifest.vector_index.kind:
            raise ValueError(f"the manifest says a {manifest.vector_index.kind} vector index, the file holds {kind}")
        set_search_depth(vectors, manifest.vector_index.ef_search)
        with (index_dir / f"chunks-{gen}.jsonl").open(encoding="utf-8") as fh:
            rows = [ChunkRow.from_json(json.loads(line)) for line in fh if line.strip()]
        meta = json.loads((index_dir / f"articles-{gen}.json").read_text(encoding="utf-8"))
        articles = {a["article_id"]: ArticleRecord.from_json(a) for a in meta["articles"]}
        bm25 = None
        if manifest.format >= 3 and any(a.paragraphs for a in articles.values()):
            bm25 = load_bm25(index_dir / f"postings-{gen}")
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexCorruptError(f"The index at {index_dir} cannot be read ({exc}); {REBUILD_HINT}.") from exc
    data = IndexData(
        embedder=embedder,
        dim=dim,
        calibration=Calibration(manifest.calibration.floor, manifest.calibration.ceiling),
        vectors=vectors,
        rows=rows,
        articles=articles,
        bm25=bm25,
        user_words=list(meta.get("user_words", [])),
        generation=gen,
    )
    chunks_name = f"chunks-{gen}.jsonl"
    terms = (index_dir / terms_name, manifest.files[terms_name]) if terms_name in manifest.files else None
    data.stored = StoredFiles(terms, (index_dir / chunks_name, manifest.files[chunks_name]))
    _check_consistent(data, index_dir)
    if manifest.format < 3:
        data.bm25 = _postings_of_old_format(data)
    return data


def _postings_of_old_format(data: IndexData) -> Postings | None:
    """BM25 postings built from the stored terms of an index written before format 3 (bm25s's matrix,
    which this version no longer reads); the live articles keep no terms, as after any load."""
    articles = dict(data.articles)
    if data.stored is not None and data.stored.terms is not None:
        scratch = replace(data, articles=articles)
        _read_terms(scratch, *data.stored.terms)
        articles = scratch.articles
    return build_bm25(articles)


def prepare_update(data: IndexData) -> None:
    """Read what an update of loaded ``data`` needs and answering does not (in place, once).

    Every article gets its stored BM25 terms, and every chunk row the line it is stored as. Call it on
    a private copy (an update's) whose rows are still those loaded: the live index keeps its articles
    without terms.
    """
    if data.stored is None:
        return
    if data.stored.terms is not None:
        _read_terms(data, *data.stored.terms)
    lines = [line for line in _verified_text(*data.stored.chunks).splitlines() if line.strip()]
    # The rows are in file order; should they not be, every row is simply encoded again when saved.
    if len(lines) == len(data.rows) and all(
        line.startswith(f'{{"id": {row.id}, ') for row, line in zip(data.rows, lines, strict=True)
    ):
        for row, line in zip(data.rows, lines, strict=True):
            row.keep_line(line)
    data.stored = None


def _verified_text(path: Path, expected: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise IndexCorruptError(f"The index file {path} is missing; {REBUILD_HINT}.") from exc
    except OSError as exc:
        raise IndexStoreError(f"Cannot read the index file {path}: {exc.strerror or exc}.") from exc
    if hashlib.sha256(raw).hexdigest() != expected:
        raise IndexCorruptError(f"The index file {path} does not match its checksum; {REBUILD_HINT}.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IndexCorruptError(f"The index file {path} cannot be read ({exc}); {REBUILD_HINT}.") from exc


def _read_terms(data: IndexData, path: Path, expected: str) -> None:
    terms: dict[str, tuple[list[list[str]], str]] = {}
    try:
        for line in _verified_text(path, expected).splitlines():
            if line.strip():
                entry = json.loads(line)
                paragraphs = entry["terms"]
                # The checksum vouches for the content; this catches a file of another shape.
                if not isinstance(paragraphs, list) or not all(isinstance(p, list) for p in paragraphs):
                    raise TypeError(f"the terms of '{entry['article_id']}' are not lists")
                terms[str(entry["article_id"])] = (paragraphs, line)
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptError(f"The index file {path} cannot be read ({exc}); {REBUILD_HINT}.") from exc
    for aid, record in data.articles.items():
        found = terms.get(aid)
        if found is None or len(found[0]) != len(record.paragraphs):
            raise IndexCorruptError(
                f"The index file {path} does not hold the terms of article '{aid}'; {REBUILD_HINT}."
            )
        data.articles[aid] = updated = replace(record, terms=found[0])
        updated.keep_terms_line(found[1])


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

    if data.stored is not None and data.stored.terms is not None:
        raise ValueError("the articles' terms were not read (store.prepare_update) before saving")
    gen = directory.next_generation(index_dir)
    names = [f"vectors-{gen}.faiss", f"chunks-{gen}.jsonl", f"articles-{gen}.json", f"terms-{gen}.jsonl"]
    if data.bm25 is not None:
        names.append(f"postings-{gen}")
    files: dict[str, str] = {}
    try:
        directory.record(index_dir, gen, names)
        write = directory.write_atomic
        write(index_dir / names[0], faiss.serialize_index(data.vectors).tobytes())
        write(index_dir / names[1], "".join(r.json_line() + "\n" for r in data.rows).encode("utf-8"))
        articles = ",\n".join(a.json_text() for a in data.articles.values())
        words = json.dumps(data.user_words, ensure_ascii=False)
        write(index_dir / names[2], f'{{"articles": [\n{articles}\n], "user_words": {words}}}\n'.encode())
        write(index_dir / names[3], "".join(a.terms_line() + "\n" for a in data.articles.values()).encode("utf-8"))
        written = [index_dir / name for name in names[:4]]
        if data.bm25 is not None:
            written += save_bm25(index_dir / names[4], data.bm25)
            # Served from the mapped files from now on, not from the arrays the update built in memory.
            data.bm25 = load_bm25(index_dir / names[4])
        for path in written:
            files[path.relative_to(index_dir).as_posix()] = _sha256(path)
        manifest = Manifest(
            format=FORMAT_VERSION,
            generation=gen,
            embedder=data.embedder,
            dim=data.dim,
            counts=Counts(articles=len(data.articles), chunks=len(data.rows)),
            files=files,
            calibration=Band(floor=data.calibration.floor, ceiling=data.calibration.ceiling),
            updated=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            vector_index=_vector_index(data.vectors),
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


def _vector_index(vectors: Any) -> VectorIndex:
    m, ef_search = graph_parameters(vectors)
    return VectorIndex(kind=kind_of(vectors), m=m, ef_search=ef_search)
