"""A deeper search reuses the shallower one: candidates gathered once, a reprint's quote chosen once.

When the best passages are reprints of one story they fold into one quote, and the answer asks the
search for more passages; the answers must be exactly what a search run afresh at each depth gives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import index.quoting as quoting
from index import Page, QuoteEngine
from index.retrieval_search import Gatherer
from index.search import Searcher
from tests.conftest import BACKENDS, FakeEmbedder, settings_for

STORY = [
    "港务局负责人介绍，今年前十个月全港集装箱吞吐量突破二千万标准箱，同比增长百分之九，创同期历史新高。",
    "据介绍，港口新开通的外贸航线达到十二条，覆盖东南亚、中东和欧洲主要港口，航线密度进一步提升。",
    "下一步，港口将加快自动化码头建设，推进海铁联运发展，力争全年吞吐量再创新高。",
]
OUTLETS = 8
QUESTION = "今年前十个月全港集装箱吞吐量同比增长多少"


@pytest.fixture(params=BACKENDS)
def reprinted(request: pytest.FixtureRequest, tmp_path: Path) -> QuoteEngine:
    """One wire story in ``OUTLETS`` outlets, each with its own headline and dateline, plus one article
    of its own."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(OUTLETS):
        body = "\n\n".join(STORY)
        text = f"港口吞吐量快讯第{i + 1}期\n\n发布时间：2024-0{i % 9 + 1}-03 来源：第{i + 1}日报\n\n{body}\n"
        (folder / f"outlet-{i}.txt").write_text(text, encoding="utf-8")
    (folder / "other.txt").write_text("机场年报\n\n今年前十个月机场旅客吞吐量同比增长百分之十五，货邮吞吐量保持稳定。\n",
                                      encoding="utf-8")
    return QuoteEngine.open(settings_for(str(request.param), tmp_path, folder), FakeEmbedder())


def _count(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    calls = [0]
    inner = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return inner(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_a_deeper_search_gathers_the_candidates_once(reprinted: QuoteEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = reprinted.ask(QUESTION, top_k=3)
    local = _count(monkeypatch, Searcher, "_gather")
    remote = _count(monkeypatch, Gatherer, "gather")
    answer = reprinted.ask(QUESTION, top_k=3)
    assert answer == expected
    assert isinstance(answer, Page)
    first = answer.quotes[0]
    # The best passage is in every outlet: one quote, the other seven listed as its other sources.
    assert first.text.endswith(STORY[0]) and len(first.also_in) == OUTLETS - 1
    # Four passages were asked first, then eight and sixteen, each deeper pass for the same question.
    assert local[0] + remote[0] == 1


def test_a_deeper_ranking_starts_with_every_shallower_search(reprinted: QuoteEngine) -> None:
    searcher = reprinted.searcher
    query = searcher.prepare(QUESTION)
    one_by_one = searcher.ranking(query)
    ranking = searcher.ranking(query)
    deepest = ranking.top(4 * OUTLETS)
    assert [one_by_one.at(i) for i in range(len(one_by_one))] == ranking.top(len(ranking))
    assert len(deepest) == len({(h.article_id, h.paragraph) for h in deepest}) > 2 * OUTLETS
    for k in (1, 2, 3, 4, 8, 16, 4 * OUTLETS, 100):
        # A search run afresh at each depth gives the same hits, confidence and order.
        assert ranking.top(k) == searcher.search(query, k) == deepest[:k]


def test_a_reprint_takes_the_run_chosen_for_the_passage_it_repeats(
    reprinted: QuoteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.quoting import Quoter

    searcher = reprinted.searcher
    query = searcher.prepare(QUESTION)
    hits = searcher.search(query, 4 * OUTLETS)
    alone = [Quoter(query, searcher).quote(hit) for hit in hits]
    runs = _count(monkeypatch, quoting, "select_run")
    shared = Quoter(query, searcher)
    assert [shared.quote(hit) for hit in hits] == alone
    # Three paragraphs in eight outlets: the headlines differ, but not in the question's terms.
    assert runs[0] == len({q.context for q in alone}) < len(hits) // 2
    assert len({q.article_id for q in alone}) > OUTLETS  # the other article too
