"""Cold start and peak memory of `quotebot ask` on the sample index with the bundled model.

Targets (issue 2): cold start ≤ 3 s, peak memory ≤ 400 MB. Run by hand:

    python benchmarks/cold_start.py [--runs 5]

It builds the sample index once in a temporary folder (not timed), then runs `quotebot ask` as a
fresh process several times and reports the wall time and the peak resident memory (ru_maxrss) of
each run. The first run after a reboot also pays for reading the model file from disk.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A speaker question is answered from extracted statements without the model; a plain question
# embeds the question and searches. Both are measured.
QUESTIONS = ("青岛作为牵头城市要做什么", "威海书记说了什么")


def run_once(env: dict[str, str], question: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `quotebot ask` process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        ["quotebot", "ask", question, "--json"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    _, _, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if proc.stdout is not None:
        proc.stdout.close()
    if proc.stderr is not None:
        proc.stderr.close()
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QUOTEBOT_INDEX": f"{tmp}/index", "QUOTEBOT_CACHE": f"{tmp}/cache"}
        subprocess.run([sys.executable, "-m", "bot.cli", "index", "build"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        print(f"quotebot ask, {args.runs} cold runs each on the sample index (bundled model):")
        for question in QUESTIONS:
            times, peaks = [], []
            for _ in range(args.runs):
                elapsed, peak = run_once(env, question)
                times.append(elapsed)
                peaks.append(peak)
            print(f"  {question}")
            print(f"    wall time  median {statistics.median(times):.2f} s  max {max(times):.2f} s   (target ≤ 3 s)")
            peak = f"median {statistics.median(peaks):.0f} MB  max {max(peaks):.0f} MB"
            print(f"    peak RSS   {peak}  (target ≤ 400 MB)")


if __name__ == "__main__":
    main()
