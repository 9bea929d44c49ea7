"""BM25 terms of many paragraphs (issue 13): paragraphs/s of ``Analyzer.terms`` one by one as it was,
and of ``Analyzer.terms_many`` in-process and in worker processes. Run by hand from the project root:

    nice -n 5 python benchmarks/analyzer_batch.py --eval-dir EVAL_DIR [--paragraphs 4000] [--rounds 2]

The paragraphs are the CMRC 2018 and DRCD dev sets' (both scripts), repeated when more are asked. The
modes run one after the other in each round (A B C, A B C…) so the machine's other jobs weigh on each
alike. ``before`` is the former code path, kept here as it was: OpenCC twice per paragraph and the
character terms by one regular-expression match per character. Every mode's terms are checked equal
to ``before``'s. CPU seconds include the worker processes'.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def paragraphs(eval_dir: Path, n: int) -> list[str]:
    from index.datasets import load_squad

    texts = [p.text for name in ("cmrc2018_dev.json", "drcd_dev.json")
             for a in load_squad(eval_dir / name).articles for p in a.paragraphs]
    return (texts * (n // len(texts) + 1))[:n]


def before_terms(analyzer: object) -> Callable[[str], list[str]]:
    """The former ``Analyzer.terms``."""
    from index.normalization import _QUESTION_CHARS, STOPWORDS, cjk_bigrams, to_simplified

    cjk = re.compile(r"[\u3400-\u9fff]")

    def character_terms(simplified: str) -> list[str]:
        chars = [c for c in simplified if cjk.match(c) and c not in STOPWORDS]
        pairs = [g for g in cjk_bigrams(simplified) if g not in STOPWORDS and not _QUESTION_CHARS & set(g)]
        return chars + pairs

    def terms(text: str) -> list[str]:
        return analyzer.tokens(text) + character_terms(to_simplified(text).lower())  # type: ignore[attr-defined]

    return terms


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, required=True)
    parser.add_argument("--paragraphs", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cache", type=Path, help="jieba dictionary cache folder (default: a temporary one)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import tempfile

    from index.embedders import usable_cores
    from index.normalization import Analyzer

    cache = args.cache or Path(tempfile.mkdtemp(prefix="terms-"))
    texts = paragraphs(args.eval_dir, args.paragraphs)
    print(f"{len(texts)} paragraphs, {sum(map(len, texts))} chars; {usable_cores()} usable cores", flush=True)
    one = Analyzer(cache)
    one.terms("预热")  # jieba's dictionary loads (and is cached) before the clock
    old = before_terms(one)
    pooled = Analyzer(cache, workers=usable_cores())
    modes: dict[str, Callable[[], list[list[str]]]] = {
        "before": lambda: [old(t) for t in texts],
        "batch, in-process": lambda: one.terms_many(texts),
        f"batch, {pooled.workers} workers": lambda: pooled.terms_many(texts),
    }
    reference: list[list[str]] | None = None
    print(f"{'round':>5} {'mode':>20} {'paragraphs/s':>12} {'wall s':>7} {'CPU s':>6} {'loadavg':>7}")
    for round_no in range(1, args.rounds + 1):
        for label, run in modes.items():
            cpu0, t0 = _cpu(), time.perf_counter()
            out = run()
            wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
            reference = reference or out
            assert out == reference, f"{label}: terms differ from the former code's"
            print(f"{round_no:>5} {label:>20} {len(texts) / wall:>12.0f} {wall:>7.1f} {cpu:>6.1f} "
                  f"{os.getloadavg()[0]:>7.2f}", flush=True)
    print("terms identical in every mode")


if __name__ == "__main__":
    main()
