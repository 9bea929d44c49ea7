"""How many inverted lists to visit, and how many candidates to rescore, on a built index (issue 13).

Run by hand from the project root on an index whose base segment is IVF (``scale.py --sizes 1000000``):

    python benchmarks/ivf_probe.py INDEX_DIR --vectors VECTORS_DIR [--nprobe 64,128,256] [--rescore 50,100,200]

For each pair it searches the segment as the engine does (``Segment.top``: the lists propose
candidates, the memory-mapped vectors score them exactly) for the real questions' vectors of
``real_vectors.py`` and prints recall@10 against an exact search over the same stored vectors
(counted by score, as ``scale.py`` counts it), and the search's p50/p95 and CPU per question.
One native thread, as the ``quotebot`` command runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--vectors", type=Path, required=True, help="real_vectors.py output (questions.npy)")
    parser.add_argument("--nprobe", default="64,128,256")
    parser.add_argument("--rescore", default="50,100,200")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    import faiss

    import index.vectors as vectors_module
    from index.manifest import read_manifest
    from index.stored_segments import open_segment

    sys.path.insert(0, str(HERE))
    from scale import recall_at_10

    faiss.omp_set_num_threads(1)
    manifest = read_manifest(args.index)
    entry = manifest.segments[0]
    segment = open_segment(args.index, entry.generation, manifest.dim, entry.kind)
    if segment.kind != "ivf":
        raise SystemExit(f"the base segment of {args.index} is {segment.kind}, not ivf")
    questions = np.load(args.vectors / "questions.npy").astype(np.float32)
    questions = questions[:: max(1, len(questions) // args.queries)][: args.queries]
    matrix = np.asarray(segment.vectors)
    ids = np.asarray(segment.ids)
    print(f"{len(segment)} vectors, {segment.ann.nlist} lists, {len(questions)} questions")
    print(f"{'nprobe':>6} {'rescore':>7} {'recall@10':>9} {'p50 ms':>7} {'p95 ms':>7} {'CPU ms':>7}")
    for nprobe in (int(n) for n in args.nprobe.split(",")):
        segment.ann.nprobe = nprobe
        for rescore in (int(r) for r in args.rescore.split(",")):
            vectors_module.IVF_RESCORE = rescore
            found = np.full((len(questions), 10), -1, dtype=np.int64)
            times, cpu = [], []
            for i, q in enumerate(questions):
                t0, c0 = time.perf_counter(), time.process_time()
                _, top = segment.top(q, 10)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
                found[i, : len(top)] = top
            recall = recall_at_10(matrix, ids, questions, found)
            p95 = sorted(times)[int(0.95 * (len(times) - 1))]
            print(f"{nprobe:>6} {rescore:>7} {recall:>9.3f} {1000 * statistics.median(times):>7.1f} "
                  f"{1000 * p95:>7.1f} {1000 * statistics.mean(cpu):>7.1f}", flush=True)


if __name__ == "__main__":
    main()
