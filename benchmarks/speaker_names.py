"""Speaker questions against many known names (issue 13): per-question time at 100k names, and the
one-off cost of preparing the names when an index loads. Run by hand from the project root:

    nice -n 5 python benchmarks/speaker_names.py [--names 100000] [--questions 200]

The names are synthetic (common surnames with one or two given characters drawn from a fixed list,
a tenth of them in traditional script), the questions written templates around some of them and
around names the index does not know. Two ways are timed:

- ``convert per question``: the names handed over as a list, so every question converts each of
  them with OpenCC (what the parser did before names were prepared once);
- ``prepared names``: the names converted once into a frozenset, which the parser takes as is.

Both must parse every question alike; the load cost compares OpenCC one name at a time with one
batched conversion (``simplify_many``).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅文斌宇浩凯晨欣怡子涵振宏博雪琳"
TRADITIONAL = "偉娜秀英敏靜麗強磊軍洋勇艷傑娟濤明超蘭霞"
TEMPLATES = ("{}说了什么", "{}对这件事怎么看", "市委书记{}讲了些什么", "{}在发布会上表示了什么", "谁说要把码头建好",
             "{}的讲话内容", "{}是谁")


def names(n: int, seed: int = 7) -> list[str]:
    from index.speakers.vocabulary import SURNAMES

    rng = random.Random(seed)
    surnames = sorted(SURNAMES)
    out: set[str] = set()
    while len(out) < n:
        pool = TRADITIONAL if rng.random() < 0.1 else GIVEN
        out.add(rng.choice(surnames) + "".join(rng.choice(pool) for _ in range(rng.choice((1, 2)))))
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes of the per-question ways")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from index.normalization import simplify_many, to_simplified
    from index.speakers.questions import parse_speaker_question

    known = names(args.names)
    rng = random.Random(11)
    asked = [rng.choice(TEMPLATES).format(rng.choice(known) if rng.random() < 0.7 else "欧阳明远")
             for _ in range(args.questions)]
    to_simplified("预热")

    t0 = time.process_time()
    one_by_one = frozenset(to_simplified(n) for n in known)
    per_name = time.process_time() - t0
    t0 = time.process_time()
    batched = frozenset(simplify_many(known))
    batch = time.process_time() - t0
    assert batched == one_by_one
    print(f"{len(known)} names; preparing them on load: {per_name * 1000:.0f} ms one by one, "
          f"{batch * 1000:.0f} ms batched (CPU)")

    results = {}
    for label, handed in (("convert per question", list(known)), ("prepared names", batched)):
        times: list[float] = []
        parsed = []
        for _ in range(args.repeat):
            parsed = []
            for q in asked[: max(5, args.questions // 10)] if label.startswith("convert") else asked:
                t0 = time.perf_counter()
                parsed.append(parse_speaker_question(q, handed))
                times.append(time.perf_counter() - t0)
        results[label] = parsed
        times.sort()
        print(f"{label:>22}: p50 {statistics.median(times) * 1000:.2f} ms, "
              f"p95 {times[int(0.95 * (len(times) - 1))] * 1000:.2f} ms per question ({len(times)} timed)")
    slow = results["convert per question"]
    assert slow == results["prepared names"][: len(slow)], "the two ways parse differently"
    print("both ways parse the questions alike")


if __name__ == "__main__":
    main()
