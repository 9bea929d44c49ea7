from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import store
from index.engine import EngineSettings, QuoteEngine
from index.errors import IndexCorruptError, IndexMismatchError
from tests.conftest import FakeEmbedder


def test_roundtrip_keeps_everything(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    data = store.load(engine_settings.index_dir, "fake:hash-64", 64)
    live = engine.searcher.data
    assert [r.to_json() for r in data.rows] == [r.to_json() for r in live.rows]
    assert data.articles.keys() == live.articles.keys()
    assert data.vectors.ntotal == len(data.rows) > 0
    manifest = store.read_manifest(engine_settings.index_dir)
    assert manifest["format"] == store.FORMAT_VERSION
    assert manifest["embedder"] == "fake:hash-64" and manifest["dim"] == 64
    assert manifest["counts"] == {"articles": 2, "chunks": len(data.rows)}
    assert all(len(digest) == 64 for digest in manifest["files"].values())


def test_other_embedder_is_told_to_rebuild(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    with pytest.raises(IndexMismatchError, match=r"built with embedder 'fake:hash-64'.*'other'.*quotebot index build"):
        store.load(engine_settings.index_dir, "other", 64)
    with pytest.raises(IndexMismatchError):
        QuoteEngine.open(engine_settings, FakeEmbedder(dim=32, name="fake:hash-64"))


def test_checksum_mismatch_is_never_served(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    manifest = store.read_manifest(engine_settings.index_dir)
    chunks = next(name for name in manifest["files"] if name.startswith("chunks-"))
    path = engine_settings.index_dir / chunks
    path.write_text(path.read_text(encoding="utf-8").replace("威海", "烟台"), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=r"does not match its checksum"):
        store.load(engine_settings.index_dir, "fake:hash-64", 64)


def test_missing_file_and_broken_manifest(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    manifest = store.read_manifest(engine_settings.index_dir)
    vectors = next(name for name in manifest["files"] if name.startswith("vectors-"))
    (engine_settings.index_dir / vectors).unlink()
    with pytest.raises(IndexCorruptError, match="is missing"):
        store.load(engine_settings.index_dir, "fake:hash-64", 64)
    (engine_settings.index_dir / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="cannot be read"):
        store.load(engine_settings.index_dir, "fake:hash-64", 64)


def test_crash_mid_write_leaves_previous_index_whole(
    engine: QuoteEngine, engine_settings: EngineSettings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    before = store.read_manifest(engine_settings.index_dir)
    new = tmp_path / "new.txt"
    new.write_text("新文章标题\n\n这是一篇关于烟台苹果丰收的新文章，果农们非常高兴。\n", encoding="utf-8")
    real = store._write_atomic

    def crash_on_manifest(path: Path, data: bytes) -> None:
        if path.name == store.MANIFEST:
            raise OSError("disk full")
        real(path, data)

    monkeypatch.setattr(store, "_write_atomic", crash_on_manifest)
    with pytest.raises(Exception, match="disk full"):
        engine.add_files([new])
    monkeypatch.undo()
    assert store.read_manifest(engine_settings.index_dir) == before
    data = store.load(engine_settings.index_dir, "fake:hash-64", 64)
    assert set(data.articles) == {"jiaodong-economic-circle", "jiaodong-economic-circle-2"}
    # The live engine also still serves the old index.
    assert engine.stats()["articles"] == 2


def test_old_generations_are_cleaned_up(engine: QuoteEngine, engine_settings: EngineSettings, tmp_path: Path) -> None:
    for i in range(3):
        extra = tmp_path / f"extra{i}.txt"
        extra.write_text(f"标题{i}\n\n第{i}篇补充文章的正文，讲述青岛港口的发展。\n", encoding="utf-8")
        engine.add_files([extra])
    gen = store.read_manifest(engine_settings.index_dir)["generation"]
    names = {p.name for p in engine_settings.index_dir.iterdir()}
    generations = {n.split(".", 1)[0].rsplit("-", 1)[-1] for n in names if n not in ("manifest.json", ".lock")}
    assert generations == {str(gen), str(gen - 1)}
    assert not any(n.endswith(".tmp") for n in names)
    json.loads((engine_settings.index_dir / "manifest.json").read_text(encoding="utf-8"))
