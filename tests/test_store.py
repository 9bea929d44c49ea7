from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import directory, store
from index.engine import EngineSettings, QuoteEngine
from index.errors import IndexCorruptError, IndexMismatchError
from index.manifest import FORMAT_VERSION, MANIFEST, read_manifest
from tests.conftest import FakeEmbedder
from tests.engines import fail_manifest_writes
from tests.legacy_index import write_format_2


def _article(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.txt"
    path.write_text(f"{name}标题\n\n{body}\n", encoding="utf-8")
    return path


def test_roundtrip_keeps_everything(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    data = store.load(engine_settings.index_dir, "fake:hash-256", 256)
    live = engine.searcher.data
    assert dict(data.chunks()) == dict(live.chunks())
    assert sorted(data.articles) == sorted(live.articles)
    assert [r for r in data.articles.values()] == [live.articles[a] for a in data.articles]
    assert sum(len(s) for s in data.segments) == data.chunk_count > 0
    manifest = read_manifest(engine_settings.index_dir)
    assert manifest.format == FORMAT_VERSION
    assert manifest.embedder == "fake:hash-256" and manifest.dim == 256
    assert manifest.counts.articles == 2 and manifest.counts.chunks == data.chunk_count
    assert all(len(digest) == 64 for digest in manifest.files.values())


def test_other_embedder_is_told_to_rebuild(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    with pytest.raises(IndexMismatchError, match=r"built with embedder 'fake:hash-256'.*'other'.*quotebot index build"):
        store.load(engine_settings.index_dir, "other", 64)
    with pytest.raises(IndexMismatchError):
        QuoteEngine.open(engine_settings, FakeEmbedder(dim=32, name="fake:hash-256"))


def test_checksum_mismatch_is_never_served(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    manifest = read_manifest(engine_settings.index_dir)
    articles = next(name for name in manifest.files if name.startswith("articles-"))
    path = engine_settings.index_dir / articles
    raw = path.read_bytes()
    path.write_bytes(raw.replace("威海".encode(), "烟台".encode()))
    assert path.read_bytes() != raw
    with pytest.raises(IndexCorruptError, match=r"does not match its checksum"):
        store.load(engine_settings.index_dir, "fake:hash-256", 256)


def test_missing_file_is_damage(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    manifest = read_manifest(engine_settings.index_dir)
    vectors = next(name for name in manifest.files if name.startswith("vectors-"))
    (engine_settings.index_dir / vectors).unlink()
    with pytest.raises(IndexCorruptError, match="is missing"):
        store.load(engine_settings.index_dir, "fake:hash-256", 256)


def test_crash_mid_write_leaves_previous_index_whole(
    engine: QuoteEngine, engine_settings: EngineSettings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    before = read_manifest(engine_settings.index_dir)
    new = _article(tmp_path, "new", "这是一篇关于烟台苹果丰收的新文章，果农们非常高兴。")
    fail_manifest_writes(monkeypatch)
    with pytest.raises(Exception, match="No space left"):
        engine.add_files([new])
    monkeypatch.undo()
    assert read_manifest(engine_settings.index_dir) == before
    data = store.load(engine_settings.index_dir, "fake:hash-256", 256)
    assert set(data.articles) == {"jiaodong-economic-circle", "jiaodong-economic-circle-2"}
    # The live engine also still serves the old index, and no temporary file is left behind.
    assert engine.stats()["articles"] == 2
    assert not [p for p in engine_settings.index_dir.iterdir() if p.name.endswith(".tmp")]
    # The files the crashed save wrote are in the ledger, so a later save retires them.
    monkeypatch.setattr(directory, "GRACE_SECONDS", 0.0)
    engine.add_files([new])
    manifest = read_manifest(engine_settings.index_dir)
    assert _generations(engine_settings.index_dir) == {s.generation for s in manifest.segments} | {manifest.generation}
    assert 2 not in _generations(engine_settings.index_dir)


def _generations(index_dir: Path) -> set[int]:
    return {g for p in index_dir.iterdir() if (g := directory.generation_of(p.name)) is not None}


def test_replaced_generations_stay_for_the_grace_period_then_go(
    engine: QuoteEngine, engine_settings: EngineSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = engine_settings.index_dir
    first = read_manifest(index_dir).generation
    engine.add_files([_article(tmp_path, "one", "第一篇补充文章的正文，讲述青岛港口的发展。")])
    engine.add_files([_article(tmp_path, "two", "第二篇补充文章的正文，讲述烟台港口的发展。")])
    live = read_manifest(index_dir).generation
    # Within the grace period a reader that read an older manifest can still open its files.
    assert _generations(index_dir) == {first, first + 1, live}
    monkeypatch.setattr(directory, "GRACE_SECONDS", 0.0)
    engine.add_files([_article(tmp_path, "three", "第三篇补充文章的正文，讲述威海港口的发展。")])
    # What is left is what the live manifest names: its segments, old and new, and its own files.
    manifest = read_manifest(index_dir)
    assert _generations(index_dir) == {s.generation for s in manifest.segments} | {manifest.generation}
    assert {p.name for p in index_dir.iterdir() if directory.generation_of(p.name) is not None} == {
        n.split("/", 1)[0] for n in manifest.files}
    json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))


def test_a_reader_that_loses_the_race_reads_the_new_generation(
    engine: QuoteEngine, engine_settings: EngineSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(directory, "GRACE_SECONDS", 0.0)
    index_dir = engine_settings.index_dir
    real = store._load_generation
    calls = []

    def writer_in_between(*args: object) -> store.IndexData:
        if not calls:
            # A writer replaces and retires the generation this reader just read the manifest of.
            engine.add_files([_article(tmp_path, "late", "一篇晚到的文章，讲述日照港口的发展。")])
        calls.append(args)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "_load_generation", writer_in_between)
    data = store.load(index_dir, "fake:hash-256", 256)
    assert len(calls) == 2
    assert "late" in data.articles


def test_chunk_ids_come_from_the_data_not_a_stored_counter(
    engine: QuoteEngine, engine_settings: EngineSettings, tmp_path: Path
) -> None:
    index_dir = engine_settings.index_dir
    raw = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    # An older manifest's counter, lowered: it must not decide the next chunk id.
    raw["next_id"] = 0
    (index_dir / MANIFEST).write_text(json.dumps(raw), encoding="utf-8")
    sample_chunks = {cid: c.text for cid, c in store.load(index_dir, "fake:hash-256", 256).chunks()}
    fresh = QuoteEngine.open(engine_settings, FakeEmbedder())
    fresh.add_files([_article(tmp_path, "apples", "烟台苹果今年丰收，果农王大山说收购价每斤3.5元。")])
    data = store.load(index_dir, "fake:hash-256", 256)
    ids = [cid for cid, _ in data.chunks()]
    assert len(ids) == len(set(ids)) and min(set(ids) - set(sample_chunks)) > max(sample_chunks)
    fresh.remove("apples")
    after = {cid: c.text for cid, c in store.load(index_dir, "fake:hash-256", 256).chunks()}
    assert after == sample_chunks


def test_article_metadata_is_kept_and_indexes_written_without_it_still_load(
    engine: QuoteEngine, engine_settings: EngineSettings, tmp_path: Path
) -> None:
    import hashlib

    page = tmp_path / "dated.txt"
    page.write_text("港口新闻\n\n发布时间：2024-05-14 09:05 来源：示例日报\n\n新华社青岛5月14日电（记者 王小明）"
                    "青岛港今年集装箱吞吐量再创新高，同比增长百分之八。\n", encoding="utf-8")
    engine.add_files([page])
    index_dir = engine_settings.index_dir
    record = store.load(index_dir, "fake:hash-256", 256).articles["dated"]
    assert (record.date, record.outlet, record.author, record.url) == ("2024-05-14", "示例日报", "王小明", None)

    # What an index written before these fields existed looks like (format 2): no such keys at all.
    index_dir = tmp_path / "old-index"
    write_format_2(index_dir, store.load(engine_settings.index_dir, "fake:hash-256", 256))
    engine_settings = EngineSettings(index_dir, engine_settings.cache_dir, engine_settings.articles_dir)
    manifest = read_manifest(index_dir)
    name = f"articles-{manifest.generation}.json"
    meta = json.loads((index_dir / name).read_text(encoding="utf-8"))
    for article in meta["articles"]:
        for key in ("date", "outlet", "author", "url"):
            del article[key]
    (index_dir / name).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    files = dict(manifest.files, **{name: hashlib.sha256((index_dir / name).read_bytes()).hexdigest()})
    (index_dir / MANIFEST).write_bytes(manifest.model_copy(update={"files": files}).to_bytes())

    old = store.load(index_dir, "fake:hash-256", 256).articles["dated"]
    assert (old.date, old.outlet, old.author, old.url) == (None, None, None, None)
    assert old.paragraphs == record.paragraphs
    embedder = FakeEmbedder()
    reopened = QuoteEngine.open(engine_settings, embedder)
    assert reopened.article("dated").date is None and reopened.ask("青岛港集装箱吞吐量增长多少").found
    # Adding the file again fills the fields in; its text is embedded already (the cache has it).
    report = reopened.add_files([page])
    assert [a.article_id for a in report.added] == ["dated"] and report.embedded_chunks == 0
    assert reopened.article("dated").date == "2024-05-14"
    assert [a.article_id for a in reopened.add_files([page]).unchanged] == ["dated"]
