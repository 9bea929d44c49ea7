"""BM25 terms of a large batch in worker processes: jieba is pure Python, so threads cannot share it
out over the cores, and it is most of an index build's time that is not the model's.

Workers are spawned (never forked: the indexing process runs native thread pools that a fork would
copy half-way), load jieba with the analyzer's words, and run below the indexing process's priority
so that questions answered meanwhile go first. The terms are the same as in-process
(tests/test_normalization.py).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from index.normalization import Analyzer

# Texts sent to a worker at once: enough to make the round trip cheap, few enough to share the work out.
CHUNK = 250
# How much lower than the indexing process the workers run (a nice increment).
WORKER_NICE = 5

_ANALYZER: list[Analyzer] = []


def _start(cache_dir: Path | None, user_words: list[str], nice: int) -> None:
    if nice > 0:
        # A priority that cannot be lowered further only costs the serving side some latency.
        with contextlib.suppress(OSError):
            os.nice(nice)
    analyzer = Analyzer(cache_dir, user_words)
    analyzer.folded_terms("")  # load jieba before the first batch arrives
    _ANALYZER.append(analyzer)


def _terms(folded: list[str]) -> list[list[str]]:
    analyzer = _ANALYZER[0]
    return [analyzer.folded_terms(text) for text in folded]


def terms_in_workers(
    cache_dir: Path | None, user_words: Sequence[str], folded: list[str], workers: int, nice: int = WORKER_NICE
) -> list[list[str]]:
    """``Analyzer.folded_terms`` of each text (simplified, lower-cased), in ``workers`` processes."""
    context = multiprocessing.get_context("spawn")
    parts = [folded[i : i + CHUNK] for i in range(0, len(folded), CHUNK)]
    out: list[list[str]] = []
    with ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(parts))), mp_context=context, initializer=_start,
        initargs=(cache_dir, list(user_words), nice),
    ) as pool:
        for part in pool.map(_terms, parts):
            out.extend(part)
    return out
