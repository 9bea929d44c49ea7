"""Index-time text work in worker processes: speaker extraction (jieba's part-of-speech tagger) and
BM25 terms (jieba's words) of a large batch. jieba is pure Python, so threads cannot share it out over
the cores, and the two are most of an index build's time that is not the model's.

Workers are spawned (never forked: the indexing process runs native thread pools that a fork would
copy half-way), load jieba, and run below the indexing process's priority so that questions answered
meanwhile go first. Their results equal the in-process ones (tests/test_text_workers.py).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from index.normalization import POOL_MIN_TEXTS, Analyzer, load_whole_dictionary, name_tags, prepare_tags
from index.priority import lower
from index.records import Paragraph

# Items sent to a worker at once: enough to make the round trip cheap, few enough to share the work out.
CHUNK = 250
ARTICLES_CHUNK = 20
# How much lower than the indexing process the workers run (a nice increment; index.priority).
WORKER_NICE = 5

Extracted = tuple[list[dict[str, Any]], list[dict[str, Any]]]
"""An article's people and statements, as ``index.speakers.extraction.extract`` returns them."""

_ANALYZER: list[Analyzer] = []


def _start(cache_dir: Path | None, user_words: list[str], nice: int) -> None:
    lower(nice)
    # A worker cuts thousands of texts: jieba's whole dictionary, not entries looked up as texts need them.
    load_whole_dictionary(cache_dir)
    analyzer = Analyzer(cache_dir, user_words)
    analyzer.folded_terms("")  # load jieba (from the dictionary cache) before the first batch arrives
    _ANALYZER.append(analyzer)


def _pool(cache_dir: Path | None, user_words: Sequence[str], workers: int, nice: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
        initargs=(cache_dir, list(user_words), nice),
    )


def _terms(folded: list[str]) -> list[list[str]]:
    analyzer = _ANALYZER[0]
    return [analyzer.folded_terms(text) for text in folded]


def _extract(articles: list[list[Paragraph]]) -> list[Extracted]:
    from index.speakers.extraction import extract

    # The tagger shares the analyzer's dictionary, loaded from the cache at start.
    name_tags("", _ANALYZER[0].cache_dir)
    return [extract(paragraphs) for paragraphs in articles]


def terms_in_workers(
    cache_dir: Path | None, user_words: Sequence[str], folded: list[str], workers: int, nice: int = WORKER_NICE
) -> list[list[str]]:
    """``Analyzer.folded_terms`` of each text (simplified, lower-cased), in ``workers`` processes."""
    parts = [folded[i : i + CHUNK] for i in range(0, len(folded), CHUNK)]
    out: list[list[str]] = []
    with _pool(cache_dir, user_words, max(1, min(workers, len(parts))), nice) as pool:
        for part in pool.map(_terms, parts):
            out.extend(part)
    return out


def extract_many(
    articles: Sequence[Sequence[Paragraph]], analyzer: Analyzer, nice: int = WORKER_NICE
) -> list[Extracted]:
    """People and statements of each article; a large batch in ``analyzer.workers`` processes."""
    from index.speakers.extraction import extract

    if analyzer.workers <= 1 or sum(len(a) for a in articles) < POOL_MIN_TEXTS:
        if articles:
            # jieba's dictionary and the tagger from the cache folder: extract itself names none, and the
            # first to load them would otherwise parse jieba's dictionary (about 1.5 s).
            name_tags("", analyzer.cache_dir)
            prepare_tags([p.text for a in articles for p in a], analyzer.cache_dir)
        return [extract(paragraphs) for paragraphs in articles]
    parts = [[list(a) for a in articles[i : i + ARTICLES_CHUNK]] for i in range(0, len(articles), ARTICLES_CHUNK)]
    out: list[Extracted] = []
    with _pool(analyzer.cache_dir, (), max(1, min(analyzer.workers, len(parts))), nice) as pool:
        for part in pool.map(_extract, parts):
            out.extend(part)
    return out
