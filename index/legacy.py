"""Reading an index of format 1, 2 or 3 (one JSON generation) into a snapshot, so it keeps serving.

Those formats parse every chunk and article at start-up; the next save writes the index as format 4
segments (:mod:`index.store`). Format 1 kept each article's BM25 terms in the articles file, formats 2
and 3 in ``terms-N.jsonl``; their BM25 data (bm25s's matrix, or format 3's postings) is built again
from those terms, which every one of them holds.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from index.checks import sha256
from index.errors import IndexCorruptError
from index.lexical import build_bm25
from index.manifest import REBUILD_HINT, Manifest
from index.records import ArticleRecord, Calibration, Chunk
from index.snapshot import IndexData
from index.stored_segments import COLUMNS, MemoryArticles, Segment
from index.vectors import kind_of, stored_vectors


def load_legacy(index_dir: Path, manifest: Manifest, embedder: str, dim: int) -> IndexData:
    """The generation ``manifest`` names, verified whole, as one in-memory segment."""
    import faiss

    gen = manifest.generation
    for name, expected in manifest.files.items():
        path = index_dir / name
        if not path.is_file():
            raise FileNotFoundError(2, "missing", str(path))
        if sha256(path) != expected:
            raise IndexCorruptError(f"The index file {path} does not match its checksum; {REBUILD_HINT}.")
    try:
        vectors = faiss.read_index(str(index_dir / f"vectors-{gen}.faiss"))
        kind = kind_of(vectors)
        if kind != manifest.vector_index.kind:
            raise ValueError(f"the manifest says a {manifest.vector_index.kind} vector index, the file holds {kind}")
        with (index_dir / f"chunks-{gen}.jsonl").open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        meta = json.loads((index_dir / f"articles-{gen}.json").read_text(encoding="utf-8"))
        records = [ArticleRecord.from_json(a) for a in meta["articles"]]
        terms_path = index_dir / f"terms-{gen}.jsonl"
        if terms_path.is_file():
            terms = {}
            for line in terms_path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    entry = json.loads(line)
                    terms[str(entry["article_id"])] = [list(p) for p in entry["terms"]]
            for i, record in enumerate(records):
                found = terms.get(record.article_id)
                if found is None or len(found) != len(record.paragraphs):
                    raise ValueError(f"{terms_path.name} does not hold the terms of article '{record.article_id}'")
                records[i] = replace(record, terms=found)
        bm25 = build_bm25({r.article_id: r.terms for r in records})
        segment = _segment(gen, rows, records, vectors, dim)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexCorruptError(f"The index at {index_dir} cannot be read ({exc}); {REBUILD_HINT}.") from exc
    calibration = Calibration(manifest.calibration.floor, manifest.calibration.ceiling)
    return IndexData(embedder, dim, calibration, [segment], bm25, list(meta.get("user_words", [])), generation=gen,
                     bm25_by_segment=False)


def _segment(gen: int, rows: list[dict[str, object]], records: list[ArticleRecord], vectors: object,
             dim: int) -> Segment:
    """The chunk rows, articles and FAISS vectors of a JSON generation as one segment, checked to agree."""
    ordinal = {r.article_id: i for i, r in enumerate(records)}
    chunks = [Chunk(**{k: v for k, v in row.items() if k not in ("id", "hash")}) for row in rows]  # type: ignore[arg-type]
    ids = [int(row["id"]) for row in rows]  # type: ignore[call-overload]
    if len(set(ids)) != len(ids):
        raise ValueError("two chunks share an id")
    owner = dict(zip(ids, (c.article_id for c in chunks), strict=True))
    listed = [cid for r in records for cid in r.chunk_ids]
    if len(listed) != len(ids) or any(owner.get(cid) != r.article_id for r in records for cid in r.chunk_ids):
        raise ValueError("its articles and chunks disagree")
    matrix, stored_ids = stored_vectors(vectors, dim)
    if len(stored_ids) != len(ids):
        raise ValueError(f"it holds {len(stored_ids)} vectors for {len(ids)} chunks")
    slot = {int(cid): i for i, cid in enumerate(stored_ids)}
    table = [[cid, ordinal[c.article_id], c.paragraph, c.start, c.end] for cid, c in zip(ids, chunks, strict=True)]
    columns = np.array(table, dtype=np.int64).reshape(-1, len(COLUMNS))
    order = np.array([slot[cid] for cid in ids], dtype=np.int64)
    return Segment(gen, columns, np.array(matrix[order], dtype=np.float32), MemoryArticles(records))
