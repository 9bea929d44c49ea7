"""The quotes of one answer, gathered in rank order: each passage once, reprints folded into the first.

A wire story reprinted by several outlets is indexed once per outlet, so a question finds the same
passage in each of them. The first (best-ranked) quote stands for all: a later quote that repeats it
exactly, or nearly (:mod:`index.reprints`: the same trigrams bar a changed clause or punctuation), is
not shown again but listed in the first one's ``also_in`` when it comes from another article. Quotes
are compared after their dateline (a quote never starts inside one), which is where reprints differ.

Folding only ever merges a later quote into an earlier one, so the list for a deeper search starts
with the list for a shallower one: the engine's pages stay slices of one list, and no page shows a
quote, or a near-duplicate of one, that another page showed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from index.quoting import after_lead, bound_quote
from index.records import ArticleRecord, Quote, SourceRef
from index.reprints import MIN_CHARS, THRESHOLD, normalized, overlap, shingles


@dataclass
class _Kept:
    quote: Quote
    grams: frozenset[str]
    # Long enough to be a reprint rather than a common phrase ("会议由市长主持。").
    reprintable: bool


class QuoteList:
    """Quotes added best first; :attr:`quotes` holds the distinct ones, with their other sources."""

    def __init__(self, articles: Mapping[str, ArticleRecord], max_chars: int, focus: Collection[str] = ()) -> None:
        self._articles = articles
        self._max_chars = max_chars
        # The question's words: a long quote keeps the part that holds most of them (quoting.bound_quote).
        self._focus = focus
        self._kept: list[_Kept] = []

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def quotes(self) -> list[Quote]:
        return [kept.quote for kept in self._kept]

    def add(self, quote: Quote) -> bool:
        """Add the next quote; False when it is dropped (inside a dateline) or folded into an earlier one."""
        record = self._articles.get(quote.article_id)
        if record is not None:
            paragraph = record.paragraphs[quote.paragraph] if 0 <= quote.paragraph < len(record.paragraphs) else None
            trimmed = after_lead(quote, paragraph) if paragraph is not None else quote
            if trimmed is None:
                return False
            quote = replace(trimmed, date=record.date, outlet=record.outlet, url=record.url)
        # Bounded after the dateline is cut off, so a long statement keeps as much as it may.
        quote = bound_quote(quote, self._max_chars, self._focus)
        grams = shingles(quote.text)
        reprintable = len(normalized(quote.text)) >= MIN_CHARS
        for i, kept in enumerate(self._kept):
            same = kept.quote.text == quote.text
            if same or (reprintable and kept.reprintable and overlap(grams, kept.grams) >= THRESHOLD):
                if reprintable and kept.reprintable:
                    self._kept[i].quote = _also_in(kept.quote, quote)
                return False
        self._kept.append(_Kept(quote, grams, reprintable))
        return True


def _also_in(kept: Quote, other: Quote) -> Quote:
    """``kept`` listing ``other``'s article among its sources, once, unless it is ``kept``'s own."""
    if other.article_id == kept.article_id or any(s.article_id == other.article_id for s in kept.also_in):
        return kept
    source = SourceRef(other.article_id, other.title, other.outlet, other.url, other.date)
    return replace(kept, also_in=(*kept.also_in, source))
