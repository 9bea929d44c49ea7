"""BM25 postings follow the index segments: an add writes only its own articles' postings, removals are
tombstones, and every answer and score equals that of a full build of the same articles."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index import checks, lexical
from index.article_table import ArticleTable
from index.attribution import Attribution
from index.engine import EngineSettings, QuoteEngine
from index.manifest import MANIFEST, read_manifest
from index.postings import Postings
from index.records import text_hash
from index.results import Page
from index.snapshot import IndexData
from tests.conftest import FakeEmbedder

PORT = "港口新闻\n\n青岛港今年集装箱吞吐量再创新高，同比增长百分之八。\n\n码头工人说，夜班比去年多了一倍。\n"
APPLES = "苹果新闻\n\n烟台苹果今年丰收，收购价每斤3.5元。\n\n烟台市副市长王大山表示，今年收购价每斤3.5元，苹果个头大。\n"
FERRY = "渡轮新闻\n\n烟台至大连的渡轮今天恢复运营，船票价格不变。\n\n港口负责人赵晓东说，旅客比去年多。\n"
QUESTIONS = [
    "青岛港集装箱吞吐量增长多少",
    "烟台苹果收购价每斤多少钱",
    "王大山说了什么",
    "威海书记说了什么",
    "渡轮什么时候恢复运营",
    "火星上的青岛港吞吐量是多少",  # terms the corpus never uses: the ceiling's max_term_score counts
    "胶东经济圈",
]


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _answers(engine: QuoteEngine) -> list[object]:
    """Each question's quotes as places and rounded scores (chunk ids differ between an update and a build)."""
    out: list[object] = []
    for question in QUESTIONS:
        answer = engine.ask(question)
        if isinstance(answer, Page):
            out.append([(q.article_id, q.paragraph, q.start, q.end, round(q.score, 5)) for q in answer.quotes])
        else:
            out.append(answer.reason)
    return out


def _full_build(tmp_path: Path, articles_dir: Path, name: str = "full") -> QuoteEngine:
    settings = EngineSettings(index_dir=tmp_path / name, cache_dir=tmp_path / "cache", articles_dir=articles_dir)
    return QuoteEngine.open(settings, FakeEmbedder())


def _assert_same_scores(ours: QuoteEngine, theirs: QuoteEngine) -> None:
    """Per passage, the same raw BM25 and ceiling for every question's terms (float tolerance)."""
    a, b = ours.searcher, theirs.searcher
    assert a.layout.article_ids == b.layout.article_ids and a.layout.passages == b.layout.passages
    for question in QUESTIONS:
        terms = a.prepare(question).terms
        assert terms == b.prepare(question).terms
        known_a, raw_a, ceiling_a = a._lexical(terms)
        known_b, raw_b, ceiling_b = b._lexical(terms)
        assert known_a == known_b
        assert ceiling_a == pytest.approx(ceiling_b, rel=1e-6)
        if raw_b is None:
            assert raw_a is None
        else:
            assert raw_a is not None
            np.testing.assert_allclose(raw_a, raw_b, rtol=1e-5, atol=1e-6)
    pa, pb = ours.searcher.data.bm25, theirs.searcher.data.bm25
    assert pa is not None and pb is not None
    assert pa.max_idf() == pytest.approx(pb.max_idf(), rel=1e-9)
    assert pa.max_term_score() == pytest.approx(pb.max_term_score(), rel=1e-6)


def test_postings_over_segments_and_tombstones_score_as_one_merged_segment() -> None:
    rng = random.Random(7)
    vocabulary = [chr(0x4E00 + i) for i in range(40)]

    def doc() -> list[str]:
        return [rng.choice(vocabulary) for _ in range(rng.randint(0, 12))]

    split = Postings.build([doc() for _ in range(60)])
    split.add([doc() for _ in range(7)] + [["独有"]])
    split.add([doc() for _ in range(5)] + [["独有", "独有"], ["全删"]])
    dead = [0, 3, 9, 59, 61, len(split) - 1]  # the last document holds the one use of "全删"
    split.delete(dead)
    live = [i for i in range(len(split)) if i not in dead]
    merged = split.merged()
    assert len(split.segments) == 3 and len(merged.segments) == 1 and len(merged) == len(live)
    assert "全删" not in split and "全删" not in merged and split.df("独有") == merged.df("独有") == 2
    for term in [*vocabulary, "独有", "没有"]:
        assert split.df(term) == merged.df(term)
        assert split.idf(term) == pytest.approx(merged.idf(term), rel=1e-12)
    terms = [*vocabulary[:12], "独有"]
    ours, our_best = split.score(terms)
    theirs, their_best = merged.score(terms)
    np.testing.assert_allclose(ours[live], theirs, rtol=1e-6)
    assert not ours[dead].any()
    np.testing.assert_allclose(our_best, their_best, rtol=1e-6)
    assert split.max_idf() == pytest.approx(merged.max_idf(), rel=1e-12)
    assert split.max_term_score() == pytest.approx(merged.max_term_score(), rel=1e-6)
    assert merged.max_term_score() == pytest.approx(float(merged.segments[0].stats[2]), rel=1e-12)


def test_an_add_writes_only_its_articles_postings_and_answers_as_a_full_build(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index_dir = engine_settings.index_dir
    base = read_manifest(index_dir)
    base_postings = {n: (index_dir / n).read_bytes() for n in base.files if n.startswith("postings-")}
    rebuilt: list[int] = []
    monkeypatch.setattr(lexical, "build_bm25", lambda terms: rebuilt.append(len(terms)))  # must not be called

    reopened = QuoteEngine.open(engine_settings, FakeEmbedder())
    reopened.add_files([_write(articles_dir, "port", PORT)])
    reopened.add_files([_write(articles_dir, "apples", APPLES)])
    manifest = read_manifest(index_dir)
    assert [e.postings for e in manifest.segments] == [e.generation for e in manifest.segments]
    assert len(manifest.segments) == 3 and rebuilt == []
    # The base segment's postings are the very files it had; each delta wrote a folder of its own.
    assert all((index_dir / n).read_bytes() == b for n, b in base_postings.items())
    for entry in manifest.segments[1:]:
        paragraphs = sum(len(reopened.searcher.data.articles[a].paragraphs)
                         for a in reopened.searcher.data.segments[-1].article_ids) if entry is manifest.segments[-1] else None
        if paragraphs is not None:
            assert reopened.searcher.data.bm25 is not None
            assert reopened.searcher.data.bm25.segments[-1].docs == paragraphs
    monkeypatch.undo()

    full = _full_build(tmp_path, articles_dir)
    assert _answers(reopened) == _answers(full)
    _assert_same_scores(reopened, full)
    again = QuoteEngine.open(engine_settings, FakeEmbedder())  # a fresh process opens the three segments
    assert _answers(again) == _answers(full)


def test_remove_then_add_back_answers_as_a_full_build(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path, tmp_path: Path
) -> None:
    engine.add_files([_write(articles_dir, "port", PORT), _write(articles_dir, "apples", APPLES)])
    engine.remove("port")
    engine.add_files([_write(articles_dir, "ferry", FERRY)])
    manifest = read_manifest(engine_settings.index_dir)
    assert any(e.deleted == ["port"] for e in manifest.segments)
    kept = tmp_path / "kept"
    kept.mkdir()
    for path in articles_dir.iterdir():
        if path.name != "port.txt":
            shutil.copy(path, kept / path.name)
    without = _full_build(tmp_path, kept, "without-port")
    # Ids come from file names, so a full build of the other folder has the same ones.
    assert _answers(engine) == _answers(without)
    _assert_same_scores(engine, without)
    engine.add_files([articles_dir / "port.txt"])
    full = _full_build(tmp_path, articles_dir)
    assert _answers(engine) == _answers(full)
    _assert_same_scores(engine, full)


def test_compaction_merges_the_postings_into_the_base_order(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path, tmp_path: Path
) -> None:
    engine.max_segments = 2
    engine.add_files([_write(articles_dir, "port", PORT)])
    engine.remove("port")
    engine.add_files([_write(articles_dir, "apples", APPLES)])
    engine.add_files([_write(articles_dir, "ferry", FERRY)])  # a third segment: compacted into one
    manifest = read_manifest(engine_settings.index_dir)
    assert len(manifest.segments) == 1 and manifest.segments[0].postings == manifest.generation
    (articles_dir / "port.txt").unlink()
    full = _full_build(tmp_path, articles_dir)
    assert _answers(engine) == _answers(full)
    _assert_same_scores(engine, full)
    data = engine.searcher.data
    assert data.bm25 is not None and full.searcher.data.bm25 is not None
    for ours, theirs in zip(data.bm25.segments[0].arrays().values(),
                            full.searcher.data.bm25.segments[0].arrays().values(), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_an_index_with_one_postings_folder_per_generation_is_taken_over(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path, tmp_path: Path
) -> None:
    """An index written before postings followed the segments (no ``postings`` in its segment entries)."""
    index_dir = engine_settings.index_dir
    raw = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    for entry in raw["segments"]:
        entry.pop("postings", None)
    (index_dir / MANIFEST).write_text(json.dumps(raw), encoding="utf-8")
    assert [e.postings for e in read_manifest(index_dir).segments] == [0]
    old = QuoteEngine.open(engine_settings, FakeEmbedder())
    assert old.searcher.data.bm25_by_segment and _answers(old) == _answers(engine)
    old.add_files([_write(articles_dir, "port", PORT)])
    manifest = read_manifest(index_dir)
    # The old folder now belongs to the base segment; the delta has its own.
    assert [e.postings for e in manifest.segments] == [raw["generation"], manifest.generation]
    full = _full_build(tmp_path, articles_dir)
    assert _answers(old) == _answers(full)
    assert _answers(QuoteEngine.open(engine_settings, FakeEmbedder())) == _answers(full)


def _speakers_of(attribution: Attribution) -> list[object]:
    return [(a.article_id, a.people, a.statements) for a in attribution._articles]


def test_who_said_what_is_updated_for_the_changed_articles_only(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []
    original = IndexData.speakers

    def counted(self: IndexData) -> Iterator[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]]:
        reads.append(self.generation)
        return original(self)

    layers = IndexData.speaker_layers

    def counted_layers(self: IndexData) -> Any:
        reads.append(self.generation)
        return layers(self)

    # Setting who-said-what up reads either every article's people or the segments' name tables.
    monkeypatch.setattr(IndexData, "speakers", counted)
    monkeypatch.setattr(IndexData, "speaker_layers", counted_layers)
    adder = QuoteEngine.open(engine_settings, FakeEmbedder())
    adder.add_files([_write(articles_dir, "port", PORT)])
    assert reads == []  # an engine that only adds never sets who-said-what up

    served = QuoteEngine.open(engine_settings, FakeEmbedder())
    before = served.ask("王大山说了什么")
    assert reads == [served.searcher.data.generation] and not isinstance(before, Page)
    served.add_files([_write(articles_dir, "apples", APPLES), _write(articles_dir, "ferry", FERRY)])
    assert "赵晓东" in served.attribution.names
    served.remove("port")
    served.remove("ferry")
    served.add_files([_write(articles_dir, "apples", APPLES.replace("3.5元", "4元"))])  # replaced
    assert len(reads) == 1  # updated in place of being set up again
    data = served.searcher.data
    rebuilt = Attribution.lazy(original(data), data.articles.__getitem__)
    ours = served.attribution
    assert _speakers_of(ours) == _speakers_of(rebuilt)
    assert ours.names == rebuilt.names and ours._name_set == rebuilt._name_set
    assert "王大山" in ours.names and "赵晓东" not in ours.names
    for question in ["王大山说了什么", "赵晓东说了什么", "谁说旅客比去年多", "码头工人说了什么", "威海书记说了什么"]:
        assert ours.answer(question) == rebuilt.answer(question)
    answer = served.ask("王大山说了什么")
    assert isinstance(answer, Page) and "4元" in answer.quotes[0].text


def test_duplicate_check_looks_hashes_up_without_reading_articles(
    engine: QuoteEngine, articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.add_files([_write(articles_dir, "port", PORT)])
    data = engine.searcher.data
    hashes = {aid: text_hash(data.articles[aid].title, data.articles[aid].text) for aid in data.articles}
    monkeypatch.setattr(ArticleTable, "record", lambda self, ordinal: pytest.fail("an article was read"))
    monkeypatch.setattr(ArticleTable, "records", lambda self: pytest.fail("every article was read"))
    assert engine.indexed_contents([*hashes.values(), "0" * 64]) == set(hashes.values())
    monkeypatch.undo()
    engine.remove("port")
    assert engine.indexed_contents(hashes.values()) == {h for aid, h in hashes.items() if aid != "port"}
    # An articles file written before the column existed is read whole instead.
    segment = engine.searcher.data.segments[0]
    old = tmp_path / "old.sqlite"
    shutil.copy(segment.articles.path, old)  # type: ignore[union-attr]
    con = sqlite3.connect(old)
    con.executescript("DROP INDEX articles_by_text_hash; ALTER TABLE articles DROP COLUMN text_hash;")
    con.close()
    wanted = sorted(hashes.values())
    assert ArticleTable(old).with_text_hashes(wanted) == segment.articles.with_text_hashes(wanted) != []


def test_articles_holding_new_words_are_found_through_the_postings(
    engine: QuoteEngine, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.add_files([_write(articles_dir, "port", PORT), _write(articles_dir, "ferry", FERRY)])
    engine.remove("ferry")
    data = engine.searcher.data
    texts = {aid: data.articles[aid].text for aid in data.articles}
    scans: list[list[str]] = []
    original = ArticleTable.containing

    def scanning(self: ArticleTable, words: list[str]) -> list[int]:
        scans.append(list(words))
        return original(self, words)

    monkeypatch.setattr(ArticleTable, "containing", scanning)
    words = ["威海", "码头工人", "渡轮", "从未出现的词"]  # 渡轮: only in the removed article
    expected = sorted(aid for aid, text in texts.items() if any(w in text for w in words))
    assert expected and "ferry" not in expected
    assert sorted(data.containing(words)) == expected and scans == []  # no articles file was scanned
    # Words whose characters are not all CJK are looked for in one scan of each articles file.
    mixed = ["3.5元", "威海"]
    assert sorted(data.containing(mixed)) == sorted(aid for aid, t in texts.items() if any(w in t for w in mixed))
    assert scans and all(scan == ["3.5元"] for scan in scans)
    assert data.containing([]) == []


def test_an_article_retokenised_for_a_new_word_moves_under_new_chunk_ids(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path, tmp_path: Path
) -> None:
    """An added article quotes a term a saved one uses: the saved one is tokenised again and moves to the
    new segment. Its old rows stay behind dead, so it must not take their ids along."""
    engine.add_files([_write(articles_dir, "harbour", "港口合作\n\n两市的港口合作是今年的重点，码头扩建已经开工。\n")])
    moved_from = {aid: list(engine.searcher.data.articles[aid].chunk_ids) for aid in ["harbour"]}
    engine.add_files([_write(articles_dir, "quoted", "合作新闻\n\n这次“港口合作”被写进了规划。\n")])
    data = engine.searcher.data
    assert "港口合作" in data.user_words and data.where()["harbour"][0] == len(data.segments) - 1
    assert not set(moved_from["harbour"]) & set(data.articles["harbour"].chunk_ids)
    ids = np.concatenate([s.ids for s in data.segments])
    assert np.unique(ids).size == ids.size
    engine.add_files([_write(articles_dir, "ferry", FERRY)])
    reopened = QuoteEngine.open(engine_settings, FakeEmbedder())  # used to fail: "two chunks share an id"
    assert _answers(reopened) == _answers(engine) == _answers(_full_build(tmp_path, articles_dir))
    answer = reopened.ask("港口合作是今年的重点吗")
    assert isinstance(answer, Page) and answer.quotes[0].article_id == "harbour"


def test_chunk_ids_are_checked_unique_without_sorting_them_when_they_rise() -> None:
    from index.store import _ids_unique

    def ids(*values: int) -> np.ndarray:
        return np.array(values, dtype=np.int64)

    assert _ids_unique([ids(0, 1, 5), ids(6, 9), ids()]) and _ids_unique([])
    assert not _ids_unique([ids(0, 1, 5), ids(5, 9)])  # a dead row and a live one under the same id
    assert _ids_unique([ids(3, 1, 2), ids(0, 7)])  # not in order, yet unique: the slow way says so
    assert not _ids_unique([ids(3, 1, 3), ids(8)])


def test_an_older_index_with_several_segments_is_served_then_compacted(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path, tmp_path: Path
) -> None:
    """Postings of the whole generation in passage order, beside two segments: served as they are, and
    the next update compacts them into one segment with postings of its own."""
    index_dir = engine_settings.index_dir
    engine.add_files([_write(articles_dir, "port", PORT)])
    data = engine.searcher.data
    raw = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    assert len(raw["segments"]) == 2
    folder = index_dir / f"postings-{raw['generation']}"
    for path in folder.iterdir():
        path.unlink()
        del raw["files"][f"{folder.name}/{path.name}"]
    whole = lexical.build_bm25(data.terms())
    assert whole is not None
    for path in lexical.save_bm25(folder, whole):
        name = f"{folder.name}/{path.name}"
        raw["files"][name], raw["sizes"][name] = checks.sha256(path), path.stat().st_size
        if checks.needs_probe(path.stat().st_size):
            raw["probes"][name] = checks.probe(path)
    for entry in raw["segments"]:
        entry.pop("postings", None)
    (index_dir / MANIFEST).write_text(json.dumps(raw), encoding="utf-8")
    old = QuoteEngine.open(engine_settings, FakeEmbedder())
    assert not old.searcher.data.bm25_by_segment and old.searcher.layout.passage_slot is None
    assert _answers(old) == _answers(engine)
    old.add_files([_write(articles_dir, "apples", APPLES)])
    manifest = read_manifest(index_dir)
    assert len(manifest.segments) == 1 and manifest.segments[0].postings == manifest.generation
    assert old.searcher.data.bm25_by_segment
    assert _answers(old) == _answers(_full_build(tmp_path, articles_dir))


def test_many_terms_are_looked_up_at_once_as_one_by_one() -> None:
    from index.segments import build_segment, terms_of

    # Long terms sharing their first 8 bytes, short ones, Latin and CJK: all found where find finds them.
    words = ["青岛港集装箱", "青岛港集团", "青岛港", "青岛", "青", "ab", "abcdefgh", "abcdefghi", "abcdefghij", "z"]
    segment = build_segment([words[:5], words[5:], ["青岛港集装箱吞吐量"]])
    asked = [t.encode() for t in ["青岛港集", "abcdefg", "abcdefghijk", "", "港"]] + terms_of(segment)
    rows = segment.rows_of(asked)
    for key, row in zip(asked, rows.tolist(), strict=True):
        found = segment.find_bytes(key) if key else None
        assert row == (-1 if found is None else found)
    assert (rows[5:] == np.arange(segment.terms)).all()
