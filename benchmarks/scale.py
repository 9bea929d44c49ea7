"""How the index scales: build, load and search synthetic archives of 10k, 100k and 1M chunks.

Run by hand from the project root (issue 13):

    python benchmarks/scale.py --eval-dir EVAL_DIR [--sizes 10000,100000] [--vectors VECTORS_DIR]
                               [--work WORK_DIR] [--queries 300] [--threads N]
                               [--batch-chars N] [--ivf-limit N]

For each size it builds an index through the project's own pipeline from varied copies of the dev
sets' text (``synthetic.py``), with a stand-in embedder (the real model would take days at 1M
chunks); with ``--vectors`` (the output of ``real_vectors.py``) the stand-in's vectors follow the
bundled model's distribution and questions get their real vectors. Then it prints:

- build: wall time and peak RSS of a fresh process that builds the index, and the index's size on disk;
- cold start: wall time of a fresh process from its start to an open engine, and ``QuoteEngine.open``
  alone (the page cache is warm: the index was just written);
- RSS loaded: resident memory of that process after opening;
- answer p50/p95: a whole question (search, quotes, who-said-what) with the question's embedding
  excluded (the stand-in returns a precomputed vector); dense p50: the vector search alone;
- recall@10: the dense top 10 of the index against an exact search over the same vectors;
- add: a fresh process opens a copy of the index and adds one article of about 2,600 characters from a
  file (``QuoteEngine.add_files``: read, clean, chunk, embed with the stand-in, BM25, save), wall and CPU;
  its JSON also gives the whole process (``add_process_s`` and ``add_process_cpu_s``: interpreter,
  imports, open and add, without the benchmark's own setup of reading the dev sets and copying the index).

The JSON line after each row adds CPU seconds (build, open, per answer): on a shared machine they
move less than wall times. ``loadavg`` is the 1-minute load when the row was printed.

Every call into the index goes through ``IndexAPI`` below: after the storage rewrite only that class
changes. WORK_DIR (default: a temporary folder) keeps the indexes for a rerun with ``--reuse``.
"""

from __future__ import annotations

import time

STARTED = time.time()  # before the heavy imports: cold start counts them

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent


class IndexAPI:
    """The only place that knows the engine's API (issue 13: keep it small, so it follows the rewrite)."""

    @staticmethod
    def settings(index_dir: Path, cache_dir: Path) -> Any:
        from index.engine import EngineSettings

        return EngineSettings(index_dir, cache_dir, index_dir.parent)

    @staticmethod
    def build(settings: Any, embedder: Any, articles: Any, progress: Any = None, batch_chars: int = 0,
              ivf_limit: int = 0) -> int:
        """Index ``articles`` (an iterable, consumed as the build goes) from scratch; returns the number of
        chunks. ``batch_chars`` and ``ivf_limit`` (0: the engine's own) let a small run take the large
        one's path: several staged batches, inverted lists."""
        from index.engine import QuoteEngine

        engine = QuoteEngine(settings, embedder, progress)
        engine.batch_chars = batch_chars or engine.batch_chars
        engine.ivf_limit = ivf_limit or engine.ivf_limit
        engine.build_from_articles(articles)
        return int(engine.stats()["chunks"])

    @staticmethod
    def open(settings: Any, embedder: Any) -> Any:
        from index.engine import QuoteEngine

        return QuoteEngine.open(settings, embedder)

    @staticmethod
    def add_file(engine: Any, path: Path) -> int:
        """Add one article file to an open index; returns the number of chunks embedded."""
        return int(engine.add_files([path]).embedded_chunks)

    @staticmethod
    def answer(engine: Any, question: str) -> Any:
        return engine.ask(question)

    @staticmethod
    def dense_ids(engine: Any, vectors: Any, k: int) -> Any:
        """Chunk ids of the dense top ``k`` per row, as the index finds them (approximate or not)."""
        import numpy as np

        searcher = engine.searcher
        found = np.full((len(vectors), k), -1, dtype=np.int64)
        for i, row in enumerate(vectors):
            ids = searcher.layout.slot_id[searcher.dense_slots(row, k)]
            found[i, : len(ids)] = ids
        return found

    @staticmethod
    def stored_vectors(engine: Any) -> tuple[Any, Any]:
        """Every live stored vector and its chunk id, for the exact search recall is measured against."""
        import numpy as np

        data = engine.searcher.data
        live = [data.live_mask(i) for i in range(len(data.segments))]
        matrix = np.concatenate([np.asarray(s.vectors[m]) for s, m in zip(data.segments, live, strict=True)])
        return matrix, np.concatenate([s.ids[m] for s, m in zip(data.segments, live, strict=True)])


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_embedder(vectors: str | None) -> Any:
    sys.path.insert(0, str(HERE))
    from synthetic import StandInEmbedder

    return StandInEmbedder(Path(vectors) if vectors else None)


def child_build(args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    from synthetic import source_articles, synthetic_articles

    embedder = make_embedder(args.vectors)
    count = 0
    t0, c0 = time.perf_counter(), time.process_time()
    logged = [t0]

    def log(what: str) -> None:
        # On stderr, once a minute: a build that cannot finish in time still gives its rate.
        now = time.perf_counter()
        if now - logged[0] >= 60:
            logged[0] = now
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            print(f"{time.strftime('%H:%M:%S')} {what}: {now - t0:.0f} s, CPU {time.process_time() - c0:.0f} s "
                  f"+ workers {children.ru_utime + children.ru_stime:.0f} s, RSS {rss_mb() / 1024:.2f} GB, "
                  f"peak {peak_mb() / 1024:.2f} GB, load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)

    def articles() -> Any:
        # Made as the build asks for them: the build streams, so the archive is never in memory whole.
        nonlocal count
        for article in synthetic_articles(source_articles(args.eval_dir), args.size):
            count += 1
            log(f"{count} articles read")
            yield article

    chunks = IndexAPI.build(IndexAPI.settings(args.index, args.cache), embedder, articles(),
                            lambda stage, done, total: log(f"{stage} {done}/{total}"), args.batch_chars, args.ivf_limit)
    # The terms of a large build are computed in worker processes (index.text_workers): their CPU too.
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"build_s": time.perf_counter() - t0, "build_cpu_s": time.process_time() - c0, "chunks": chunks,
            "build_workers_cpu_s": workers.ru_utime + workers.ru_stime,
            "articles": count, "build_peak_mb": peak_mb()}


def child_serve(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    sys.path.insert(0, str(HERE))
    from synthetic import questions, spread

    embedder = make_embedder(args.vectors)
    before, cpu_before = time.perf_counter(), time.process_time()
    engine = IndexAPI.open(IndexAPI.settings(args.index, args.cache), embedder)
    open_s, open_cpu_s = time.perf_counter() - before, time.process_time() - cpu_before
    ready_cpu_s = time.process_time()  # the process's CPU from its start: imports and opening
    ready_s = time.time() - float(os.environ.get("SCALE_SPAWNED", STARTED))
    loaded = rss_mb()
    asked = spread(questions(args.eval_dir, Path(args.vectors) if args.vectors else None), args.queries)
    # The first answer sets up what opening leaves for later (the searcher, who-said-what): a fresh
    # process's time to its first answer is the cold start a user of `quotebot ask` sees.
    t0, c0 = time.perf_counter(), time.process_time()
    IndexAPI.answer(engine, asked[0])
    first_answer_s, first_answer_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    for q in asked[1:10]:  # warm-up: lazy tables, the OpenCC converter
        IndexAPI.answer(engine, q)
    times, cpu = [], []
    for q in asked:
        t0, c0 = time.perf_counter(), time.process_time()
        IndexAPI.answer(engine, q)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    qvecs = embedder.encode_queries(asked)
    dense = []
    for row in qvecs:
        t0 = time.perf_counter()
        IndexAPI.dense_ids(engine, row[None, :], 50)
        dense.append(time.perf_counter() - t0)
    found = IndexAPI.dense_ids(engine, qvecs, 10)
    matrix, ids = IndexAPI.stored_vectors(engine)
    recall = recall_at_10(np.asarray(matrix), ids, qvecs, found)
    return {
        "open_s": open_s, "open_cpu_s": open_cpu_s, "ready_s": ready_s, "ready_cpu_s": ready_cpu_s,
        "first_answer_s": first_answer_s, "first_answer_cpu_s": first_answer_cpu_s,
        "rss_loaded_mb": loaded, "serve_peak_mb": peak_mb(),
        "answer_p50_ms": 1000 * statistics.median(times), "answer_p95_ms": 1000 * _p95(times),
        "answer_cpu_p50_ms": 1000 * statistics.median(cpu), "answer_cpu_p95_ms": 1000 * _p95(cpu),
        "dense_p50_ms": 1000 * statistics.median(dense), "dense_p95_ms": 1000 * _p95(dense),
        "recall_at_10": recall, "queries": len(times),
    }


def child_add(args: argparse.Namespace) -> dict[str, Any]:
    """Open a copy of the index in a fresh process and add one article file to it."""
    import shutil

    import index.engine  # noqa: F401  (imported first: counted with the add, not with the setup below)

    setup, setup_wall = time.process_time(), time.perf_counter()
    sys.path.insert(0, str(HERE))
    from synthetic import source_articles

    article = next(a for a in source_articles(args.eval_dir) if 2400 <= len(a.text) <= 3200)
    with tempfile.TemporaryDirectory(dir=args.index.parent) as tmp:
        copy = Path(tmp) / "index"
        shutil.copytree(args.index, copy)
        page = Path(tmp) / "added-article.txt"
        page.write_text(article.title + "\n\n" + "\n\n".join(p.text for p in article.paragraphs) + "\n",
                        encoding="utf-8")
        embedder = make_embedder(args.vectors)
        # The benchmark's own work (the dev sets read, the index copied, the stand-in's vectors loaded).
        setup, setup_wall = time.process_time() - setup, time.perf_counter() - setup_wall
        t0, c0 = time.perf_counter(), time.process_time()
        engine = IndexAPI.open(IndexAPI.settings(copy, args.cache), embedder)
        opened, opened_cpu = time.perf_counter() - t0, time.process_time() - c0
        t1, c1 = time.perf_counter(), time.process_time()
        embedded = IndexAPI.add_file(engine, page)
        # The whole process, and its CPU without the benchmark's setup (interpreter and imports included).
        return {"add_open_s": opened, "add_open_cpu_s": opened_cpu, "add_s": time.perf_counter() - t1,
                "add_cpu_s": time.process_time() - c1, "add_chars": len(article.text), "add_chunks": embedded,
                "add_process_s": time.time() - float(os.environ.get("SCALE_SPAWNED", STARTED)) - setup_wall,
                "add_process_cpu_s": time.process_time() - setup, "add_setup_cpu_s": setup}


def recall_at_10(matrix: Any, ids: Any, queries: Any, found: Any) -> float:
    """Share of the index's top 10 that score at least the exact 10th best score.

    Counting by score, not by id: the synthetic archive repeats some chunks verbatim, and equal
    vectors tie in any order.
    """
    import numpy as np

    score_of = {int(i): row for row, i in enumerate(ids)}
    hits = []
    for start in range(0, len(queries), 32):  # a block of questions at a time: 1M scores per question
        scores = matrix @ queries[start : start + 32].T  # one column per question
        tenth = -np.partition(-scores, 9, axis=0)[9]
        hits += [sum(1 for f in row[:10] if f >= 0 and scores[score_of[int(f)], q] >= tenth[q] - 1e-5) / 10
                 for q, row in enumerate(found[start : start + 32])]
    return float(np.mean(hits))


def _p95(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(0.95 * len(values)))]


def run_child(mode: str, args: argparse.Namespace, size: int, index: Path, cache: Path) -> dict[str, Any]:
    env = dict(os.environ)
    if args.threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.threads)
    env["SCALE_SPAWNED"] = repr(time.time())
    cmd = [sys.executable, __file__, "--child", mode, "--size", str(size), "--index", str(index),
           "--cache", str(cache), "--eval-dir", str(args.eval_dir), "--queries", str(args.queries)]
    if args.vectors:
        cmd += ["--vectors", args.vectors]
    cmd += ["--batch-chars", str(args.batch_chars), "--ivf-limit", str(args.ivf_limit)]
    # The child's stderr (a build's progress) goes to ours as it comes.
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def disk_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, required=True)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--vectors", help="real_vectors.py output: stand-in vectors with the model's distribution")
    parser.add_argument("--work", type=Path, help="keep indexes here (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="skip the build when WORK_DIR has the index")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="OMP/OpenBLAS threads of the children (0: default)")
    parser.add_argument("--no-add", action="store_true", help="skip the one-article add")
    parser.add_argument("--batch-chars", type=int, default=0, help="text per staged build batch (0: the engine's)")
    parser.add_argument("--ivf-limit", type=int, default=0, help="chunks above which IVF is used (0: the engine's)")
    parser.add_argument("--child", choices=("build", "serve", "add"), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        children = {"build": child_build, "serve": child_serve, "add": child_add}
        result = children[args.child](args)
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        print(f"{'chunks':>8} {'build s':>8} {'peak GB':>8} {'disk MB':>8} {'ready s':>8} {'open s':>7} "
              f"{'RSS GB':>7} {'ans p50':>8} {'ans p95':>8} {'dense p50':>9} {'dense p95':>9} {'rec@10':>7} "
              f"{'add s':>6} {'loadavg':>7}",
              flush=True)
        for size in [int(s) for s in args.sizes.split(",")]:
            index, cache = work / f"index-{size}", work / f"cache-{size}"
            built: dict[str, Any] = {"build_s": float("nan"), "build_peak_mb": float("nan")}
            if not (args.reuse and index.exists()):
                built = run_child("build", args, size, index, cache)
            runs = [run_child("serve", args, size, index, cache) for _ in range(max(1, args.cold_runs))]
            served = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            # Each fresh process's start-up figures too: on a shared machine their spread says more than a median.
            served.update({f"{k}_runs": [round(r[k], 3) for r in runs] for k in (
                "ready_s", "ready_cpu_s", "open_s", "first_answer_s", "first_answer_cpu_s")})
            added = {"add_s": float("nan")} if args.no_add else run_child("add", args, size, index, cache)
            print(f"{size:>8} {built['build_s']:>8.1f} {built['build_peak_mb'] / 1024:>8.2f} {disk_mb(index):>8.0f} "
                  f"{served['ready_s']:>8.2f} {served['open_s']:>7.2f} {served['rss_loaded_mb'] / 1024:>7.2f} "
                  f"{served['answer_p50_ms']:>8.1f} {served['answer_p95_ms']:>8.1f} {served['dense_p50_ms']:>9.2f} "
                  f"{served['dense_p95_ms']:>9.2f} {served['recall_at_10']:>7.3f} {added['add_s']:>6.2f} "
                  f"{os.getloadavg()[0]:>7.1f}",
                  flush=True)
            print("  " + json.dumps({"size": size, **built, **served, **added}), flush=True)


if __name__ == "__main__":
    main()
