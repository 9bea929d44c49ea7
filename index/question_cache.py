"""Question vectors remembered in memory, and on disk: a question asked again skips the model.

Embedding a question is most of a warm answer's time (about 19 of 21.5 ms on the bundled model), and
users repeat questions (the same headline news, "more" pages, inline queries typed letter by letter
that end the same). The cache sits in front of the embedder, so it outlives index updates: a question's
vector depends on the model alone, not on the index. Behind the memory, the persistent embedding cache
keeps question vectors by content hash under their own model key (e5 embeds a question with another
prefix than a passage), so a question asked before a restart skips the model too.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from index.embedders import Embedder
from index.embedding_cache import EmbeddingCache, content_hash
from index.errors import QuoteBotError

_LOG = logging.getLogger(__name__)

# 1,024 vectors of 384 floats: 1.5 MB.
QUESTION_CACHE_SIZE = 1024


def query_key(model: str) -> str:
    """The embedding cache's model key for question vectors: never a passage's key."""
    return f"{model}#query"


class CachedQuestions:
    """An :class:`Embedder` that remembers the last ``size`` question vectors (least recently used out).

    Safe to share between threads. Each call returns a new array: no caller can change the cached vectors.
    """

    def __init__(
        self,
        embedder: Embedder,
        size: int = QUESTION_CACHE_SIZE,
        store: Callable[[], EmbeddingCache | None] | None = None,
    ) -> None:
        if size < 0:
            raise ValueError(f"The question cache size must be 0 or more, not {size}.")
        self.embedder = embedder
        self.size = size
        # The persistent cache, opened on first use (None: memory only).
        self.store = store
        self.hits = 0
        self.misses = 0
        self.stored_hits = 0
        self._write_pool: ThreadPoolExecutor | None = None
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.embedder.name

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.encode_passages(texts)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                vector = self._vectors.get(text)
                if vector is not None:
                    self._vectors.move_to_end(text)
                    found[text] = vector
            self.hits += sum(1 for t in texts if t in found)
            self.misses += sum(1 for t in texts if t not in found)
        # The model runs outside the lock: other threads' cached questions need not wait for it.
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = self._stored_or_embedded(missing)
            with self._lock:
                for text, row in zip(missing, fresh, strict=True):
                    vector = row.copy()
                    found[text] = vector
                    if self.size:
                        self._vectors[text] = vector
                        self._vectors.move_to_end(text)
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def _stored_or_embedded(self, texts: list[str]) -> np.ndarray:
        """Vectors of ``texts`` from the persistent cache, the model embedding the rest (and storing them)."""
        store = self._open_store()
        if store is None:
            return np.asarray(self.embedder.encode_queries(texts), dtype=np.float32)
        key = query_key(self.embedder.name)
        hashes = [content_hash(t) for t in texts]
        try:
            known = {h: v for h, v in store.get(key, hashes).items() if v.shape == (self.embedder.dim,)}
        except sqlite3.Error as exc:  # a damaged or locked cache costs the model call, never the answer
            _LOG.warning("Cannot read question vectors from the embedding cache: %s", exc)
            known = {}
        todo = [i for i, h in enumerate(hashes) if h not in known]
        if todo:
            fresh = np.asarray(self.embedder.encode_queries([texts[i] for i in todo]), dtype=np.float32)
            new = {hashes[i]: row.copy() for i, row in zip(todo, fresh, strict=True)}
            known.update(new)
            # Written by one background thread: a cache that another process is writing to (an index
            # build) may be locked for a while, and the question must not wait for it.
            self._writer().submit(self._put, store, key, new)
        with self._lock:
            self.stored_hits += len(texts) - len(todo)
        return np.stack([known[h] for h in hashes])

    def _open_store(self) -> EmbeddingCache | None:
        if self.store is None:
            return None
        try:
            return self.store()
        except QuoteBotError as exc:
            _LOG.warning("Question vectors stay in memory only: %s", exc)
            self.store = None
            return None

    def _writer(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._write_pool is None:
                self._write_pool = ThreadPoolExecutor(1, thread_name_prefix="question-vectors")
            return self._write_pool

    @staticmethod
    def _put(store: EmbeddingCache, key: str, vectors: dict[str, np.ndarray]) -> None:
        try:
            store.put(key, vectors)
        except sqlite3.Error as exc:
            _LOG.warning("Cannot store question vectors in the embedding cache: %s", exc)

    def flush(self) -> None:
        """Wait until every question vector is written to the persistent cache (tests, shutdown)."""
        with self._lock:
            pool, self._write_pool = self._write_pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def __len__(self) -> int:
        return len(self._vectors)
