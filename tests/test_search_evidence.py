"""Search takes its terms from the question's content, and decides "not found" from corpus-free evidence."""

from __future__ import annotations

import pytest

from index.anchors import missing
from index.engine import QuoteEngine
from index.evidence import measure
from index.search import PassageHit, Searcher, accepted_first
from tests.conftest import use_content_model


def test_question_words_are_no_search_terms(engine: QuoteEngine) -> None:
    query = engine.searcher.prepare("烟台市长叫什么名字")
    assert {"烟台", "市长"} <= set(query.terms)
    assert not {"叫", "名字", "长叫", "什么"} & set(query.terms)
    assert query.question is not None and query.question.asks == "person"
    # Pairs never cross a light verb either.
    assert "明做" not in engine.searcher.prepare("王鲁明做了什么").terms


def test_without_a_model_for_the_embedder_the_fused_confidence_stays(engine: QuoteEngine) -> None:
    searcher = engine.searcher
    assert searcher.not_found is None  # the bundled model is for the bundled embedder, not the fake one
    query = searcher.prepare("青岛作为牵头城市要做什么")
    hit = searcher.search(query, 1)[0]
    assert 0.0 < hit.confidence <= 1.0


def test_with_a_model_the_confidence_is_its_probability(engine: QuoteEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the content share counts: a passage holding all of the question's words is likely an answer.
    model = use_content_model(monkeypatch, engine.embedder.name)
    data = engine.searcher.data
    searcher = Searcher(data, engine.embedder, dense_weight=0.5, candidates=50, simplify_for_embedding=True)
    query = searcher.prepare("青岛作为牵头城市要做什么")
    hit = searcher.search(query, 1)[0]
    position = searcher.position(hit.article_id, hit.paragraph)
    assert query.question is not None
    expected = model.probability(measure(query.question, f"{searcher.topic(position)}\n{searcher.folded(position)}", hit.dense))
    assert hit.confidence == pytest.approx(expected)
    assert hit.confidence > 0.8  # every content word of the question is in that paragraph
    elsewhere = searcher.search(searcher.prepare("火星探测器什么时候着陆"), 1)
    assert all(h.confidence < 0.5 for h in elsewhere)


def hit(paragraph: int, confidence: float) -> PassageHit:
    return PassageHit("a", paragraph, 1.0 - paragraph / 10, 0.5, 0.9, confidence=confidence)


def test_a_passage_the_model_accepts_goes_before_one_it_refuses() -> None:
    ranked = [hit(0, 0.2), hit(1, 0.4), hit(2, 0.7), hit(3, 0.9)]
    # Only the best three count: the fourth, though surer, stays where it is.
    assert [h.paragraph for h in accepted_first(ranked)] == [2, 0, 1, 3]
    # Accepted passages keep their rank order, before every refused one, even a refused best one.
    assert [h.paragraph for h in accepted_first([hit(0, 0.6), hit(1, 0.3), hit(2, 0.9)])] == [0, 2, 1]
    assert [h.paragraph for h in accepted_first([hit(0, 0.6), hit(1, 0.9)])] == [0, 1]
    assert [h.paragraph for h in accepted_first([hit(0, 0.1), hit(1, 0.6), hit(2, 0.9)], window=2)] == [1, 0, 2]
    assert [h.paragraph for h in accepted_first([hit(0, 0.2), hit(1, 0.3)])] == [0, 1]
    assert accepted_first([]) == []


def test_refusing_unanchored_articles_is_a_setting(engine: QuoteEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    # The sample article is about Shandong cities; it never names 广州. With the setting on, a question
    # about 广州's port is refused even though its other words match; with it off, the model decides.
    use_content_model(monkeypatch, engine.embedder.name)
    data = engine.searcher.data
    question = "广州作为牵头城市要做什么"
    strict = Searcher(data, engine.embedder, 0.5, 50, True, refuse_unanchored=True)
    lenient = Searcher(data, engine.embedder, 0.5, 50, True, refuse_unanchored=False)
    assert "广州" in [a.word for a in strict.prepare(question).anchors]
    assert lenient.prepare(question).anchors == ()
    assert strict.search(strict.prepare(question), 1)[0].confidence == 0.0
    assert lenient.search(lenient.prepare(question), 1)[0].confidence > 0.0
    # A question whose places the article names is not refused by the setting.
    assert strict.search(strict.prepare("青岛作为牵头城市要做什么"), 1)[0].confidence > 0.8


def test_a_question_without_anchors_never_folds_a_whole_article(
    engine: QuoteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_content_model(monkeypatch, engine.embedder.name)
    searcher = Searcher(engine.searcher.data, engine.embedder, 0.5, 50, True, refuse_unanchored=True)
    query = searcher.prepare("一体化的红利让谁优先分享")
    assert query.anchors == ()
    hits = searcher.search(query, 3)
    assert hits and hits[0].confidence > 0.5
    assert searcher.article_text.cache_info().misses == 0
    # A question with anchors checks them against the article's text.
    searcher.search(searcher.prepare("广州作为牵头城市要做什么"), 1)
    assert searcher.article_text.cache_info().misses > 0


def test_a_passage_naming_every_anchor_answers_for_its_article(
    engine: QuoteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_content_model(monkeypatch, engine.embedder.name)
    searcher = Searcher(engine.searcher.data, engine.embedder, 0.5, 50, True, refuse_unanchored=True)
    anchored = searcher.prepare("威海要积极接轨哪里").anchors
    assert [a.word for a in anchored] == ["威海"]
    layout = searcher.layout
    positions = range(layout.passages)
    naming = [p for p in positions if not missing(anchored, searcher.anchor_line(p))]
    silent = [p for p in positions if missing(anchored, searcher.anchor_line(p))
              and not missing(anchored, searcher.article_text(layout.key(p)[0]))]
    assert naming and silent
    searcher.article_text.cache_clear()
    for p in naming:
        assert not searcher.lacks_anchors(anchored, layout.key(p)[0], p)
    assert searcher.article_text.cache_info().misses == 0  # no whole article was folded
    # A passage without the place still belongs to an article that names it elsewhere.
    assert not searcher.lacks_anchors(anchored, layout.key(silent[0])[0], silent[0])
    assert searcher.article_text.cache_info().misses == 1
    guangzhou = searcher.prepare("广州作为牵头城市要做什么").anchors
    assert all(searcher.lacks_anchors(guangzhou, layout.key(p)[0], p) for p in positions)
