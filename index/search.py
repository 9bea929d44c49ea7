"""Hybrid passage search: BM25 over paragraph terms, dense FAISS search over chunks, fused.

The unit of retrieval is the paragraph: BM25 scores whole paragraphs, and a paragraph's dense score
is the best cosine of its chunks. Both are put on an absolute 0..1 scale before fusion, so one
threshold means the same for every question: BM25 is divided by the most the question's terms could
score (a term the corpus never uses counts against the question), and cosine is mapped from the
embedder's own range, measured when the index is built (:mod:`index.calibration`).
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Container
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import numpy as np

from index.anchors import Anchor, anchors, missing
from index.embedders import Embedder
from index.evidence import asked_role, measure, names_holder
from index.layout import Layout
from index.normalization import to_simplified
from index.not_found import model_for
from index.questions import Question, analyse
from index.records import Chunk
from index.retrieval import Retrieval
from index.snapshot import IndexData
from index.timeframe import parse_iso

if TYPE_CHECKING:
    from index.retrieval_search import Gatherer

# One question is one small search: OpenMP threads cost more to wake than they save, and they fight
# the other requests' threads.
faiss_threads = 1

# The "not found" threshold was calibrated with this mix of term coverage and meaning; it is a fixed
# part of what the threshold means, apart from the ranking weight a user may change.
CONFIDENCE_DENSE_WEIGHT = 0.55
# The not-found model is fitted on the three best passages of each question, and accepts a passage
# at 0.5 (its operating point is folded into its bias): among those three, one it accepts goes
# before one it refuses.
EVIDENCE_WINDOW = 3
MODEL_ACCEPTS = 0.5


@dataclass(frozen=True)
class PassageHit:
    """One paragraph that may answer the question, with the evidence for it."""

    article_id: str
    paragraph: int
    score: float
    lexical: float
    dense: float
    # Cosine of each of the paragraph's chunks that was scored, by chunk id.
    chunk_cosines: dict[int, float] = field(default_factory=dict)
    # How sure the paragraph answers at all (0..1): see Searcher.confidence.
    confidence: float = 0.0


@dataclass(frozen=True)
class Query:
    """A question prepared once: its BM25 terms, their weights, its vector and its analysis."""

    text: str
    terms: list[str]
    weights: dict[str, float]
    vector: np.ndarray
    question: Question | None = None
    # The places, organisations and numbered series the question is about (index.anchors); only with
    # the not-found model.
    anchors: tuple[Anchor, ...] = ()
    # The title whose holder the question asks for ("…的总经理叫什么名字"); only with the not-found model.
    role: str | None = None


class Searcher:
    """Searches one loaded index; immutable, so threads may share it while a new one is built."""

    def __init__(
        self,
        data: IndexData,
        embedder: Embedder,
        dense_weight: float,
        candidates: int,
        simplify_for_embedding: bool,
        refuse_unanchored: bool = True,
        retrieval: Retrieval | None = None,
    ) -> None:
        self.data = data
        self.refuse_unanchored = refuse_unanchored
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.candidates = candidates
        self.simplify_for_embedding = simplify_for_embedding
        # Per slot (chunk), the passage it belongs to; per passage, its slots: the search stays in numpy.
        self.layout = Layout(data)
        self._dead = [len(s) - int(data.live_mask(i).sum()) for i, s in enumerate(data.segments)]
        import faiss

        faiss.omp_set_num_threads(faiss_threads)
        self.simplified = lru_cache(maxsize=4096)(self._simplified)
        self.folded = lru_cache(maxsize=4096)(self._fold)
        self.anchor_line = lru_cache(maxsize=4096)(self._anchor_line)
        self.topic = lru_cache(maxsize=4096)(self._topic)
        self.article_text = lru_cache(maxsize=1024)(self._article_text)
        self.evidence_text = lru_cache(maxsize=4096)(self._evidence_text)
        self.people = lru_cache(maxsize=1024)(self._people)
        # Whether a passage answers at all, from evidence that means the same in any corpus; fitted for
        # one embedder (its cosines), so other embedders keep the fused confidence below.
        self.not_found = model_for(embedder.name)
        # A backend other than this process's FAISS and BM25 (index.retrieval) finds the candidates.
        self.gatherer: Gatherer | None = None
        if retrieval is not None:
            from index.retrieval_search import Gatherer

            self.gatherer = Gatherer(self, retrieval)

    def _text(self, position: int) -> str:
        aid, number = self.layout.key(position)
        return self.data.articles[aid].paragraphs[number].text

    def _simplified(self, position: int) -> str:
        """A passage's text simplified and lower-cased, whatever its length."""
        return to_simplified(self._text(position)).lower()

    def _fold(self, position: int) -> str:
        """The simplified, lower-cased text of a passage, for matching question terms in it."""
        text = self._text(position)
        folded = self.simplified(position)
        return folded if len(folded) == len(text) else text.lower()

    def _anchor_line(self, position: int) -> str:
        """A passage as its line of :meth:`_article_text`: simplifying, lower-casing and NFKC never
        reach across a line break, so the article's anchor text holds this line as it is."""
        return unicodedata.normalize("NFKC", self.simplified(position))

    def _topic(self, position: int) -> str:
        """The simplified, lower-cased title and section of a passage's article."""
        aid, number = self.layout.key(position)
        record = self.data.articles[aid]
        return to_simplified(f"{record.title}\n{record.paragraphs[number].section or ''}").lower()

    def _evidence_text(self, position: int) -> tuple[str, str]:
        """What the not-found evidence reads of a passage: its topic and folded text, and the same
        NFKC-normalised (full-width digits are the same numbers)."""
        topic, folded = self.topic(position), self.folded(position)
        passage = f"{topic}\n{folded}"
        if folded == self.simplified(position):
            # NFKC does not reach across a line break either: the passage's line is normalised once.
            return passage, f"{unicodedata.normalize('NFKC', topic)}\n{self.anchor_line(position)}"
        return passage, unicodedata.normalize("NFKC", passage)

    def _article_text(self, article_id: str) -> str:
        """An article's title and text, simplified, lower-cased and NFKC-normalised, for its anchors."""
        record = self.data.articles[article_id]
        text = "\n".join([record.title, *(p.text for p in record.paragraphs)])
        return unicodedata.normalize("NFKC", to_simplified(text).lower())

    def _people(self, article_id: str) -> tuple[str, ...]:
        """The names of the people an article mentions (found at index time, simplified)."""
        return tuple(str(p["name"]).lower() for p in self.data.articles[article_id].people)

    def lacks_anchors(self, anchored: tuple[Anchor, ...], article_id: str, position: int) -> bool:
        """Whether the article of the passage at ``position`` lacks one of the question's anchors.

        Folding a whole article costs a millisecond or more (several for a long one, most of a first
        answer's reading); a passage that names every anchor answers for its article, because what
        a line of the article's anchor text holds, the whole text holds."""
        if not missing(anchored, self.anchor_line(position)):
            return False
        return missing(anchored, self.article_text(article_id))

    def term_weight(self, term: str) -> float:
        """How much a term says about a passage (its idf); unknown terms weigh as the rarest."""
        bm25 = self.data.bm25
        if bm25 is None:
            return 1.0
        return bm25.idf(term) if term in bm25 else bm25.max_idf()

    def prepare(self, question: str) -> Query:
        vocab: Container[str] = self.data.bm25 if self.data.bm25 is not None else frozenset()
        # Only the question's content words are terms: question words and particles are evidence of
        # nothing, and a small index would weigh them as its rarest terms.
        analysed = analyse(question, speakers=False)
        terms = analysed.terms(vocab)
        vector = self.embedder.encode_queries([to_simplified(question) if self.simplify_for_embedding else question])[0]
        # Anchors need jieba's tagger (a second to load, once): only the not-found model uses them.
        topic = analysed.content[0].lower() if analysed.content else None
        use_anchors = self.not_found is not None and self.refuse_unanchored
        anchored = anchors(analysed.text.lower(), topic) if use_anchors else ()
        role = asked_role(analysed) if self.not_found is not None else None
        return Query(question, terms, {t: self.term_weight(t) for t in terms}, vector, analysed, anchored, role)

    def lexical_ceiling(self, terms: list[str]) -> tuple[list[str], float]:
        """The question's terms the corpus knows, and the most BM25 they could score (0 when none is known)."""
        known, _, ceiling = self._lexical(terms)
        return known, ceiling

    def lexical_scores(self, terms: list[str]) -> np.ndarray:
        """Per paragraph, BM25 divided by the best the question's terms could reach (0..1)."""
        known, raw, ceiling = self._lexical(terms)
        if raw is None:
            return np.zeros(self.layout.passages, dtype=np.float32)
        return np.clip(raw / ceiling, 0.0, 1.0)

    def _lexical(self, terms: list[str]) -> tuple[list[str], np.ndarray | None, float]:
        """The known terms, their raw BM25 per paragraph and the ceiling; ([], None, 0) when nothing scores.

        The best score of each term is a by-product of scoring it, so the ceiling costs no second pass.
        """
        bm25 = self.data.bm25
        known = [t for t in terms if t in bm25] if bm25 is not None else []
        if bm25 is None or not known:
            return [], None, 0.0
        raw, best = bm25.score(known)
        if self.layout.passage_slot is not None:
            raw = raw[self.layout.passage_slot]  # documents in segment order, passages by article id
        # A term the corpus never uses is as informative as its rarest term: missing it must cost.
        ceiling = float(sum(best)) + bm25.max_term_score() * (len(terms) - len(known))
        return (known, raw, ceiling) if ceiling > 0 else ([], None, 0.0)

    @cached_property
    def dates(self) -> dict[str, dt.date | None]:
        """Every article's publication date (None when unknown), parsed once per index snapshot."""
        return {aid: parse_iso(date) for aid, date in self.data.column("date").items()}

    @cached_property
    def _passage_articles(self) -> tuple[list[str], np.ndarray]:
        """The article ids in passage order, and per passage the position of its article among them."""
        return self.layout.article_ids, self.layout.passage_article

    def passage_tiers(self, article_tiers: dict[str, int]) -> np.ndarray:
        """Per passage, its article's tier (:func:`index.timeframe.article_tiers`); -1 leaves it out."""
        ids, of_passage = self._passage_articles
        return np.array([article_tiers.get(aid, -1) for aid in ids], dtype=np.int64)[of_passage]

    def search(self, query: Query, k: int, tiers: np.ndarray | None = None) -> list[PassageHit]:
        """The ``k`` best paragraphs for ``query``, best first (scores 0..1).

        With ``tiers`` (:meth:`passage_tiers`), passages of tier 0 come before those of tier 1 and
        passages of tier -1 are left out; within a tier, best first. The order of the first ``k`` is
        the same whatever ``k``: the engine's paging relies on it.
        """
        return self.ranking(query, tiers).top(k) if k > 0 else []

    def ranking(self, query: Query, tiers: np.ndarray | None = None) -> Ranking:
        """``query``'s candidates gathered, scored and ordered once: :meth:`Ranking.top` gives the
        best ``k`` of them for any ``k``, as :meth:`search` would."""
        if not self.layout.passages:
            return Ranking(self, query, None)
        if self.gatherer is not None:
            gathered = self.gatherer.gather(query, tiers)
            lexical, chunk_ids, cosines, positions = (
                gathered.lexical, gathered.chunk_ids, gathered.cosines, gathered.positions)
        else:
            lexical, chunk_ids, cosines, positions = self._gather(query, tiers)
        if chunk_ids.size == 0:
            return Ranking(self, query, None)
        best = np.full(self.layout.passages, -1.0, dtype=np.float64)
        np.maximum.at(best, positions, cosines)
        candidates = np.unique(positions)
        if tiers is not None:
            candidates = candidates[tiers[candidates] >= 0]
        floor, ceiling = self.data.calibration.floor, self.data.calibration.ceiling
        dense = np.clip((best[candidates] - floor) / (ceiling - floor), 0.0, 1.0)
        w = self.dense_weight
        scores = (1 - w) * lexical[candidates] + w * dense
        # Best score first; equal scores in index order, so results are deterministic.
        rank = tiers[candidates] if tiers is not None else np.zeros(len(candidates), dtype=np.int64)
        order = np.lexsort((candidates, -scores, rank))
        scored = Scored(order, candidates, scores, rank, lexical, best, chunk_ids, cosines, positions)
        return Ranking(self, query, scored)

    def _gather(self, query: Query, tiers: np.ndarray | None) -> tuple[np.ndarray, ...]:
        """Per passage its BM25 on 0..1; the chunk ids, cosines and passages of the scored chunks."""
        lexical = self.lexical_scores(query.terms)
        pool = min(self.candidates, self.layout.passages)
        lexical_top = _top(lexical, pool)
        if tiers is not None:
            # The passages a time in the question asks for first are candidates by their own ranking too:
            # a day's few articles must not be crowded out of the pool by the rest of the index.
            lexical_top = np.union1d(_top(np.where(tiers >= 0, lexical, -1.0), pool),
                                     _top(np.where(tiers == 0, lexical, -1.0), pool))
        slots = self._candidate_slots(query.vector, lexical_top)
        layout = self.layout
        return lexical, layout.slot_id[slots], layout.vectors(slots) @ query.vector, layout.slot_passage[slots]

    def confidence(self, query: Query, hit: PassageHit, position: int) -> float:
        """Whether a paragraph answers at all (0..1).

        With the not-found model of this embedder: the probability that it answers, from evidence
        that does not depend on the corpus (:mod:`index.evidence`). Otherwise: the share of the
        question's term weight it contains (a term the index never saw weighs as its rarest) fused
        with meaning similarity. Ranking uses BM25, whose saturation flatters a paragraph that
        repeats a few of the question's words; the "not found" decision asks instead which of the
        words are there.
        """
        folded = self.folded(position)
        if self.not_found is not None and query.question is not None and query.question.content:
            if query.anchors and self.lacks_anchors(query.anchors, hit.article_id, position):
                return 0.0  # the article never names a place, name or number the question is about
            head = query.role[-2:] if query.role is not None else None
            if head is not None and head in folded and not names_holder(folded, head, self.people(hit.article_id)):
                # Asked who holds a title; the passage has it ("…的生产经理称" for 总经理) with nobody's
                # name. A passage without it at all ("由某某执导" for 导演) is left to the model.
                return 0.0
            passage, wide = self.evidence_text(position)
            evidence = measure(query.question, passage, hit.dense, wide)
            return self.not_found.probability(evidence)
        present = {t for t in query.terms if t in folded}
        dense = self.data.calibration.scale(hit.dense)
        w = CONFIDENCE_DENSE_WEIGHT
        return (1 - w) * coverage(query.weights, present) + w * dense

    def _candidate_slots(self, vector: np.ndarray, lexical_top: np.ndarray) -> np.ndarray:
        """FAISS slots of the dense top chunks and of every chunk of the lexical top paragraphs."""
        pool = min(self.candidates, self.layout.live_slots)
        parts = [self.layout.slots_of(int(p)) for p in lexical_top]
        if pool:
            parts.append(self.dense_slots(vector, pool))
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def dense_slots(self, vector: np.ndarray, k: int) -> np.ndarray:
        """Slots of the ``k`` best live chunks for ``vector`` over every segment, best first (approximate
        where a segment has an ANN index). Each segment is asked for as many more as it has dead chunks."""
        if not self.data.segments:
            return np.zeros(0, dtype=np.int64)
        found = [segment.top(vector, k + dead) for segment, dead in zip(self.data.segments, self._dead, strict=True)]
        scores = np.concatenate([f[0] for f in found])
        ids = np.concatenate([f[1] for f in found])
        slots = self.layout.slots_for(ids[np.lexsort((ids, -scores))])
        return slots[:k]

    def position(self, article_id: str, paragraph: int) -> int:
        return self.layout.position(article_id, paragraph)

    def chunk(self, chunk_id: int) -> Chunk:
        return self.layout.chunk(chunk_id)

@dataclass(frozen=True)
class Scored:
    """A question's candidate passages fused and ordered (indexes into ``candidates``, best first),
    with what their hits are made of: per passage its BM25 and best cosine, and the scored chunks."""

    order: np.ndarray
    candidates: np.ndarray
    scores: np.ndarray
    rank: np.ndarray
    lexical: np.ndarray
    best: np.ndarray
    chunk_ids: np.ndarray
    cosines: np.ndarray
    positions: np.ndarray


class Ranking:
    """One question's candidates in their final order, turned into hits as far as asked.

    When the best passages are reprints of one another they fold into one quote, and the answer asks
    for more (:mod:`index.answering`): a deeper pass takes the next hits of the same order instead of
    gathering again (BM25 over the postings, the dense search, fusion), and the hits it has already
    made, confidence included, are not made again. The pool of candidates never depended on ``k``.
    """

    def __init__(self, searcher: Searcher, query: Query, scored: Scored | None) -> None:
        self.searcher, self.query, self._scored = searcher, query, scored
        self._hits: list[PassageHit] = []

    def top(self, k: int) -> list[PassageHit]:
        """The ``k`` best hits (fewer when there are fewer candidates): :meth:`Searcher.search`."""
        scored = self._scored
        if k <= 0 or scored is None or not scored.order.size:
            return []
        order = scored.order[: max(k, EVIDENCE_WINDOW)]
        hits = self._made(len(order))[: len(order)]
        if self.searcher.not_found is None:
            return hits[:k]
        # Only passages of the first one's time tier may trade places with it.
        rank = scored.rank
        same_tier = int(np.sum(rank[order] == rank[order[0]]))
        return accepted_first(hits, min(EVIDENCE_WINDOW, same_tier))[:k]

    def __len__(self) -> int:
        """How many passages are ranked: ``top(k)`` holds ``min(k, len(self))``."""
        return int(self._scored.order.size) if self._scored is not None else 0

    def at(self, i: int) -> PassageHit:
        """``top(k)[i]`` for any ``k > i``, without making the hits after it (their confidence costs)."""
        if i < EVIDENCE_WINDOW:
            return self.top(EVIDENCE_WINDOW)[i]
        return self._made(i + 1)[i]

    def _made(self, n: int) -> list[PassageHit]:
        """The hits made so far, at least the first ``n`` of the order (``n`` at most its length)."""
        scored = self._scored
        assert scored is not None and n <= scored.order.size
        while len(self._hits) < n:
            self._hits.append(self._hit(int(scored.order[len(self._hits)])))
        return self._hits

    def _hit(self, i: int) -> PassageHit:
        searcher, scored = self.searcher, self._scored
        assert scored is not None
        position = int(scored.candidates[i])
        mine = scored.positions == position
        per_chunk = {int(cid): float(c) for cid, c in zip(scored.chunk_ids[mine], scored.cosines[mine], strict=True)}
        aid, number = searcher.layout.key(position)
        score, lexical, dense = float(scored.scores[i]), float(scored.lexical[position]), float(scored.best[position])
        hit = PassageHit(aid, number, score, lexical, dense, per_chunk)
        confidence = searcher.confidence(self.query, hit, position)
        return PassageHit(aid, number, score, lexical, dense, per_chunk, confidence)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest scores, in no particular order (all of them when there are fewer)."""
    return np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))


def accepted_first(hits: list[PassageHit], window: int = EVIDENCE_WINDOW) -> list[PassageHit]:
    """Among the first ``window`` passages, those the not-found model accepts go before those it
    refuses, each group in rank order: an accepted passage answers, a refused one does not, and the
    quotes stop at the first refused passage (measured on the dev sets and the news set,
    benchmarks/README.md). The model accepts at 0.5."""
    first = hits[:window]
    accepted = [h for h in first if h.confidence >= MODEL_ACCEPTS]
    return [*accepted, *(h for h in first if h.confidence < MODEL_ACCEPTS), *hits[window:]]


def coverage(weights: dict[str, float], present: set[str]) -> float:
    """The share of the question's term weight that a text contains (0..1)."""
    total = sum(weights.values())
    if total <= 0 or math.isnan(total):
        return 0.0
    return sum(w for t, w in weights.items() if t in present) / total
