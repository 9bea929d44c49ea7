"""BM25 over paragraph terms: the index's postings (:mod:`index.postings`), one document per paragraph.

Documents are always our terms (jieba words, characters and character pairs:
:class:`index.normalization.Analyzer`), in passage order: articles by id, paragraphs in order
(:meth:`index.snapshot.IndexData.passage_keys`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path

from index.postings import Postings

# The one segment an index generation's postings folder holds (postings-N/bm25.*.npy).
SEGMENT = "bm25"

Terms = Mapping[str, Sequence[Sequence[str]]]
"""Each article's paragraphs' terms, by article id."""


def build_bm25(terms: Terms) -> Postings | None:
    """BM25 over every paragraph's terms, articles by id; None without paragraphs."""
    docs = [paragraph for aid in sorted(terms) for paragraph in terms[aid]]
    return Postings.build(docs) if docs else None


def update_bm25(
    old_keys: Sequence[tuple[str, int]], postings: Postings | None, kept: Collection[str],
    new_keys: Sequence[tuple[str, int]], fresh: Terms, everything: Callable[[], Terms],
) -> Postings | None:
    """The postings after an update, from ``postings`` (in the passage order ``old_keys``): the
    paragraphs of articles not ``kept`` are deleted, those of ``fresh`` articles (new or changed) added,
    and one merge puts them in the order ``new_keys``. Only the changed articles' terms are read; the
    merge is numpy work over the postings, not Python work per term. ``everything`` gives every
    article's terms for a build from scratch, when ``postings`` do not match ``old_keys``."""
    if postings is None or len(postings) != len(old_keys):
        return build_bm25(everything())
    if not new_keys:
        return None
    updated = postings.copy()  # the live index keeps serving from the original
    updated.delete(i for i, (aid, _) in enumerate(old_keys) if aid not in kept)
    first = len(updated)
    added = [(aid, n) for aid in sorted(fresh) for n in range(len(fresh[aid]))]
    updated.add([fresh[aid][n] for aid, n in added])
    slot = {key: i for i, key in enumerate(old_keys) if key[0] in kept}
    slot.update((key, first + i) for i, key in enumerate(added))
    return updated.merged([slot[key] for key in new_keys])


def load_bm25(folder: Path) -> Postings:
    """The postings of one generation, memory-mapped (IndexCorruptError when a file is damaged)."""
    return Postings.open(folder, [SEGMENT])


def save_bm25(folder: Path, postings: Postings) -> list[Path]:
    """Write the postings as the one segment of ``folder``; returns the files written."""
    return postings.save(folder, SEGMENT)
