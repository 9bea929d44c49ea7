"""A question → every quote that answers it, ranked and distinct, or why none does: from one snapshot.

The engine asks for at least the quotes its page needs and slices the page out of this list
(:mod:`index.engine`): a deeper list always starts with a shallower one, so pages never overlap.

Time words ("昨天", "5月14日", "最近") rank or filter the articles by date (:mod:`index.timeframe`,
which also says which words leave the question before it is searched): passages then come in tiers,
best first within each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import replace

import numpy as np

from index.attribution import Attribution
from index.collation import QuoteList
from index.normalization import normalise_question
from index.questions import analyse
from index.quoting import Quoter
from index.records import Quote
from index.results import NotFound
from index.search import PassageHit, Ranking, Searcher
from index.timeframe import article_tiers, find_timeframe


class QuoteRanker:
    """Ranks the quotes for questions on one searcher and its attribution (an index snapshot)."""

    def __init__(self, searcher: Searcher, attribution: Attribution, threshold: float, max_quote_chars: int) -> None:
        self.searcher = searcher
        self.attribution = attribution
        self.threshold = threshold
        self.max_quote_chars = max_quote_chars

    def rank(
        self, question: str, wanted: int, depth: int, today: dt.date
    ) -> tuple[list[Quote] | NotFound, list[PassageHit]]:
        """At least ``wanted`` quotes if there are so many (a statement answer holds them all), and at
        least ``depth`` ranked passages when ``depth`` is set (for evaluation)."""
        searcher = self.searcher
        frame, asked = find_timeframe(question, today)
        tiers = article_tiers(frame, searcher.dates) if frame is not None else None
        passage_tiers = searcher.passage_tiers(tiers) if tiers is not None else None
        spoken = self.attribution.answer(asked)
        ranked: list[PassageHit] = []
        ranking: Ranking | None = None
        if spoken is None or depth:
            query = searcher.prepare(question if frame is not None and frame.literal else asked)
            ranking = searcher.ranking(query, passage_tiers)
            ranked = ranking.top(max(wanted, depth))
        if isinstance(spoken, NotFound):
            return replace(spoken, question=question), ranked
        if spoken is not None:
            if tiers is not None:
                # Statements come best match first; a stable sort by tier keeps that order within each.
                spoken = sorted((q for q in spoken if q.article_id in tiers), key=lambda q: tiers[q.article_id])
            return self._collate(spoken, wanted, asked), ranked
        assert ranking is not None
        return self._passages(ranking, max(wanted, depth), wanted, passage_tiers), ranked

    def _quotes(self, focus: Collection[str] = ()) -> QuoteList:
        return QuoteList(self.searcher.data.articles, self.max_quote_chars, focus)

    def _collate(self, quotes: list[Quote], wanted: int, question: str) -> list[Quote]:
        """The first ``wanted`` distinct quotes of ``quotes``, in order, reprints folded; a long
        statement keeps the part about the question."""
        # The speaker's name is in every statement of theirs: it says nothing about which part answers.
        about = normalise_question(question)
        for name in {q.speaker.name for q in quotes if q.speaker is not None}:
            about = about.replace(name, " ")
        collated = self._quotes(analyse(about, speakers=False).focus())
        for quote in quotes:
            collated.add(quote)
            if len(collated) >= wanted:
                break
        return collated.quotes

    def _passages(self, ranking: Ranking, asked: int, wanted: int, tiers: np.ndarray | None) -> list[Quote]:
        """At least ``wanted`` distinct quotes from the passages above the threshold, if there are so many.

        Several passages may yield the same quote ("会议由市长主持。" closes many paragraphs, a wire
        story is reprinted), so the search goes deeper until enough distinct quotes are found or the
        confident passages run out: first the best ``asked`` passages, then twice as many, and so on. A
        deeper pass takes the next passages of the same ``ranking``; a reprint's quote is the run already
        chosen in the passage it repeats (:class:`index.quoting.Quoter`).
        """
        searcher = self.searcher
        quoter = Quoter(ranking.query, searcher)
        quotes = self._quotes()
        last_tier = int(tiers.max()) if tiers is not None and tiers.size else 0
        # The threshold was calibrated on the best passage alone: when it does not answer, nothing below
        # it does. With tiers, that holds within each tier.
        closed: set[int] = set()
        used, ranked_count = 0, len(ranking)
        while True:
            # The hits of top(asked) one by one: those after the last one read are never made.
            for i in range(used, min(asked, ranked_count)):
                hit = ranking.at(i)
                tier = int(tiers[searcher.position(hit.article_id, hit.paragraph)]) if tiers is not None else 0
                if tier in closed:
                    continue
                if hit.confidence < self.threshold:
                    closed.add(tier)
                    if tier >= last_tier:
                        return quotes.quotes
                    continue
                quote = quoter.quote(hit)
                quotes.add(replace(quote, speaker=self.attribution.speaker_of(quote)))
            if len(quotes) >= wanted or ranked_count < asked:
                return quotes.quotes
            used, asked = asked, asked * 2
