"""Hits → quotes: verbatim text with its source, and the words that matched (in the article's script)."""

from __future__ import annotations

from index.normalization import to_simplified
from index.records import Quote
from index.search import Hit
from index.store import IndexData


def matched_spans(text: str, terms: tuple[str, ...]) -> tuple[str, ...]:
    """The substrings of ``text`` that match ``terms`` (given simplified), in the text's own script."""
    folded = to_simplified(text).lower()
    same_length = len(folded) == len(text)
    found: list[str] = []
    for term in sorted(set(terms), key=len, reverse=True):
        at = folded.find(term)
        if at < 0:
            continue
        original = text[at : at + len(term)] if same_length else term
        if original not in found and not any(original in longer for longer in found):
            found.append(original)
    return tuple(found)


def quote_from_hit(hit: Hit, data: IndexData) -> Quote:
    chunk = hit.row.chunk
    article = data.articles.get(chunk.article_id)
    context = chunk.text
    if article is not None and 0 <= chunk.paragraph < len(article.paragraphs):
        context = article.paragraphs[chunk.paragraph].text
    return Quote(
        text=chunk.text,
        article_id=chunk.article_id,
        title=chunk.title,
        section=chunk.section,
        paragraph=chunk.paragraph,
        start=chunk.start,
        end=chunk.end,
        score=hit.score,
        context=context,
        matched=matched_spans(chunk.text, hit.matched),
    )
