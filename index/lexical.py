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


def update_bm25(
    before: dict[str, ArticleRecord], postings: Postings | None, articles: dict[str, ArticleRecord]
) -> Postings | None:
    """The postings of ``articles``, from ``postings`` (those of ``before``, in its passage order): the
    paragraphs of articles that are gone or whose record changed are deleted, those of new or changed
    articles added, and one merge puts them in passage order. The terms are tokenised only for the
    articles that changed, and the merge is numpy work over the postings, not Python work per term."""
    old_keys = passage_keys(before)
    if postings is None or len(postings) != len(old_keys):
        return build_bm25(articles)
    # Same record object: same terms (an update replaces the record of every article it touches).
    kept = {aid for aid, record in articles.items() if before.get(aid) is record}
    updated = postings.copy()  # the live index keeps serving from the original
    updated.delete(i for i, (aid, _) in enumerate(old_keys) if aid not in kept)
    new_keys = passage_keys(articles)
    fresh = [key for key in new_keys if key[0] not in kept]
    first = len(updated)
    updated.add([articles[aid].terms[n] for aid, n in fresh])
    slot = {key: i for i, key in enumerate(old_keys) if key[0] in kept}
    slot.update((key, first + i) for i, key in enumerate(fresh))
    if not new_keys:
        return None
    return updated.merged([slot[key] for key in new_keys])


def load_bm25(folder: Path) -> Postings:
    """The postings of one generation, memory-mapped (IndexCorruptError when a file is damaged)."""
    return Postings.open(folder, [SEGMENT])


def save_bm25(folder: Path, postings: Postings) -> list[Path]:
    """Write the postings as the one segment of ``folder``; returns the files written."""
    return postings.save(folder, SEGMENT)
