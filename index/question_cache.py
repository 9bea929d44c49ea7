"""Question vectors remembered in memory: a question asked again skips the model.

Embedding a question is most of a warm answer's time (about 19 of 21.5 ms on the bundled model), and
users repeat questions (the same headline news, "more" pages, inline queries typed letter by letter
that end the same). The cache sits in front of the embedder, so it outlives index updates: a question's
vector depends on the model alone, not on the index.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from index.embedders import Embedder

# 1,024 vectors of 384 floats: 1.5 MB.
QUESTION_CACHE_SIZE = 1024


class CachedQuestions:
    """An :class:`Embedder` that remembers the last ``size`` question vectors (least recently used out).

    Safe to share between threads. Each call returns a new array: no caller can change the cached vectors.
    """

    def __init__(self, embedder: Embedder, size: int = QUESTION_CACHE_SIZE) -> None:
        if size < 0:
            raise ValueError(f"The question cache size must be 0 or more, not {size}.")
        self.embedder = embedder
        self.size = size
        self.hits = 0
        self.misses = 0
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
            fresh = np.asarray(self.embedder.encode_queries(missing), dtype=np.float32)
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

    def __len__(self) -> int:
        return len(self._vectors)
