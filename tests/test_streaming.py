"""Builds from scratch stream through staged segments: several batches give the index one batch gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from index import directory, store, streaming
from index.engine import EngineSettings, QuoteEngine
from index.indexing import IndexReport
from index.manifest import read_manifest
from index.posting_blocks import stack
from index.segments import build_segment, open_segment, save_segment
from index.snapshot import IndexData
from index.streaming import StreamingBuild
from tests.conftest import FakeEmbedder
from tests.engines import fail_manifest_writes

# Short articles of our own; the people named in later ones are words jieba must keep whole in the
# earlier ones too, which a batch built before they were learned must not miss.
ARTICLES = {
    "a-harbour": "港口新闻\n\n渡轮公司经理欧阳晓峰说，今年夏天的渡轮班次增加了一倍。\n\n码头工人说欧阳晓峰每天都来检查，"
                 "上官月华也坐渡轮去新桥。\n",
    "b-library": "图书馆夜读\n\n馆长司马青云表示，夜间开放的阅览室每晚接待三百名读者。\n\n读者认为欧阳晓峰的建议很好。\n",
    "c-orchard": "果园丰收\n\n果农诸葛明远说，今年的苹果比去年甜，收成也多了两成。\n\n司马青云也来果园参观。\n",
    "d-bridge": "新桥通车\n\n工程师上官月华介绍，新桥全长一千二百米，设计寿命一百年。\n\n诸葛明远和上官月华一起剪彩。\n",
    "e-market": "早市见闻\n\n摊主慕容春生说，早市的蔬菜价格比超市便宜三成。\n\n上官月华说她每周都来早市。\n",
}
QUESTIONS = ["欧阳晓峰说了什么", "新桥有多长", "早市的蔬菜价格怎么样", "阅览室每晚接待多少读者", "苹果收成如何"]


def _write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ARTICLES.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def _engine(tmp_path: Path, name: str, articles: Path, batch_chars: int) -> QuoteEngine:
    settings = EngineSettings(index_dir=tmp_path / name, cache_dir=tmp_path / "cache", articles_dir=articles)
    engine = QuoteEngine(settings, FakeEmbedder())
    engine.batch_chars = batch_chars
    return engine


def _one_batch_in_memory(engine: QuoteEngine) -> None:
    """The build the streaming one replaces: every article in memory, then one save."""
    with engine._writing():
        report = IndexReport()
        data = engine._empty()
        files = sorted(engine.articles_dir.glob("*.txt"))
        engine.indexer.apply(data, engine.indexer.prepare(data, files, report), True, report)
        engine._commit(data)


def _same_index(one: IndexData, other: IndexData) -> None:
    assert [(cid, chunk) for cid, chunk in one.chunks()] == [(cid, chunk) for cid, chunk in other.chunks()]
    assert one.user_words == other.user_words and one.user_words
    assert one.terms() == other.terms()
    assert [r.to_json() for r in one.articles.values()] == [r.to_json() for r in other.articles.values()]
    assert one.bm25 is not None and other.bm25 is not None
    for (part, a), b in zip(one.bm25.segments[0].arrays().items(), other.bm25.segments[0].arrays().values(),
                            strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b), part
    assert np.array_equal(one.segments[0].vectors, other.segments[0].vectors)
    assert np.array_equal(one.segments[0].columns, other.segments[0].columns)


def test_a_build_in_several_batches_equals_one_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    articles = _write(tmp_path / "articles")
    staged: list[int] = []
    real = StreamingBuild._stage

    def counting(self: StreamingBuild, batch: list, report: IndexReport) -> None:  # type: ignore[type-arg]
        staged.append(len(batch))
        real(self, batch, report)

    monkeypatch.setattr(StreamingBuild, "_stage", counting)
    # Terms and BM25 postings a few articles at a time too: the postings blocks are stacked on disk.
    monkeypatch.setattr(streaming, "TERMS_ARTICLES", 2)
    streamed = _engine(tmp_path, "streamed", articles, batch_chars=1)
    report = streamed.rebuild()
    assert staged == [1] * len(ARTICLES) and len(report.added) == len(ARTICLES)
    whole = _engine(tmp_path, "whole", articles, batch_chars=10**9)
    whole.rebuild()
    assert staged[len(ARTICLES):] == [len(ARTICLES)]
    memory = _engine(tmp_path, "memory", articles, batch_chars=1)
    _one_batch_in_memory(memory)

    loaded = [store.load(e.settings.index_dir, "fake:hash-256", 256) for e in (streamed, whole, memory)]
    # A name learned from the last article is kept whole in the first one's terms as well.
    assert "上官月华" in loaded[0].user_words
    assert any("上官月华" in paragraph for paragraph in loaded[0].terms()["a-harbour"])
    _same_index(loaded[0], loaded[2])
    _same_index(loaded[1], loaded[2])
    for question in QUESTIONS:
        assert streamed.ask(question) == memory.ask(question) == whole.ask(question)
    # Only the live generation is left: the staged batches were deleted once it was live.
    manifest = read_manifest(streamed.settings.index_dir)
    left = {g for p in streamed.settings.index_dir.iterdir() if (g := directory.generation_of(p.name)) is not None}
    assert left == {manifest.generation} and len(manifest.segments) == 1
    assert store.verify(streamed.settings.index_dir) == len(manifest.files)


def test_a_streamed_segment_keeps_its_postings_through_later_adds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(directory, "GRACE_SECONDS", 0.0)  # whatever a save leaves out is deleted at once
    articles = _write(tmp_path / "articles")
    engine = _engine(tmp_path, "index", articles, batch_chars=1)
    engine.rebuild()
    built = read_manifest(engine.settings.index_dir).generation
    extra = tmp_path / "extra.txt"
    extra.write_text("渡口新闻\n\n船长东方远航说，渡口明年再添两条航线。\n", encoding="utf-8")
    engine.add_files([extra])
    manifest = read_manifest(engine.settings.index_dir)
    # The add wrote a delta segment beside the streamed one, whose postings are still the manifest's.
    assert [s.generation for s in manifest.segments] == [built, manifest.generation]
    assert any(name.startswith(f"postings-{built}/") for name in manifest.files)
    assert store.verify(engine.settings.index_dir) == len(manifest.files)
    reopened = QuoteEngine.open(engine.settings, FakeEmbedder())
    for question in [*QUESTIONS, "渡口明年添几条航线"]:
        assert reopened.ask(question) == engine.ask(question)


def test_a_later_copy_of_an_article_replaces_the_earlier_one_as_in_one_batch(tmp_path: Path) -> None:
    from index.articles import load_articles

    folder = _write(tmp_path / "articles")
    read = [a for path in sorted(folder.glob("*.txt")) for a in load_articles(path, path.stem)]
    changed = load_articles(folder / "a-harbour.txt", "a-harbour")[0]
    changed = type(changed)(changed.article_id, "港口新闻（更新）", changed.source, changed.paragraphs[:1])
    stream = [*read, changed]
    streamed = _engine(tmp_path, "streamed", folder, batch_chars=1)
    streamed.build_from_articles(iter(stream))
    memory = _engine(tmp_path, "memory", folder, batch_chars=1)
    with memory._writing():
        from index.articles import article_hash

        data = memory._empty()
        memory.indexer.apply(data, [(a, article_hash(a)) for a in stream], True, IndexReport())
        memory._commit(data)
    one, other = (store.load(e.settings.index_dir, "fake:hash-256", 256) for e in (streamed, memory))
    _same_index(one, other)
    assert one.articles["a-harbour"].title == "港口新闻（更新）" and len(one.articles) == len(ARTICLES)


def test_a_failed_build_leaves_the_old_index_served_and_nothing_half_written(
    engine: QuoteEngine, engine_settings: EngineSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = engine_settings.index_dir
    _write(engine_settings.articles_dir)
    before = read_manifest(index_dir)
    names = {p.name for p in index_dir.iterdir()}
    answer = engine.ask("威海书记说了什么")
    engine.batch_chars = 1
    fail_manifest_writes(monkeypatch)
    with pytest.raises(Exception, match="No space left"):
        engine.rebuild()
    monkeypatch.undo()
    assert read_manifest(index_dir) == before
    assert engine.ask("威海书记说了什么") == answer
    assert store.load(index_dir, "fake:hash-256", 256).generation == before.generation
    # The staged batches and the final generation's files are gone; the ledger only grew.
    assert {p.name for p in index_dir.iterdir()} == names
    assert QuoteEngine.open(engine_settings, FakeEmbedder()).ask("威海书记说了什么") == answer


def test_a_build_killed_midway_leaves_the_old_index_and_its_files_are_retired_later(
    engine: QuoteEngine, engine_settings: EngineSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = engine_settings.index_dir
    _write(engine_settings.articles_dir)
    before = read_manifest(index_dir)
    engine.batch_chars = 1

    def killed(self: StreamingBuild) -> None:
        raise KeyboardInterrupt  # no cleanup runs: as if the process were killed

    monkeypatch.setattr(StreamingBuild, "finish", killed)
    monkeypatch.setattr(StreamingBuild, "abort", lambda self: None)
    with pytest.raises(KeyboardInterrupt):
        engine.rebuild()
    monkeypatch.undo()
    # The batches staged so far are left in the folder of the generation that never went live.
    staging = index_dir / f"build-{before.generation + 1}"
    batches = len(ARTICLES) + before.counts.articles  # one batch per article
    assert sorted(p.name for p in staging.glob("vectors-*.npy")) == sorted(
        f"vectors-{n}.npy" for n in range(1, batches + 1))
    assert read_manifest(index_dir) == before
    assert store.load(index_dir, "fake:hash-256", 256).generation == before.generation
    monkeypatch.setattr(directory, "GRACE_SECONDS", 0.0)
    engine.rebuild()
    manifest = read_manifest(index_dir)
    left = {g for p in index_dir.iterdir() if (g := directory.generation_of(p.name)) is not None}
    assert left == {manifest.generation} and manifest.generation == before.generation + 2
    assert not staging.exists() and engine.ask("新桥有多长").found


def test_inverted_lists_on_a_forced_threshold_find_what_flat_finds(
    engine_settings: EngineSettings, tmp_path: Path
) -> None:
    _write(engine_settings.articles_dir)
    flat = QuoteEngine.open(engine_settings, FakeEmbedder())
    ivf_settings = EngineSettings(index_dir=tmp_path / "ivf", cache_dir=tmp_path / "cache",
                                  articles_dir=engine_settings.articles_dir)
    ivf = QuoteEngine(ivf_settings, FakeEmbedder())
    ivf.flat_limit, ivf.ivf_limit, ivf.batch_chars = 0, 0, 1
    ivf.rebuild()
    recorded = read_manifest(ivf_settings.index_dir).vector_index
    assert recorded.kind == "ivf" and recorded.lists >= 1 and recorded.nprobe >= 1 and recorded.rescore > 0
    reopened = QuoteEngine.open(ivf_settings, FakeEmbedder())
    assert reopened.searcher.data.segments[0].kind == "ivf"
    embedder = FakeEmbedder()
    for question in QUESTIONS + ["威海书记说了什么"]:
        vector = embedder.encode_queries([question])[0]
        top = [flat.searcher.layout.slot_id[flat.searcher.dense_slots(vector, 5)],
               reopened.searcher.layout.slot_id[reopened.searcher.dense_slots(vector, 5)]]
        assert list(top[0]) == list(top[1])
        assert reopened.ask(question) == flat.ask(question)
    assert store.verify(ivf_settings.index_dir) == len(read_manifest(ivf_settings.index_dir).files)
    # A fresh process that only adds never reads the lists, and must still record them.
    adder = QuoteEngine.open(ivf_settings, FakeEmbedder())
    extra = tmp_path / "extra.txt"
    extra.write_text("烟台港新航线\n\n烟台港昨天开通了通往釜山的集装箱新航线，每周两班。\n", encoding="utf-8")
    adder.add_files([extra])
    after = read_manifest(ivf_settings.index_dir)
    assert after.generation > reopened.searcher.data.generation and after.vector_index == recorded
    assert QuoteEngine.open(ivf_settings, FakeEmbedder()).ask("烟台港开通了去哪里的航线").found


def test_inverted_lists_rescore_their_candidates_exactly() -> None:
    from index.vectors import build_ivf, kind_of

    rng = np.random.default_rng(3)
    rows = rng.normal(size=(4000, 32)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    ivf = build_ivf(32, len(rows), lambda start, stop: rows[start:stop], block=700)
    assert kind_of(ivf) == "ivf" and ivf.ntotal == len(rows) and ivf.nprobe == ivf.nlist
    from index.stored_segments import MemoryArticles, Segment

    columns = np.zeros((len(rows), 5), dtype=np.int64)
    columns[:, 0] = np.arange(len(rows)) * 7 + 1  # chunk ids are not rows
    segment = Segment(1, columns, rows, MemoryArticles([]), ivf, "ivf")
    flat = Segment(1, columns, rows, MemoryArticles([]), None, "flat")
    for query in rows[:20] * 0.9 + rng.normal(size=(20, 32)).astype(np.float32) * 0.1:
        scores, ids = segment.top(query, 10)
        exact_scores, exact_ids = flat.top(query, 10)
        assert set(ids.tolist()) == set(exact_ids.tolist())
        assert np.allclose(np.sort(scores), np.sort(exact_scores), atol=1e-6)


def test_stacked_postings_blocks_equal_one_build(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    alphabet = [*"甲乙丙丁戊己庚辛壬癸", "ab", "x", "上海", "北京"]
    docs = [[str(rng.choice(alphabet)) for _ in range(int(rng.integers(0, 12)))] for _ in range(200)]
    blocks = []
    for i, (start, stop) in enumerate([(0, 50), (50, 51), (51, 130), (130, 200)]):
        save_segment(tmp_path, f"b{i}", build_segment(docs[start:stop]))
        blocks.append(open_segment(tmp_path, f"b{i}"))
    stack(blocks, tmp_path / "out", "bm25")
    stacked = open_segment(tmp_path / "out", "bm25")
    for (part, expected), got in zip(build_segment(docs).arrays().items(), stacked.arrays().values(), strict=True):
        assert expected.dtype == got.dtype and np.array_equal(expected, got), part


def test_the_command_line_builds_in_batches_and_the_result_verifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.runtime
    import index.engine
    from bot.cli import cli

    _write(tmp_path / "articles")
    config = tmp_path / "config.yaml"
    config.write_text("search:\n  top_k: 3\n", encoding="utf-8")
    embedder = FakeEmbedder()
    monkeypatch.setattr(bot.runtime, "embedder_for", lambda settings: embedder)
    monkeypatch.setattr(index.engine, "BATCH_CHARS", 1)
    staged: list[int] = []
    real = StreamingBuild._stage
    monkeypatch.setattr(StreamingBuild, "_stage", lambda self, batch, report: (staged.append(1),
                                                                               real(self, batch, report)))

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["--config", str(config), *args])
        return result.exit_code, result.stdout

    code, out = run("index", "build")
    assert code == 0 and "added    e-market " in out and len(staged) == len(ARTICLES)
    code, out = run("index", "verify")
    assert code == 0 and out.startswith("All ") and "match their checksums" in out
    code, out = run("ask", "新桥有多长")
    assert code == 0 and "一千二百米" in out


def test_the_vector_index_kind_and_list_count_follow_the_size() -> None:
    from index.vectors import FLAT_LIMIT, IVF_LIMIT, ivf_lists, kind_for

    assert [kind_for(n) for n in (FLAT_LIMIT, FLAT_LIMIT + 1, IVF_LIMIT, IVF_LIMIT + 1)] == [
        "flat", "hnsw", "hnsw", "ivf"]
    assert kind_for(11, 10, 10) == "ivf" and kind_for(10, 10, 10) == "flat"
    # About 4·sqrt(n) lists, a power of two; never so many that a list trains on fewer than 39 vectors.
    assert ivf_lists(1_000_000) == 2048 and ivf_lists(100_000) == 1024 and ivf_lists(20) == 1
