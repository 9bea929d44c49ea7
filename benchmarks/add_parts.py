"""Where adding one article goes, in a fresh process (``quotebot index add FILE``) and in a running one.

Run by hand from the project root on a COPY of an index built by ``scale.py`` (each run adds articles to
it, and the embedding cache it is given is written to):

    python benchmarks/add_parts.py --eval-dir EVAL_DIR --index INDEX_COPY --cache CACHE_COPY [--runs 3]
                                   [--vectors VECTORS]

Each run is a fresh process that times, wall and CPU: the interpreter's start and the imports of
``quotebot``'s command line (``bot.cli``); loading jieba and its tagger (from the cache folder); opening
the index (``QuoteEngine.open``); adding one article of 2,400–3,200 characters from a file
(``QuoteEngine.add_files``), of which the save (``index.store.save``); then a second article in the same
process, as the bot adds a document an admin sends (jieba loaded, index open). Embedding is the
stand-in of ``synthetic.py`` (hashed character pairs, as the ``scale.py`` indexes without ``--vectors``;
with ``--vectors``, vectors of the model's distribution, as the indexes built with it).
The parent prints each run's parts and the whole child process (wall, and CPU from ``getrusage``).
``--profile FILE`` writes a cProfile of the first add of the first run.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Clock:
    """Wall and CPU seconds of consecutive parts."""

    def __init__(self) -> None:
        self.parts: dict[str, float] = {}
        self._wall, self._cpu = time.perf_counter(), _cpu()

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), _cpu()
        self.parts[f"{name}_s"] = round(wall - self._wall, 3)
        self.parts[f"{name}_cpu_s"] = round(cpu - self._cpu, 3)
        self._wall, self._cpu = wall, cpu


def child(args: argparse.Namespace) -> dict[str, Any]:
    clock = Clock()
    clock.parts["interpreter_s"] = round(STARTED - float(os.environ["ADD_PARTS_SPAWNED"]), 3)
    import bot.cli  # noqa: F401  (what `quotebot` imports before it runs a command)
    from index import store
    from index.engine import EngineSettings, QuoteEngine

    clock.lap("imports")
    sys.path.insert(0, str(HERE))
    from synthetic import StandInEmbedder, source_articles

    candidates = [a for a in source_articles(args.eval_dir) if 2400 <= len(a.text) <= 3200]
    embedder = StandInEmbedder(Path(args.vectors) if args.vectors else None)
    clock.lap("benchmark_setup")
    settings = EngineSettings(args.index, args.cache, args.index.parent)
    from index.normalization import Analyzer, name_tags

    name_tags("", args.cache)
    Analyzer(args.cache).folded_terms("")
    clock.lap("jieba")
    engine = QuoteEngine.open(settings, embedder)
    clock.lap("open")
    saves: list[tuple[float, float]] = []
    real_save = store.save

    def timed_save(*a: Any, **k: Any) -> int:
        wall, cpu = time.perf_counter(), _cpu()
        generation = real_save(*a, **k)
        saves.append((time.perf_counter() - wall, _cpu() - cpu))
        return generation

    store.save = timed_save  # type: ignore[assignment]
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n, step in enumerate(("add", "add_again")):
            article = candidates[(args.run * 2 + n) % len(candidates)]
            page = Path(tmp) / f"added-{args.run}-{n}-{os.getpid()}.txt"
            page.write_text(article.title + "\n\n" + "\n\n".join(p.text for p in article.paragraphs) + "\n",
                            encoding="utf-8")
            profile = None
            if args.profile and n == 0:
                import cProfile

                profile = cProfile.Profile()
                profile.enable()
            report = engine.add_files([page])
            if profile is not None:
                profile.disable()
                profile.dump_stats(args.profile)
            clock.lap(step)
            out[f"{step}_chars"] = len(article.text)
            out[f"{step}_embedded"] = report.embedded_chunks
            out[f"{step}_save_s"], out[f"{step}_save_cpu_s"] = (round(v, 3) for v in saves[-1])
    out["chunks"] = engine.stats()["chunks"]
    return {**clock.parts, **out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True, help="a copy of an index (it is changed)")
    parser.add_argument("--cache", type=Path, required=True, help="its embedding cache (written to)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--first-run", type=int, default=0, help="which articles to add (runs add others)")
    parser.add_argument("--profile", help="cProfile of the first add of the first run")
    parser.add_argument("--vectors", help="real_vectors.py output, for an index of the model's distribution")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--run", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)), flush=True)
        return
    for run in range(args.first_run, args.first_run + args.runs):
        cmd = [sys.executable, __file__, "--child", "--run", str(run), "--eval-dir", str(args.eval_dir),
               "--index", str(args.index), "--cache", str(args.cache)]
        if args.profile and run == args.first_run:
            cmd += ["--profile", args.profile]
        if args.vectors:
            cmd += ["--vectors", args.vectors]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        env = {**os.environ, "ADD_PARTS_SPAWNED": repr(time.perf_counter())}
        t0 = time.perf_counter()
        done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        parts = json.loads(done.stdout.strip().splitlines()[-1])
        print(json.dumps({"run": run, "process_s": round(wall, 3), "process_cpu_s": round(cpu, 3), **parts,
                          "loadavg": round(os.getloadavg()[0], 2)}), flush=True)


if __name__ == "__main__":
    main()
