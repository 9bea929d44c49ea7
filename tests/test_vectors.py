"""The vector index chosen by size: flat below the limit, an HNSW graph above, recorded in the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index import store
from index.engine import EngineSettings, QuoteEngine
from index.errors import IndexCorruptError
from index.manifest import MANIFEST, read_manifest
from index.vectors import (
    HNSW_EF_CONSTRUCTION,
    HNSW_EF_SEARCH,
    HNSW_M,
    NARROW_BUILD_EF_SEARCH,
    build_vector_index,
    fit_vector_index,
    kind_for,
    kind_of,
    new_vector_index,
    remove_vectors,
    stored_vectors,
)
from tests.conftest import FakeEmbedder

DIM = 16


def _unit_rows(n: int, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _search(vectors: object, query: np.ndarray, k: int) -> list[int]:
    _, ids = vectors.search(query[None, :], k)  # type: ignore[attr-defined]
    return [int(i) for i in ids[0] if i >= 0]


def test_the_kind_follows_the_size() -> None:
    assert kind_for(0, 10) == "flat" and kind_for(10, 10) == "flat" and kind_for(11, 10) == "hnsw"
    assert kind_for(50_000) == "flat" and kind_for(50_001) == "hnsw"


def test_a_graph_keeps_every_vector_whole_under_its_id() -> None:
    rows, ids = _unit_rows(300), np.arange(1000, 1300, dtype=np.int64)
    graph = build_vector_index(DIM, "hnsw", rows, ids)
    assert kind_of(graph) == "hnsw" and graph.ntotal == 300
    matrix, stored = stored_vectors(graph, DIM)
    order = np.argsort(stored)
    np.testing.assert_array_equal(stored[order], ids)
    np.testing.assert_array_equal(matrix[order], rows)
    # A small graph searched this deep finds what exact search finds.
    flat = build_vector_index(DIM, "flat", rows, ids)
    for query in _unit_rows(20, seed=1):
        assert _search(graph, query, 10) == _search(flat, query, 10)


def test_removing_from_a_graph_rebuilds_it_without_those_ids() -> None:
    rows, ids = _unit_rows(200), np.arange(200, dtype=np.int64)
    graph = build_vector_index(DIM, "hnsw", rows, ids)
    gone = np.arange(0, 200, 3, dtype=np.int64)
    graph = remove_vectors(graph, DIM, gone)
    assert kind_of(graph) == "hnsw" and graph.ntotal == 200 - len(gone)
    _, stored = stored_vectors(graph, DIM)
    assert set(stored.tolist()) == set(ids.tolist()) - set(gone.tolist())
    for query in rows[gone[:10]]:  # the removed vectors themselves, as questions
        assert not set(_search(graph, query, 20)) & set(gone.tolist())


def test_removing_from_a_flat_index_works_in_place() -> None:
    flat = build_vector_index(DIM, "flat", _unit_rows(10), np.arange(10, dtype=np.int64))
    assert remove_vectors(flat, DIM, np.array([2, 5], dtype=np.int64)) is flat
    assert sorted(stored_vectors(flat, DIM)[1].tolist()) == [0, 1, 3, 4, 6, 7, 8, 9]


def test_an_index_changes_kind_when_it_crosses_the_limit_and_back() -> None:
    rows, ids = _unit_rows(30), np.arange(30, dtype=np.int64)
    flat = build_vector_index(DIM, "flat", rows, ids)
    assert fit_vector_index(flat, DIM, flat_limit=30) is flat
    graph = fit_vector_index(flat, DIM, flat_limit=29)
    assert kind_of(graph) == "hnsw"
    np.testing.assert_array_equal(stored_vectors(graph, DIM)[0], rows)
    back = fit_vector_index(remove_vectors(graph, DIM, np.array([0], dtype=np.int64)), DIM, flat_limit=29)
    assert kind_of(back) == "flat" and back.ntotal == 29
    assert kind_of(fit_vector_index(new_vector_index(DIM), DIM, flat_limit=0)) == "flat"


@pytest.fixture
def graph_engine(engine: QuoteEngine) -> QuoteEngine:
    """The sample index, rebuilt as a graph (any index with a chunk is over a limit of 0)."""
    engine.flat_limit = 0
    engine.rebuild()
    return engine


def test_the_manifest_records_the_graph_and_it_loads_and_answers_alike(
    engine_settings: EngineSettings, tmp_path: Path, articles_dir: Path
) -> None:
    flat_engine = QuoteEngine.open(engine_settings, FakeEmbedder())
    flat_answer = flat_engine.ask("威海书记说了什么")
    assert read_manifest(engine_settings.index_dir).vector_index.kind == "flat"

    graph_settings = EngineSettings(index_dir=tmp_path / "graph", cache_dir=tmp_path / "cache",
                                    articles_dir=articles_dir)
    builder = QuoteEngine.open(graph_settings, FakeEmbedder())
    builder.flat_limit = 0
    builder.rebuild()
    recorded = read_manifest(graph_settings.index_dir).vector_index
    assert (recorded.kind, recorded.m, recorded.ef_search) == ("hnsw", HNSW_M, HNSW_EF_SEARCH)
    reopened = QuoteEngine.open(graph_settings, FakeEmbedder())
    base = reopened.searcher.data.segments[0]
    assert base.kind == "hnsw" and base.ann is None  # read on the first search: an update never needs it
    assert reopened.ask("威海书记说了什么") == flat_answer
    assert reopened.ask("青岛与烟台的合作") == flat_engine.ask("青岛与烟台的合作")
    assert kind_of(base.ann) == "hnsw"
    assert _graph(base.ann) == (HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH)


def _graph(vectors: object) -> tuple[int, int]:
    """How wide a graph was built and how deep it is searched."""
    import faiss

    inner = faiss.downcast_index(vectors.index)  # type: ignore[attr-defined]
    return int(inner.hnsw.efConstruction), int(inner.hnsw.efSearch)


def test_a_graph_built_narrow_is_searched_as_deep_as_before(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.vectors

    # A graph as they were built before the wider build, and the manifest that recorded it.
    monkeypatch.setattr(index.vectors, "HNSW_EF_CONSTRUCTION", 40)
    monkeypatch.setattr(index.vectors, "HNSW_EF_SEARCH", NARROW_BUILD_EF_SEARCH)
    engine.flat_limit = 0
    engine.rebuild()
    monkeypatch.undo()
    assert read_manifest(engine_settings.index_dir).vector_index.ef_search == NARROW_BUILD_EF_SEARCH
    reopened = QuoteEngine.open(engine_settings, FakeEmbedder())
    page = articles_dir / "port.txt"
    page.write_text("港口新闻\n\n青岛港今年集装箱吞吐量再创新高，同比增长百分之八。\n", encoding="utf-8")
    reopened.add_files([page])  # written before the graph is read: the recorded depth is kept
    assert read_manifest(engine_settings.index_dir).vector_index.ef_search == NARROW_BUILD_EF_SEARCH
    assert reopened.ask("青岛港集装箱吞吐量增长多少").found
    base = reopened.searcher.data.segments[0]
    assert base.kind == "hnsw" and _graph(base.ann) == (40, NARROW_BUILD_EF_SEARCH)


def test_a_graph_index_takes_additions_and_removals(
    graph_engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path
) -> None:
    page = articles_dir / "port.txt"
    page.write_text("港口新闻\n\n青岛港今年集装箱吞吐量再创新高，同比增长百分之八。\n", encoding="utf-8")
    graph_engine.add_files([page])
    data = store.load(engine_settings.index_dir, "fake:hash-256", 256)
    # A flat limit of 0 leaves no room for a delta searched exhaustively: the update compacts into a graph.
    assert [s.kind for s in data.segments] == ["hnsw"] and len(data.segments[0].top(data.segments[0].vectors[0], 1)[0])
    assert data.segments[0].ann.ntotal == len(data.segments[0])
    assert graph_engine.ask("青岛港集装箱吞吐量增长多少").found

    graph_engine.remove("port")
    data = store.load(engine_settings.index_dir, "fake:hash-256", 256)
    assert data.segments[0].kind == "hnsw" and "port" not in data.articles
    # Removed by a tombstone: the graph keeps the node, the search leaves it out.
    assert data.dead == {data.segments[0].generation: frozenset({"port"})}
    assert {cid for cid, _ in data.chunks()} == {int(i) for i in data.segments[0].ids[data.live_mask(0)]}
    assert graph_engine.ask("威海书记说了什么").found


def test_a_manifest_written_before_the_kind_was_recorded_loads_as_flat(
    engine: QuoteEngine, engine_settings: EngineSettings
) -> None:
    path = engine_settings.index_dir / MANIFEST
    raw = json.loads(path.read_text(encoding="utf-8"))
    del raw["vector_index"]
    path.write_text(json.dumps(raw), encoding="utf-8")
    assert read_manifest(engine_settings.index_dir).vector_index.kind == "flat"
    assert QuoteEngine.open(engine_settings, FakeEmbedder()).ask("威海书记说了什么").found


def test_a_manifest_that_names_another_kind_is_damage(graph_engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    path = engine_settings.index_dir / MANIFEST
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["segments"][0]["kind"] = "flat"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=r"manifest says a flat vector index for segment \d+, its files disagree"):
        store.load(engine_settings.index_dir, "fake:hash-256", 256)
    raw["vector_index"] = {"kind": "pq"}
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="vector_index.kind"):
        read_manifest(engine_settings.index_dir)
