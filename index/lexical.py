"""BM25 over paragraph terms: the index's postings (:mod:`index.postings`), one document per paragraph.

Documents are always our terms (jieba words, characters and character pairs:
:class:`index.normalization.Analyzer`), in :func:`index.records.passage_keys` order.
"""

from __future__ import annotations

from pathlib import Path

from index.postings import Postings
from index.records import ArticleRecord, passage_keys

# The one segment an index generation's postings folder holds (postings-N/bm25.*.npy).
SEGMENT = "bm25"


def build_bm25(articles: dict[str, ArticleRecord]) -> Postings | None:
    """BM25 over every paragraph's stored terms, in :func:`passage_keys` order; None without paragraphs."""
    docs = [articles[aid].terms[n] for aid, n in passage_keys(articles)]
    return Postings.build(docs) if docs else None


def load_bm25(folder: Path) -> Postings:
    """The postings of one generation, memory-mapped (IndexCorruptError when a file is damaged)."""
    return Postings.open(folder, [SEGMENT])


def save_bm25(folder: Path, postings: Postings) -> list[Path]:
    """Write the postings as the one segment of ``folder``; returns the files written."""
    return postings.save(folder, SEGMENT)
