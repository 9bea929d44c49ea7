"""BM25 over paragraph terms, with bm25s.

bm25s's own splitter keeps whole Chinese clauses as one token, so it is always given our terms
(jieba words, characters and character pairs: :class:`index.normalization.Analyzer`).
"""

from __future__ import annotations

import logging
from typing import Any

# BM25 saturation and length normalisation (measured on the dev sets: benchmarks/README.md).
BM25_K1 = 0.7
BM25_B = 0.5


def bm25s_module() -> Any:
    """bm25s, with its logger back at WARNING: importing it sets the logger to DEBUG, which would
    print "Building index from tokens" on every update."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def build_bm25(terms: dict[str, list[list[str]]]) -> Any:
    """BM25 over every paragraph's terms (``terms`` by article id), articles by id; None without paragraphs."""
    docs = [paragraph for aid in sorted(terms) for paragraph in terms[aid]]
    if not docs:
        return None
    retriever = bm25s_module().BM25(method="lucene", k1=BM25_K1, b=BM25_B)
    # An empty document would make bm25s drop it and shift every later one.
    retriever.index([terms or ["\u2205"] for terms in docs], show_progress=False)
    return retriever


def load_bm25(folder: str) -> Any:
    return bm25s_module().BM25.load(folder, show_progress=False)
