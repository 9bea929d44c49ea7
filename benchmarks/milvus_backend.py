"""The Milvus backend against the local one: build, open and search times at a given size, and whether
both give the same top passages (issue 13).

    nice -n 5 python benchmarks/milvus_backend.py --eval-dir EVAL_DIR --work WORK [--sizes 10000,100000]

Each size builds one synthetic archive (``synthetic.py``: dev-set text varied to size, the stand-in
embedder, hashed character pairs unless ``--vectors`` is given) twice, once per backend, milvus on a
milvus-lite file in WORK, and asks both the same dev-set questions. Times are wall and CPU seconds;
the CPU column adds the milvus-lite server process's CPU to this process's (the engine runs in it).
"search" is ``Searcher.search`` on a prepared question (analysis and embedding excluded); "answer" is
``QuoteEngine.ask`` whole. "same top 3" counts the questions whose three best passages are the same,
in the same order, on both backends.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def children_cpu() -> float:
    """CPU seconds of this process's live child processes (the milvus-lite server)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:  # ppid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def cpu() -> float:
    return time.process_time() + children_cpu()


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def run(backend: str, size: int, articles: list[Any], asked: list[str], args: argparse.Namespace) -> dict[str, Any]:
    from synthetic import StandInEmbedder

    from index.engine import EngineSettings, QuoteEngine

    root = args.work / f"{backend}-{size}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    settings = EngineSettings(root / "index", args.work / "cache", root, backend=backend,
                              milvus_uri=str(root / "milvus.db") if backend == "milvus" else "")
    embedder = StandInEmbedder(args.vectors)
    t0, c0 = time.perf_counter(), cpu()
    builder = QuoteEngine(settings, embedder)
    builder.build_from_articles(articles)
    build_s, build_cpu = time.perf_counter() - t0, cpu() - c0
    t0, c0 = time.perf_counter(), cpu()
    engine = QuoteEngine.open(settings, embedder)
    open_s, open_cpu = time.perf_counter() - t0, cpu() - c0
    searcher = engine.searcher
    prepared = [searcher.prepare(q) for q in asked]
    for query in prepared[:10]:  # warm-up
        searcher.search(query, 3)
    search_ms, tops = [], []
    c0 = cpu()
    for query in prepared:
        t0 = time.perf_counter()
        hits = searcher.search(query, 3)
        search_ms.append(1000 * (time.perf_counter() - t0))
        tops.append([(h.article_id, h.paragraph) for h in hits])
    search_cpu_ms = 1000 * (cpu() - c0) / len(prepared)
    answer_ms = []
    for question in asked:
        t0 = time.perf_counter()
        engine.ask(question)
        answer_ms.append(1000 * (time.perf_counter() - t0))
    return {
        "backend": backend, "size": size, "chunks": int(engine.stats()["chunks"]),
        "build_s": build_s, "build_cpu_s": build_cpu, "open_s": open_s, "open_cpu_s": open_cpu,
        "search_p50_ms": statistics.median(search_ms), "search_p95_ms": p95(search_ms),
        "search_cpu_mean_ms": search_cpu_ms,
        "answer_p50_ms": statistics.median(answer_ms), "answer_p95_ms": p95(answer_ms),
        "tops": tops,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--vectors", type=Path, default=None, help="real_vectors.py output (optional)")
    args = parser.parse_args()
    from synthetic import questions, source_articles, spread, synthetic_articles

    sources = source_articles(args.eval_dir)
    asked = spread(questions(args.eval_dir, args.vectors), args.queries)
    print("| backend | chunks | build wall / CPU | open wall / CPU | search p50 / p95 (CPU mean) | "
          "answer p50 / p95 | same top 3 |")
    print("|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        articles = list(synthetic_articles(sources, size))
        results = [run(backend, size, articles, asked, args) for backend in ("local", "milvus")]
        same = sum(a == b for a, b in zip(results[0]["tops"], results[1]["tops"], strict=True))
        for r in results:
            print(f"| {r['backend']} | {r['chunks']} | {r['build_s']:.1f} / {r['build_cpu_s']:.1f} s | "
                  f"{r['open_s']:.2f} / {r['open_cpu_s']:.2f} s | {r['search_p50_ms']:.1f} / "
                  f"{r['search_p95_ms']:.1f} ms ({r['search_cpu_mean_ms']:.1f}) | {r['answer_p50_ms']:.1f} / "
                  f"{r['answer_p95_ms']:.1f} ms | {same}/{len(asked)} |", flush=True)
            print(json.dumps({k: v for k, v in r.items() if k != "tops"}), flush=True)


if __name__ == "__main__":
    main()
