"""Cut a clean article into chunks: runs of whole sentences of one paragraph, near a target size."""

from __future__ import annotations

from index.records import Chunk, CleanArticle
from index.sentences import split_sentences


def chunk_article(article: CleanArticle, target_chars: int, max_chars: int) -> list[Chunk]:
    """Chunk every paragraph; chunks never cross paragraphs, so never sections or articles either.

    A paragraph's dateline (its ``lead``) is metadata: chunks, and so quotes, start after it.
    """
    chunks: list[Chunk] = []
    for paragraph in article.paragraphs:
        lead = paragraph.lead
        spans = [(lo + lead, hi + lead) for lo, hi in split_sentences(paragraph.text[lead:])]
        for lo, hi in pack_sentences(spans, target_chars, max_chars):
            chunks.append(
                Chunk(
                    article_id=article.article_id,
                    title=article.title,
                    section=paragraph.section,
                    paragraph=paragraph.number,
                    start=paragraph.start + lo,
                    end=paragraph.start + hi,
                    text=paragraph.text[lo:hi],
                )
            )
    return chunks


def pack_sentences(spans: list[tuple[int, int]], target_chars: int, max_chars: int) -> list[tuple[int, int]]:
    """Greedily group consecutive sentence spans into runs of about ``target_chars`` characters.

    A run closes once it reaches the target; a short run takes the next sentence as long as the
    result stays within ``max_chars``, so tiny trailing sentences do not become chunks of their own.
    """
    runs: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    for lo, hi in spans:
        if cur is None:
            cur = (lo, hi)
            continue
        size = cur[1] - cur[0]
        grown = hi - cur[0]
        if size < target_chars and grown <= max_chars and (grown <= target_chars or size < target_chars // 2):
            cur = (cur[0], hi)
        else:
            runs.append(cur)
            cur = (lo, hi)
    if cur is not None:
        # A short tail joins the run before it when that still fits.
        if runs and cur[1] - cur[0] < target_chars // 3 and cur[1] - runs[-1][0] <= max_chars:
            runs[-1] = (runs[-1][0], cur[1])
        else:
            runs.append(cur)
    return runs
