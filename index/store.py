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
import os
import shutil
import time
from pathlib import Path
from typing import Any

from index import directory
from index.errors import IndexCorruptError, IndexMismatchError, IndexStoreError
from index.lexical import load_bm25
from index.manifest import FORMAT_VERSION, MANIFEST, REBUILD_HINT, Band, Counts, Manifest, read_manifest
from index.records import ArticleRecord, Calibration, ChunkRow, IndexData


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
            bm25 = load_bm25(str(index_dir / f"bm25-{gen}"))
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
            calibration=Band(floor=data.calibration.floor, ceiling=data.calibration.ceiling),
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
