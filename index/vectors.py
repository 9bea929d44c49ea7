"""The FAISS side of an index: one vector per chunk, its id the chunk's id.

Below :data:`FLAT_LIMIT` vectors the index is exact (flat inner product); above it, an HNSW graph,
whose search time hardly grows with the index (flat costs about 26 ms a question at 100k vectors and
165 ms at 1M; HNSW32 about 1 ms). The graph's parameters are the measured ones (:data:`HNSW_EF_SEARCH`;
benchmarks/faiss_choice.py, benchmarks/README.md). Both kinds keep every vector whole, so the search can
rescore candidates exactly (:func:`stored_vectors`).

Above :data:`IVF_LIMIT` vectors, inverted lists of 8-bit codes (IVF, SQ8): a quarter of the graph's
memory, built from a memory-mapped matrix a block at a time. Their ids are rows, not chunk ids, and the
segment rescores their candidates exactly from its memory-mapped vectors (:mod:`index.stored_segments`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np

VectorKind = Literal["flat", "hnsw", "ivf"]

# Flat search at 50k vectors takes about 13 ms; past that the graph pays for its build and memory.
FLAT_LIMIT = 50_000
HNSW_M = 32
# How wide a node's search for its links is while the graph is built, and how deep a question's search
# goes. At 100k chunks, against flat search for 338 real dev questions' vectors (benchmarks/README.md,
# "Eighth round"): built at 40, recall@10 was 0.870 at depth 256 and 0.928 at 512 (2.0 ms a search);
# built at 200, 0.956 at 256 (1.1 ms) and 0.965 at 512. The wider build costs 4.5 times the graph's
# build time (48 s at 100k on two cores, once per build or compaction; embedding the chunks takes hours).
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 256
# Graphs built before, at 40, are searched as deep as they were: their recall needs it.
NARROW_BUILD_EF_SEARCH = 512
# Past this many vectors a graph would hold every vector in memory (1.5 GB at 1M, 1.8 GB with its
# links) while building and serving; inverted lists of 8-bit codes hold a quarter of that, and the
# candidates they propose are rescored exactly from the memory-mapped vectors. At 1M vectors of the
# model's distribution IVF2048,SQ8 with nprobe 256 and 50 candidates rescored gave recall@10 0.955 at
# 26 ms (benchmarks/README.md, "Scale").
IVF_LIMIT = 400_000
IVF_NPROBE = 256
# At least this many candidates are rescored, and twice as many as the search asks for.
IVF_RESCORE = 100
# Vectors sampled to train the coarse quantizer and the scalar quantizer (about 64 per list at 2048).
IVF_TRAIN = 131_072


def kind_for(count: int, flat_limit: int = FLAT_LIMIT, ivf_limit: int = IVF_LIMIT) -> VectorKind:
    """The index kind for ``count`` vectors."""
    if count <= flat_limit:
        return "flat"
    return "hnsw" if count <= ivf_limit else "ivf"


def ivf_lists(count: int) -> int:
    """Inverted lists for ``count`` vectors: about 4·sqrt(n), a power of two, 2048 at 1M."""
    lists = 1
    while lists * 2 <= 4 * max(count, 1) ** 0.5:
        lists *= 2
    return max(1, min(lists, 65536, count // 39 or 1))


def build_ivf(dim: int, count: int, rows: Callable[[int, int], np.ndarray], block: int = 65536) -> Any:
    """Inverted lists over ``count`` vectors read through ``rows(start, stop)`` a block at a time (a
    memory-mapped matrix need not be resident whole); FAISS ids are the row numbers."""
    import faiss

    from index.embedders import usable_cores

    lists = ivf_lists(count)
    ivf: Any = faiss.index_factory(dim, f"IVF{lists},SQ8", faiss.METRIC_INNER_PRODUCT)
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(usable_cores())
    try:
        picks = np.unique(np.linspace(0, count - 1, min(count, IVF_TRAIN)).astype(np.int64))
        parts = []
        for start in range(0, count, block):
            mine = picks[(picks >= start) & (picks < start + block)] - start
            if mine.size:
                parts.append(np.array(rows(start, min(start + block, count))[mine], dtype=np.float32))
        sample = np.concatenate(parts)
        del parts
        ivf.train(sample)
        del sample
        for start in range(0, count, block):
            ivf.add(np.ascontiguousarray(rows(start, min(start + block, count)), dtype=np.float32))
    finally:
        faiss.omp_set_num_threads(before)
    ivf.nprobe = min(IVF_NPROBE, lists)
    return ivf


def new_vector_index(dim: int, kind: VectorKind = "flat") -> Any:
    """An empty index of ``kind`` (vectors are L2-normalised, so inner product is cosine)."""
    import faiss

    if kind == "flat":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    if kind == "ivf":
        raise ValueError("inverted lists are trained on their vectors: build them with build_ivf")
    graph = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    graph.hnsw.efSearch = HNSW_EF_SEARCH
    return faiss.IndexIDMap2(graph)


def kind_of(vectors: Any) -> VectorKind:
    """Which kind a loaded index is; anything else is not an index QuoteBot wrote."""
    import faiss

    if isinstance(vectors, faiss.IndexIVFScalarQuantizer):
        return "ivf"
    if not isinstance(vectors, faiss.IndexIDMap2):
        raise ValueError(f"the vector index is a {type(vectors).__name__}, not an id map")
    inner = faiss.downcast_index(vectors.index)
    if isinstance(inner, faiss.IndexFlatIP):
        return "flat"
    if isinstance(inner, faiss.IndexHNSWFlat):
        return "hnsw"
    raise ValueError(f"the vector index holds a {type(inner).__name__}")


def set_search_depth(vectors: Any, ef_search: int) -> None:
    """Search a graph ``ef_search`` deep (a no-op on a flat index)."""
    import faiss

    inner = faiss.downcast_index(vectors.index)
    if isinstance(inner, faiss.IndexHNSWFlat) and ef_search > 0:
        inner.hnsw.efSearch = ef_search


def stored_vectors(vectors: Any, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """A read-only view of the vectors FAISS holds (no copy), and the chunk id of each row.

    The view stays valid because a live index is never modified: updates work on a clone.
    """
    import faiss

    inner: Any = faiss.downcast_index(vectors.index)
    flat: Any = faiss.downcast_index(inner.storage) if isinstance(inner, faiss.IndexHNSWFlat) else inner
    n = vectors.ntotal
    if n == 0:
        return np.zeros((0, dim), dtype=np.float32), np.zeros(0, dtype=np.int64)
    matrix = faiss.rev_swig_ptr(flat.get_xb(), n * dim).reshape(n, dim)
    return matrix, faiss.vector_to_array(vectors.id_map).astype(np.int64)


def build_vector_index(dim: int, kind: VectorKind, matrix: np.ndarray, ids: np.ndarray) -> Any:
    """A new index of ``kind`` holding ``matrix`` under ``ids``; a graph is built on every usable core.

    Inverted lists ("ivf") know rows, not ids: row i of ``matrix`` is FAISS id i (a segment maps rows
    to chunk ids through its columns)."""
    import faiss

    from index.embedders import usable_cores

    if kind == "ivf":
        return build_ivf(dim, len(ids), lambda start, stop: matrix[start:stop])
    vectors = new_vector_index(dim, kind)
    if len(ids) == 0:
        return vectors
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(usable_cores() if kind == "hnsw" else before)
    try:
        vectors.add_with_ids(np.ascontiguousarray(matrix, dtype=np.float32), np.asarray(ids, dtype=np.int64))
    finally:
        faiss.omp_set_num_threads(before)
    return vectors


def add_vectors(vectors: Any, matrix: np.ndarray, ids: np.ndarray) -> None:
    """Add rows in place: a flat index appends them, a graph links them in (both O(rows added))."""
    if len(ids):
        vectors.add_with_ids(np.ascontiguousarray(matrix, dtype=np.float32), np.asarray(ids, dtype=np.int64))


def remove_vectors(vectors: Any, dim: int, ids: np.ndarray) -> Any:
    """The index without ``ids``: a flat index drops them in place; an HNSW graph cannot unlink nodes,
    so it is built again from the vectors it keeps. Returns the index to use from now on."""
    if len(ids) == 0:
        return vectors
    kind = kind_of(vectors)
    if kind == "flat":
        vectors.remove_ids(np.asarray(ids, dtype=np.int64))
        return vectors
    matrix, stored = stored_vectors(vectors, dim)
    keep = ~np.isin(stored, ids)
    return build_vector_index(dim, kind, matrix[keep], stored[keep])


def fit_vector_index(vectors: Any, dim: int, flat_limit: int = FLAT_LIMIT) -> Any:
    """The index as the kind its size calls for: rebuilt once when it crosses ``flat_limit``."""
    wanted = kind_for(vectors.ntotal, flat_limit)
    if kind_of(vectors) == wanted:
        return vectors
    matrix, ids = stored_vectors(vectors, dim)
    return build_vector_index(dim, wanted, matrix, ids)


def read_ann(path: Path, kind: str) -> Any:
    """A segment's approximate index from disk, memory-mapped where FAISS can (its flat codes)."""
    import faiss

    ann: Any
    try:
        ann = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    except RuntimeError:
        ann = faiss.read_index(str(path))
    found = kind_of(ann)
    if found != kind:
        raise ValueError(f"the manifest says a {kind} vector index, {path.name} holds {found}")
    if found == "ivf":
        ann.nprobe = min(IVF_NPROBE, ann.nlist)
    else:
        set_search_depth(ann, search_depth(ann))
    return ann


def search_depth(vectors: Any) -> int:
    """How deep a question searches a graph: as its build allows (a flat index: 0)."""
    import faiss

    inner = faiss.downcast_index(vectors.index)
    if not isinstance(inner, faiss.IndexHNSWFlat):
        return 0
    return HNSW_EF_SEARCH if inner.hnsw.efConstruction >= HNSW_EF_CONSTRUCTION else NARROW_BUILD_EF_SEARCH
