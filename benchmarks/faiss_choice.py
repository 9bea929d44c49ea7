"""Which FAISS index at which size: recall@10 against flat and latency, on the bundled model's vectors.

Run by hand from the project root, after ``real_vectors.py`` (issue 13):

    python benchmarks/faiss_choice.py VECTORS_DIR [--sizes real,100000,1000000] [--queries 1000]
                                      [--kinds flat,hnsw,ivf,sq8] [--threads 1]

``real`` is the real chunk vectors alone (about 17k). A larger size keeps every real vector and draws
the rest from the model's distribution (``synthetic.RealDistribution``: the real mean plus two real
residuals and noise). ``--check`` first compares an index's recall on the real vectors with the same
index on as many drawn vectors, which says whether the drawn ones are a fair stand-in.

Queries are real questions (the dev sets', embedded by the model). Each is searched alone, as a bot
serves them, with k = 50 (the engine's dense candidate pool); recall@10 is the overlap of the
index's top 10 with the exact top 10, averaged over the questions; "rescored" is the same once the
50 candidates are ordered by their exact cosine, as the engine orders them (SQ8's rounding then no
longer matters, only whether the true neighbours are among the 50).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import RealDistribution  # noqa: E402

K = 50


def dataset(real: np.ndarray, size: str) -> np.ndarray:
    if size == "real":
        return real
    n = int(size)
    if n <= len(real):
        return real[:n]
    return np.concatenate([real, RealDistribution(real).sample(n - len(real))])


def exact_top(base: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    flat = faiss.IndexFlatIP(base.shape[1])
    flat.add(base)
    return flat.search(queries, k)[1]


def configurations(n: int, kinds: set[str], probe_list: tuple[int, ...] = (8, 16, 32, 64, 128, 256, 512),
                   hnsw_m: tuple[int, ...] = (16, 32)) -> Iterator[tuple[str, str, list[tuple[str, int]]]]:
    """(label, factory string, [(search parameter, value), ...]) to try at ``n`` vectors."""
    if "flat" in kinds:
        yield "Flat", "Flat", [("", 0)]
    # The usual rule of thumb is nlist ≈ 4·√n; 2·√n is tried too (fewer, larger lists), as powers of two.
    for nlist in sorted({_power_of_two(2 * np.sqrt(n)), _power_of_two(4 * np.sqrt(n))}):
        probes = [("nprobe", p) for p in probe_list if p <= nlist // 4]
        if "ivf" in kinds:
            yield f"IVF{nlist},Flat", f"IVF{nlist},Flat", probes
        if "sq8" in kinds:
            yield f"IVF{nlist},SQ8", f"IVF{nlist},SQ8", probes
    if "hnsw" in kinds:
        for m in hnsw_m:
            yield f"HNSW{m}", f"HNSW{m}", [("efSearch", e) for e in (32, 64, 128, 256)]


def _power_of_two(x: float) -> int:
    return int(2 ** round(np.log2(x)))


def measure(index: Any, base: np.ndarray, queries: np.ndarray, truth: np.ndarray
            ) -> tuple[float, float, float, float]:
    """p50 ms, p95 ms of single-question searches, recall@10, and recall@10 once the 50 candidates are
    rescored with exact cosines (what the engine does with them)."""
    times, hits, rescored = [], [], []
    for q, gold in zip(queries, truth, strict=True):
        t0 = time.perf_counter()
        _, ids = index.search(q[None, :], K)
        times.append(time.perf_counter() - t0)
        found = ids[0][ids[0] >= 0]
        hits.append(len(set(found[:10]) & set(gold[:10])) / 10)
        best = found[np.argsort(-(base[found] @ q))[:10]]
        rescored.append(len(set(best) & set(gold[:10])) / 10)
    times.sort()
    return (1000 * statistics.median(times), 1000 * times[int(0.95 * len(times))], float(np.mean(hits)),
            float(np.mean(rescored)))


def run(base: np.ndarray, queries: np.ndarray, kinds: set[str], label: str, threads: int,
        hnsw_m: tuple[int, ...] = (16, 32)) -> None:
    """Build with both cores, search with ``threads`` (one question at a time)."""
    faiss.omp_set_num_threads(2)
    truth = exact_top(base, queries, 10)
    n = len(base)
    for name, factory, params in configurations(n, kinds, hnsw_m=hnsw_m):
        faiss.omp_set_num_threads(2)
        t0 = time.perf_counter()
        index = faiss.index_factory(base.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
        if not index.is_trained:
            rng = np.random.default_rng(0)
            # 50 points per list: FAISS wants at least 39; more only slows the k-means.
            index.train(base[rng.choice(n, min(n, 50 * int(name[3:].split(",")[0])), replace=False)])
        index.add(base)
        build = time.perf_counter() - t0
        faiss.omp_set_num_threads(threads)
        size = faiss.serialize_index(index).nbytes / n
        for param, value in params:
            if param:
                faiss.ParameterSpace().set_index_parameter(index, param, value)
            p50, p95, recall, rescored = measure(index, base, queries, truth)
            shown = f"{param}={value}" if param else ""
            print(f"{label:>8} {n:>8} {name:>16} {shown:>13} {build:>7.1f} {p50:>7.2f} {p95:>7.2f} "
                  f"{recall:>7.3f} {rescored:>7.3f} {size:>7.0f}", flush=True)
        del index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vectors", type=Path)
    parser.add_argument("--sizes", default="real,100000,1000000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--kinds", default="flat,hnsw,ivf,sq8")
    parser.add_argument("--threads", type=int, default=1, help="FAISS OpenMP threads while searching")
    parser.add_argument("--check", action="store_true", help="compare real and drawn vectors first")
    parser.add_argument("--hnsw-m", default="16,32", help="HNSW graph degrees to try")
    args = parser.parse_args()
    real = np.ascontiguousarray(np.load(args.vectors / "chunks.npy"), dtype=np.float32)
    questions = np.load(args.vectors / "questions.npy").astype(np.float32)
    queries = questions[np.random.default_rng(0).choice(len(questions), args.queries, replace=False)]
    kinds = set(args.kinds.split(","))
    print(f"{'data':>8} {'n':>8} {'index':>16} {'search':>13} {'build s':>7} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'rec@10':>7} {'rescored':>7} {'B/vec':>7}", flush=True)
    if args.check:
        drawn = RealDistribution(real).sample(len(real), seed=5)
        for name, base in (("real", real), ("drawn", drawn)):
            top = base @ queries[:200].T
            best = np.sort(top, axis=0)[::-1]
            print(f"  {name}: question top-1 cosine median {np.median(best[0]):.3f}, top-10 {np.median(best[9]):.3f}, "
                  f"random pair {np.median(base[:2000] @ base[2000:4000].T):.3f}", flush=True)
        for name, base in (("real", real), ("drawn", drawn)):
            run(np.ascontiguousarray(base), queries, kinds, name, args.threads)
    for size in args.sizes.split(","):
        if size == "real" and args.check:
            continue
        base = np.ascontiguousarray(dataset(real, size))
        hnsw_m = tuple(int(m) for m in args.hnsw_m.split(","))
        run(base, queries, kinds, "real" if size == "real" else "mixed", args.threads, hnsw_m)
        del base


if __name__ == "__main__":
    main()
