"""The retrieval interface (index.retrieval): BM25 as sparse vectors, and both backends keeping its contract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index.engine import QuoteEngine
from index.postings import Postings
from index.retrieval import ChunkEntry, LocalRetrieval, Retrieval, Within
from index.search import Searcher
from index.sparse import average_length, drifted, paragraph_vector, query_vector, term_id

PARAGRAPHS = [
    ["青岛", "港口", "吞吐量", "增长", "港口"],
    ["烟台", "苹果", "丰收", "果农", "苹果", "苹果"],
    [],
    ["威海", "港口", "合作", "青岛", "青岛", "基础", "扎实", "双方", "互补"],
    ["日照", "南翼", "支点"],
]


def _inner(query: dict[int, float], doc: dict[int, float]) -> float:
    return sum(w * doc.get(t, 0.0) for t, w in query.items())


def test_sparse_inner_product_is_the_bm25_the_local_postings_compute() -> None:
    postings = Postings.build(PARAGRAPHS)
    avgdl = average_length(PARAGRAPHS)
    docs = [paragraph_vector(terms, avgdl) for terms in PARAGRAPHS]
    n = len(PARAGRAPHS)
    df = {t: sum(t in terms for terms in PARAGRAPHS) for terms in PARAGRAPHS for t in terms}
    idf = {t: float(np.log(1 + (n - d + 0.5) / (d + 0.5))) for t, d in df.items()}
    # A term the question names twice counts twice, as in the local BM25.
    for question in (["港口", "青岛"], ["苹果"], ["港口", "港口", "合作"], ["支点", "未知"]):
        known = [t for t in question if t in postings]
        expected = np.asarray(postings.score(known)[0], dtype=np.float64)
        got = [_inner(query_vector(question, idf), doc) for doc in docs]
        assert got == pytest.approx(expected.tolist(), rel=1e-5, abs=1e-6)
    assert expected[4] > 0  # the last question does score its known term


def test_term_ids_are_stable_and_never_the_placeholder() -> None:
    assert term_id("港口") == term_id("港口") != term_id("港")
    assert all(0 < term_id(t) < 2**32 - 1 for t in ["", "a", "港口", "\u2205"])
    assert not drifted(100.0, 101.0) and drifted(100.0, 103.0) and drifted(0.0, 1.0)


@pytest.fixture(params=["local", "milvus"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Retrieval]:
    if request.param == "local":
        yield LocalRetrieval(4)
        return
    pytest.importorskip("pymilvus")
    pytest.importorskip("milvus_lite")
    from index.milvus_backend import MilvusRetrieval

    backend = MilvusRetrieval.open(str(tmp_path / "vectors.db"), "chunks", "test:dim4", 4).at(1)
    yield backend
    backend.close()


# An article id with quotes and a backslash: filters are built as text, so it must be escaped.
ODD = 'it\'s "odd" \\ id'
VECTORS = np.array([[1, 0, 0, 0], [0.8, 0.6, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0.6, 0.8], [0, 0, 0, 1]],
                   dtype=np.float32)


def _entries() -> list[ChunkEntry]:
    avgdl = average_length(PARAGRAPHS[:4])
    owners = [("a", 0, 0), ("a", 0, 0), ("a", 1, 2), (ODD, 0, 3), (ODD, 0, 3), (ODD, 1, 5)]
    terms = {0: PARAGRAPHS[0], 2: PARAGRAPHS[1], 3: PARAGRAPHS[3], 5: PARAGRAPHS[2]}
    return [
        ChunkEntry(i, aid, paragraph, head, VECTORS[i], paragraph_vector(terms[i], avgdl) if i == head else None)
        for i, (aid, paragraph, head) in enumerate(owners)
    ]


def test_a_backend_adds_searches_filters_and_deletes(store: Retrieval) -> None:
    store.add(_entries())
    assert store.count() == 6
    query = np.array([0.9, 0.2, 0.3, 0.1], dtype=np.float32)
    hits = store.dense(query, 3)
    expected = np.argsort(-(VECTORS @ query), kind="stable")[:3]
    assert [h.chunk_id for h in hits] == expected.tolist()
    assert [h.score for h in hits] == pytest.approx((VECTORS @ query)[expected].tolist(), abs=1e-5)
    assert (hits[0].article_id, hits[0].paragraph) == ("a", 0)
    odd_only = store.dense(query, 10, Within(articles=frozenset({ODD})))
    assert [h.chunk_id for h in odd_only] == [3, 4, 5] and {h.article_id for h in odd_only} == {ODD}
    assert [h.chunk_id for h in store.dense(query, 10, Within(heads=frozenset({0})))] == [0, 1]

    idf = {"港口": 1.0, "青岛": 2.0, "苹果": 0.5}
    sparse = query_vector(["港口", "青岛"], idf)
    entries = {e.chunk_id: e for e in _entries()}
    found = store.sparse(sparse, 10)
    # Paragraphs named by their heads, best first; the ones without those terms are not hits.
    scores = {head: _inner(sparse, entries[head].sparse or {}) for head in (0, 2, 3, 5)}
    assert scores[0] > scores[3] > 0 == scores[2] == scores[5]
    assert [h.chunk_id for h in found] == [0, 3]
    assert [h.score for h in found] == pytest.approx([scores[0], scores[3]], rel=1e-5)
    assert [h.chunk_id for h in store.sparse(sparse, 10, Within(heads=frozenset({0, 2})))] == [0]
    assert [h.chunk_id for h in store.sparse(sparse, 10, Within(articles=frozenset({"a"})))] == [0]
    assert store.sparse({}, 10) == []

    store.delete_articles([ODD])
    assert store.count() == 3
    assert {h.article_id for h in store.dense(query, 10)} == {"a"}
    assert [h.chunk_id for h in store.sparse(sparse, 10)] == [0]


def test_the_local_backend_behind_the_interface_ranks_as_the_engine_does(engine: QuoteEngine) -> None:
    # The same candidates gathered through the interface (index.retrieval_search) from a LocalRetrieval
    # holding the index: the gathering, not Milvus, is what this checks.
    live = engine.searcher
    s = engine.settings
    through = Searcher(live.data, engine.questions, s.dense_weight, s.candidates, s.simplify_for_embedding,
                       retrieval=LocalRetrieval.of_index(live.data))
    assert through.gatherer is not None and live.gatherer is None
    for question in ["张海波说了什么", "胶东经济圈 两会", "青岛作为牵头城市要做什么", "量子色动力学"]:
        want, got = live.search(live.prepare(question), 10), through.search(through.prepare(question), 10)
        assert [(h.article_id, h.paragraph) for h in got] == [(h.article_id, h.paragraph) for h in want]
        assert [h.score for h in got] == pytest.approx([h.score for h in want], abs=1e-5)
