"""The FAISS side of an index: one vector per chunk, its id the chunk's id."""

from __future__ import annotations

from typing import Any

import numpy as np


def new_vector_index(dim: int) -> Any:
    """An empty exact inner-product index (vectors are L2-normalised, so this is cosine)."""
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def stored_vectors(vectors: Any, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """A read-only view of the vectors FAISS holds (no copy), and the chunk id of each row.

    The view stays valid because a live index is never modified: updates work on a clone.
    """
    import faiss

    flat: Any = faiss.downcast_index(vectors.index)
    n = vectors.ntotal
    if n == 0:
        return np.zeros((0, dim), dtype=np.float32), np.zeros(0, dtype=np.int64)
    matrix = faiss.rev_swig_ptr(flat.get_xb(), n * dim).reshape(n, dim)
    return matrix, faiss.vector_to_array(vectors.id_map).astype(np.int64)
