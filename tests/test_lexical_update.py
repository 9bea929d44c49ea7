"""An index update changes the BM25 postings of the articles it touches only, and ends where a fresh build would."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import lexical
from index.engine import EngineSettings, QuoteEngine
from index.manifest import read_manifest
from tests.conftest import FakeEmbedder

BUILD = lexical.build_bm25  # before any test replaces it
PORT = "港口新闻\n\n青岛港今年集装箱吞吐量再创新高，同比增长百分之八。\n\n码头工人说，夜班比去年多了一倍。\n"


def assert_as_built(engine: QuoteEngine) -> None:
    """The live postings (one segment per index segment, tombstones) merged into passage order are
    those a fresh build of the live articles' terms makes, array for array."""
    data = engine.searcher.data
    assert data.bm25 is not None and len(data.bm25.segments) == len(data.segments)
    order = engine.searcher.layout.passage_slot
    assert order is not None
    fresh = BUILD(data.terms())
    assert fresh is not None
    merged = data.bm25.merged(order)
    for ours, theirs in zip(merged.segments[0].arrays().values(), fresh.segments[0].arrays().values(), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_adding_and_removing_articles_updates_the_postings_as_a_rebuild_would(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reopened = QuoteEngine.open(engine_settings, FakeEmbedder())
    built: list[int] = []

    def counting(articles: dict) -> object:
        built.append(len(articles))
        return BUILD(articles)

    monkeypatch.setattr(lexical, "build_bm25", counting)
    (articles_dir / "port.txt").write_text(PORT, encoding="utf-8")
    reopened.add_files([articles_dir / "port.txt"])
    assert built == []  # no rebuild of every article's postings
    assert_as_built(reopened)
    assert reopened.ask("青岛港集装箱吞吐量增长多少").found
    first = sorted(a for a in reopened.searcher.data.articles if a != "port")[0]
    reopened.remove(first)
    assert built == [] and first not in reopened.searcher.layout.article_ids
    assert_as_built(reopened)
    again = QuoteEngine.open(engine_settings, FakeEmbedder())
    assert again.ask("青岛港集装箱吞吐量增长多少") == reopened.ask("青岛港集装箱吞吐量增长多少")
    assert read_manifest(engine_settings.index_dir).format == 4
