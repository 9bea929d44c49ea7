"""Format 3: segments. An update writes only its own articles; removals are tombstones; compaction
rewrites one segment; opening checks sizes and sampled blocks; older formats still load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index import checks, directory, store
from index.engine import EngineSettings, QuoteEngine
from index.errors import IndexCorruptError, IndexMismatchError
from index.manifest import FORMAT_VERSION, MANIFEST, read_manifest
from tests.conftest import FakeEmbedder
from tests.engines import fail_manifest_writes
from tests.legacy_index import write_format_2

PORT = "港口新闻\n\n青岛港今年集装箱吞吐量再创新高，同比增长百分之八。\n"
APPLES = "苹果新闻\n\n烟台苹果今年丰收，果农王大山说收购价每斤3.5元。\n"
QUESTION = "威海书记说了什么"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _segment_files(index_dir: Path) -> dict[int, set[str]]:
    manifest = read_manifest(index_dir)
    out: dict[int, set[str]] = {}
    for entry in manifest.segments:
        out[entry.generation] = {n for n in manifest.files if directory.generation_of(n) == entry.generation
                                 and not n.startswith(("words-", "bm25-"))}
    return out


def test_terms_are_stored_apart_and_not_read_to_answer(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    manifest = read_manifest(engine_settings.index_dir)
    assert manifest.format == FORMAT_VERSION == 4 and len(manifest.segments) == 1
    reopened = QuoteEngine.open(engine_settings, FakeEmbedder())
    data = reopened.searcher.data
    assert all(record.terms == [] for record in data.articles.values())
    terms = data.terms()
    assert set(terms) == set(data.articles) and all(all(isinstance(t, str) for p in ps for t in p) for ps in terms.values())
    assert reopened.ask(QUESTION) == engine.ask(QUESTION)


def test_an_add_writes_one_small_segment_and_keeps_the_old_files(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path
) -> None:
    index_dir = engine_settings.index_dir
    before = engine.ask(QUESTION)
    base = _segment_files(index_dir)
    base_bytes = {n: (index_dir / n).read_bytes() for names in base.values() for n in names}
    reopened = QuoteEngine.open(engine_settings, FakeEmbedder())
    reopened.add_files([_write(articles_dir, "port", PORT)])
    after = _segment_files(index_dir)
    assert len(after) == 2 and all(after[g] == names for g, names in base.items())
    assert all((index_dir / n).read_bytes() == raw for n, raw in base_bytes.items())
    (new,) = set(after) - set(base)
    delta = read_manifest(index_dir).segments[-1]
    assert delta.generation == new and delta.articles == 1
    assert delta.chunks == sum(1 for _, c in reopened.searcher.data.chunks() if c.article_id == "port")
    # Old articles answer as before (BM25 was rebuilt with their stored terms), the new one answers too.
    assert reopened.ask(QUESTION) == before
    assert reopened.ask("青岛港集装箱吞吐量增长多少").found
    again = QuoteEngine.open(engine_settings, FakeEmbedder())
    assert again.ask(QUESTION) == before and again.ask("青岛港集装箱吞吐量增长多少").found


def test_a_removal_is_a_tombstone_and_reopening_agrees(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path
) -> None:
    engine.add_files([_write(articles_dir, "port", PORT), _write(articles_dir, "apples", APPLES)])
    engine.remove("jiaodong-economic-circle-2")
    manifest = read_manifest(engine_settings.index_dir)
    assert manifest.segments[0].deleted == ["jiaodong-economic-circle-2"]
    assert "jiaodong-economic-circle-2" not in engine.searcher.data.articles
    answer = engine.ask(QUESTION)
    assert all(q.article_id != "jiaodong-economic-circle-2" for q in getattr(answer, "quotes", []))
    reopened = QuoteEngine.open(engine_settings, FakeEmbedder())
    assert sorted(reopened.searcher.data.articles) == sorted(engine.searcher.data.articles)
    assert dict(reopened.searcher.data.chunks()) == dict(engine.searcher.data.chunks())
    assert reopened.ask(QUESTION) == answer
    assert manifest.counts.chunks == reopened.stats()["chunks"]


def _history(engine: QuoteEngine, folder: Path) -> list[int]:
    """Add three articles and remove one, one update at a time; the segment count after each."""
    counts = []
    engine.add_files([_write(folder, "port", PORT)])
    engine.remove("jiaodong-economic-circle-2")
    counts.append(len(read_manifest(engine.settings.index_dir).segments))
    engine.add_files([_write(folder, "apples", APPLES)])
    counts.append(len(read_manifest(engine.settings.index_dir).segments))
    engine.add_files([_write(folder, "more", "更多新闻\n\n日照港今年开通了三条新航线。\n")])
    counts.append(len(read_manifest(engine.settings.index_dir).segments))
    return counts


def test_too_many_segments_are_compacted_into_one_that_answers_alike(
    engine_settings: EngineSettings, articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = (QUESTION, "青岛港集装箱吞吐量增长多少", "烟台苹果收购价多少", "日照港开通了几条航线")
    segmented = QuoteEngine.open(EngineSettings(tmp_path / "segmented", tmp_path / "cache", articles_dir), FakeEmbedder())
    extra = tmp_path / "extra"
    extra.mkdir()
    assert _history(segmented, extra) == [2, 3, 4]
    compacted = QuoteEngine.open(engine_settings, FakeEmbedder())
    compacted.max_segments = 3
    assert _history(compacted, extra) == [2, 3, 1]
    manifest = read_manifest(engine_settings.index_dir)
    assert manifest.segments[0].deleted == [] and manifest.counts.articles == 4
    assert dict(compacted.searcher.data.chunks()) == dict(segmented.searcher.data.chunks())
    reopened = QuoteEngine.open(engine_settings, FakeEmbedder())
    for question in questions:
        assert compacted.ask(question) == segmented.ask(question) == reopened.ask(question)
    # The replaced segments' files go once the grace period is over; the live ones stay.
    monkeypatch.setattr(directory, "GRACE_SECONDS", 0.0)
    compacted.remove("more")
    live = {n.split("/", 1)[0] for n in read_manifest(engine_settings.index_dir).files}
    on_disk = {p.name for p in engine_settings.index_dir.iterdir() if directory.generation_of(p.name) is not None}
    assert on_disk == live


def test_a_crash_before_the_manifest_leaves_the_old_index_served(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, answer = read_manifest(engine_settings.index_dir), engine.ask(QUESTION)
    fail_manifest_writes(monkeypatch)
    with pytest.raises(Exception, match="No space left"):
        engine.add_files([_write(articles_dir, "port", PORT)])
    monkeypatch.undo()
    # The new segment's files are on disk, but nothing names them: the old index loads and answers.
    assert read_manifest(engine_settings.index_dir) == before
    assert any(p.name.endswith(".sqlite") and directory.generation_of(p.name) != before.segments[0].generation
               for p in engine_settings.index_dir.iterdir())
    reopened = QuoteEngine.open(engine_settings, FakeEmbedder())
    assert "port" not in reopened.searcher.data.articles and reopened.ask(QUESTION) == answer


def test_a_damaged_file_is_refused(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    index_dir = engine_settings.index_dir
    name = next(n for n in read_manifest(index_dir).files if n.startswith("chunks-"))
    raw = bytearray((index_dir / name).read_bytes())
    raw[-3] ^= 0x01
    (index_dir / name).write_bytes(bytes(raw))
    with pytest.raises(IndexCorruptError, match=r"^The index file .*chunks-\d+\.npy does not match its checksum; "
                       r"rebuild it with 'quotebot index build'\.$"):
        QuoteEngine.open(engine_settings, FakeEmbedder())


def test_large_files_are_probed_at_open_and_hashed_whole_by_verify(
    engine: QuoteEngine, engine_settings: EngineSettings, monkeypatch: pytest.MonkeyPatch, articles_dir: Path
) -> None:
    monkeypatch.setattr(checks, "FULL_CHECK_BYTES", 1024)
    monkeypatch.setattr(checks, "PROBE_BLOCKS", 2)
    monkeypatch.setattr(checks, "PROBE_BLOCK_BYTES", 128)
    engine.rebuild()  # written with probes of every file above 1 KiB
    index_dir = engine_settings.index_dir
    manifest = read_manifest(index_dir)
    name = next(n for n in manifest.files if n.startswith("vectors-"))
    assert name in manifest.probes and store.verify(index_dir) == len(manifest.files)
    path = index_dir / name
    raw = bytearray(path.read_bytes())
    assert len(raw) > 1024
    middle = len(raw) // 2  # not in the first or last block: only verify reads it
    raw[middle] ^= 0x01
    path.write_bytes(bytes(raw))
    QuoteEngine.open(engine_settings, FakeEmbedder())
    with pytest.raises(IndexCorruptError, match="does not match its checksum"):
        store.verify(index_dir)
    raw[-1] ^= 0x01  # in a sampled block
    path.write_bytes(bytes(raw))
    with pytest.raises(IndexCorruptError, match="does not match its checksum"):
        QuoteEngine.open(engine_settings, FakeEmbedder())
    path.write_bytes(bytes(raw[:-8]))  # shorter: the size tells
    with pytest.raises(IndexCorruptError, match="does not match its checksum"):
        QuoteEngine.open(engine_settings, FakeEmbedder())


def test_columns_that_name_no_article_are_refused(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    index_dir = engine_settings.index_dir
    manifest = read_manifest(index_dir)
    name = next(n for n in manifest.files if n.startswith("chunks-"))
    columns = np.load(index_dir / name)
    columns[0, 1] = 99  # an article ordinal the segment does not have
    with (index_dir / name).open("wb") as fh:
        np.save(fh, columns)
    digest = checks.sha256(index_dir / name)
    update = {"files": {**manifest.files, name: digest},
              "sizes": {**manifest.sizes, name: (index_dir / name).stat().st_size}}
    (index_dir / MANIFEST).write_bytes(manifest.model_copy(update=update).to_bytes())
    with pytest.raises(IndexCorruptError, match="inconsistent .*names no article"):
        store.load(index_dir, "fake:hash-256", 256)


def test_a_format_2_index_still_loads_answers_alike_and_updates_to_format_4(
    engine: QuoteEngine, engine_settings: EngineSettings, tmp_path: Path, articles_dir: Path
) -> None:
    answer = engine.ask(QUESTION)
    old_dir = tmp_path / "old-index"
    write_format_2(old_dir, engine.searcher.data)
    settings = EngineSettings(old_dir, engine_settings.cache_dir, articles_dir)
    old = QuoteEngine.open(settings, FakeEmbedder())
    assert read_manifest(old_dir).format == 2
    assert old.ask(QUESTION) == answer
    assert sorted(old.searcher.data.articles) == sorted(engine.searcher.data.articles)
    old.add_files([_write(articles_dir, "port", PORT)])
    manifest = read_manifest(old_dir)
    assert manifest.format == 4 and len(manifest.segments) == 1
    reopened = QuoteEngine.open(settings, FakeEmbedder())
    assert reopened.ask(QUESTION) == answer and reopened.ask("青岛港集装箱吞吐量增长多少").found


def test_a_damaged_format_2_index_is_refused(engine: QuoteEngine, engine_settings: EngineSettings, tmp_path: Path) -> None:
    old_dir = tmp_path / "old-index"
    write_format_2(old_dir, engine.searcher.data)
    path = old_dir / "chunks-1.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace("威海", "烟台"), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="does not match its checksum"):
        store.load(old_dir, "fake:hash-256", 256)


def test_an_unknown_format_is_told_to_rebuild(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    path = engine_settings.index_dir / MANIFEST
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["format"] = 99
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match=r"has format 99, this QuoteBot reads formats 1, 2, 3 and 4; rebuild"):
        QuoteEngine.open(engine_settings, FakeEmbedder())


def test_a_refresh_after_another_process_added_reads_only_the_new_segment(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path
) -> None:
    base = engine.searcher.data.segments[0]
    other = QuoteEngine.open(engine_settings, FakeEmbedder())  # the CLI, say
    other.add_files([_write(articles_dir, "port", PORT)])
    assert engine.refresh()
    data = engine.searcher.data
    assert data.segments[0] is base and len(data.segments) == 2
    assert engine.ask("青岛港集装箱吞吐量增长多少") == other.ask("青岛港集装箱吞吐量增长多少")
    assert engine.ask(QUESTION) == other.ask(QUESTION)
