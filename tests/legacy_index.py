"""Writes an index in format 2 (one JSON generation), as QuoteBot did before segments, for the tests
that check such an index still loads."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from index.manifest import MANIFEST, Band, Counts, Manifest
from index.records import ChunkRow
from index.snapshot import IndexData


def write_format_2(index_dir: Path, data: IndexData, generation: int = 1) -> None:
    import faiss

    index_dir.mkdir(parents=True, exist_ok=True)
    terms = data.terms()
    records = [replace(data.articles[aid], terms=terms[aid]) for aid in sorted(data.articles)]
    chunks = sorted(data.chunks())
    vectors = faiss.IndexIDMap2(faiss.IndexFlatIP(data.dim))
    matrix = np.stack([_vector(data, cid) for cid, _ in chunks]).astype(np.float32)
    vectors.add_with_ids(matrix, np.array([cid for cid, _ in chunks], dtype=np.int64))
    g = generation
    (index_dir / f"vectors-{g}.faiss").write_bytes(faiss.serialize_index(vectors).tobytes())
    lines = [ChunkRow(cid, chunk, hashlib.sha256(chunk.text.encode()).hexdigest()).json_line() for cid, chunk in chunks]
    (index_dir / f"chunks-{g}.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    articles = ",\n".join(r.json_text() for r in records)
    words = json.dumps(data.user_words, ensure_ascii=False)
    (index_dir / f"articles-{g}.json").write_text(f'{{"articles": [\n{articles}\n], "user_words": {words}}}\n',
                                                  encoding="utf-8")
    (index_dir / f"terms-{g}.jsonl").write_text("".join(r.terms_line() + "\n" for r in records), encoding="utf-8")
    # Format 2's BM25 was bm25s's score matrix (a test dependency now: the index never reads it again).
    import bm25s

    retriever = bm25s.BM25(method="lucene", k1=0.7, b=0.5)
    retriever.index([p or ["\u2205"] for aid in sorted(terms) for p in terms[aid]], show_progress=False)
    retriever.save(str(index_dir / f"bm25-{g}"), show_progress=False)
    files = {p.relative_to(index_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(index_dir.rglob("*")) if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")
             and p.name != "generations.jsonl"}
    manifest = Manifest(format=2, generation=g, embedder=data.embedder, dim=data.dim,
                        counts=Counts(articles=len(records), chunks=len(chunks)), files=files,
                        calibration=Band(floor=data.calibration.floor, ceiling=data.calibration.ceiling))
    (index_dir / MANIFEST).write_bytes(manifest.to_bytes())


def _vector(data: IndexData, chunk_id: int) -> np.ndarray:
    for segment in data.segments:
        rows = np.flatnonzero(segment.ids == chunk_id)
        if rows.size:
            return np.asarray(segment.vectors[rows[0]])
    raise KeyError(chunk_id)
