"""Segments store a name table (index.speaker_table): who-said-what opens without reading any article's
people and statements, reads them only for the articles a question is about, and answers exactly as
when it read every article (index.speakers.held.ListPool). Segments written before the table still answer."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from index.article_table import ArticleTable
from index.attribution import Attribution
from index.engine import EngineSettings, QuoteEngine
from index.manifest import MANIFEST, read_manifest
from index.records import ArticleRecord, Paragraph
from index.results import Page
from index.snapshot import IndexData
from index.speaker_pool import SpeakerLayer, TablePool
from index.speaker_table import SpeakerTable, TableBuilder, table_name
from index.speakers import Person, Statement
from tests.conftest import FakeEmbedder

QUESTIONS = [
    "王海峰说了什么", "市长说了什么", "卡斯特说了什么", "苹果公司说了什么", "谁说港口明年要完成扩建",
    "李3明说了什么", "張偉说了什么", "张伟说了什么", "赵六说了什么", "港口什么时候扩建", "局长说了什么",
]


def _record(aid: str, text: str, people: list[Person], statements: list[Statement]) -> ArticleRecord:
    paragraph = Paragraph(0, text, None, 0, len(text))
    return ArticleRecord(aid, f"标题{aid}", "test", aid, [paragraph], [0],
                         people=[asdict(p) for p in people], statements=[asdict(s) for s in statements])


def _said(aid: str, name: str, role: str, text: str, kind: str = "person") -> ArticleRecord:
    person = Person(name, (role,) if role else (), None, (0,), kind)  # type: ignore[arg-type]
    return _record(aid, text, [person], [Statement(name, role, 0, 0, len(text), text, None)])


def _corpus() -> list[ArticleRecord]:
    said = "市长王海峰说，港口明年要完成扩建。"
    return [
        _said("a", "王海峰", "市长", said),
        _said("c", "简·卡斯特", "教授", "简·卡斯特表示，这项研究还需要更多数据。"),
        _said("d", "苹果公司", "", "苹果公司表示，新手机下月上市。", "organisation"),
        _said("t", "張偉", "局长", "張偉說，道路下週開通。"),
        *(_record(f"b{i}", "今年的粮食产量比去年增加了一成。", [Person(f"李{i}明", ("局长",), None, (0,))], [])
          for i in range(6)),
        _record("m", "今天赵六来到港口参观。", [Person("赵六", (), None, (0,), "mention")], []),
    ]


def _layer(records: list[ArticleRecord], dead: frozenset[str] = frozenset()) -> tuple[SpeakerLayer, list[int]]:
    """A segment of ``records`` (ordinals as given) with its table; the list collects the ordinals read."""
    builder = TableBuilder()
    for r in records:
        builder.add(r.people, r.statements)
    arrays = builder.arrays()
    assert arrays is not None
    ids = [r.article_id for r in records]
    read: list[int] = []

    def speakers_of(ordinal: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        read.append(ordinal)
        return records[ordinal].people, records[ordinal].statements

    ordinal_of = {aid: i for i, aid in enumerate(ids)}
    return SpeakerLayer(ids, ordinal_of.get, SpeakerTable(arrays, len(ids)), speakers_of, dead), read


def _answers(attribution: Attribution) -> list[object]:
    return [attribution.answer(q) for q in QUESTIONS]


def _speakers(attribution: Attribution) -> list[object]:
    return [(a.article_id, a.people, a.statements) for a in attribution._articles]


def test_the_table_pool_answers_as_the_pool_of_every_article() -> None:
    records = _corpus()
    by_id = {r.article_id: r for r in records}
    # Two segments: "a" was replaced by a newer copy in the second, "b5" was removed (a tombstone).
    stale = _said("a", "王海峰", "市长", "市长王海峰说，旧的说法。")
    first, read_first = _layer([stale, *records[4:]], frozenset({"a", "b5"}))
    second, read_second = _layer(records[:4])
    live = [r for r in records if r.article_id != "b5"]
    ours = Attribution.over(TablePool.of([first, second], [], by_id.__getitem__))
    theirs = Attribution.lazy([(r.article_id, r.people, r.statements) for r in live], by_id.__getitem__)
    assert ours._name_set == theirs._name_set and ours.names == theirs.names
    assert read_first == read_second == []  # the names come from the tables alone
    assert "张伟" in ours._name_set and "李5明" not in ours.names  # simplified at write; the dead one's gone
    assert ours.answer("王海峰说了什么") == theirs.answer("王海峰说了什么")
    assert read_first == [] and read_second == [0]  # only the article that has the name asked about
    assert _answers(ours) == _answers(theirs)
    assert _speakers(ours) == _speakers(theirs)
    for quote in (q for a in _answers(theirs) if isinstance(a, list) for q in a):
        assert ours.speaker_of(quote) == theirs.speaker_of(quote)


def test_an_update_keeps_the_table_pool_equal_to_one_set_up_again() -> None:
    records = _corpus()
    by_id = {r.article_id: r for r in records}
    layer, _ = _layer(records)
    ours = Attribution.over(TablePool.of([layer], [], by_id.__getitem__))
    assert "卡斯特" in ours._name_set  # known names made before the update: it updates them
    new = _said("n", "周七", "主任", "主任周七说，明天开会。")
    replaced = _said("a", "王海峰", "市长", "市长王海峰说，港口后年完工。")
    now = {**{r.article_id: r for r in records if r.article_id not in ("c", "b2")}, "n": new, "a": replaced}
    updated = ours.updated({"c", "b2"}, [(r.article_id, r.people, r.statements) for r in (new, replaced)],
                           now.__getitem__)
    again = Attribution.lazy([(r.article_id, r.people, r.statements) for r in now.values()], now.__getitem__)
    assert updated._name_set == again._name_set and updated.names == again.names
    assert "卡斯特" not in updated._name_set and "周七" in updated._name_set
    assert _answers(updated) == _answers(again)
    assert _speakers(updated) == _speakers(again)


def test_a_name_the_table_cannot_hold_leaves_the_segment_without_one(tmp_path: Path) -> None:
    builder = TableBuilder()
    builder.add([asdict(Person("王\0五", ("市长",), None, (0,)))], [])
    assert builder.arrays() is None and not builder.write(tmp_path / "t.npz")
    assert not (tmp_path / "t.npz").exists()


# -- an index on disk --------------------------------------------------------------------------------

ARTICLES = {
    "apples": "苹果新闻\n\n烟台苹果今年丰收，收购价每斤3.5元。\n\n烟台市副市长王大山表示，今年收购价每斤3.5元，苹果个头大。\n",
    "ferry": "渡轮新闻\n\n烟台至大连的渡轮今天恢复运营，船票价格不变。\n\n港口负责人赵晓东说，旅客比去年多。\n",
    "port": "港口新闻\n\n青岛港今年集装箱吞吐量再创新高，同比增长百分之八。\n\n码头工人说，夜班比去年多了一倍。\n",
    "school": "学校新闻\n\n新校区九月启用。\n\n校长孙立平说，新校区能容纳三千名学生。\n",
}
ASKED = ["王大山说了什么", "赵晓东说了什么", "谁说旅客比去年多", "码头工人说了什么", "威海书记说了什么",
         "孙立平说了什么", "青岛港集装箱吞吐量增长多少"]


def _built(tmp_path: Path, articles_dir: Path) -> EngineSettings:
    for name, text in ARTICLES.items():
        (articles_dir / f"{name}.txt").write_text(text, encoding="utf-8")
    settings = EngineSettings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache", articles_dir=articles_dir)
    QuoteEngine.open(settings, FakeEmbedder())
    return settings


def _asked(engine: QuoteEngine) -> list[object]:
    out: list[object] = []
    for question in ASKED:
        answer = engine.ask(question)
        out.append([(q.article_id, q.text, q.speaker) for q in answer.quotes] if isinstance(answer, Page)
                   else (answer.reason, answer.asked))
    return out


class Reads:
    """Counts what the articles files are asked for: every article's people, or one article's."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.scans = 0
        self.rows: list[int] = []
        scan, row = ArticleTable.speakers, ArticleTable.speakers_of

        def speakers(table: ArticleTable) -> Any:
            self.scans += 1
            return scan(table)

        def speakers_of(table: ArticleTable, ordinal: int) -> Any:
            self.rows.append(ordinal)
            return row(table, ordinal)

        monkeypatch.setattr(ArticleTable, "speakers", speakers)
        monkeypatch.setattr(ArticleTable, "speakers_of", speakers_of)


def test_opening_and_asking_reads_only_the_asked_about_articles_people(
    tmp_path: Path, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _built(tmp_path, articles_dir)
    reads = Reads(monkeypatch)
    engine = QuoteEngine.open(settings, FakeEmbedder())
    assert all(s.speaker_table is not None for s in engine.data.segments)
    segment = engine.data.segments[0]
    answer = engine.ask("青岛港集装箱吞吐量增长多少")  # no speaker question: only the quoted article's people
    assert isinstance(answer, Page) and reads.scans == 0
    assert {segment.article_ids[o] for o in reads.rows} == {q.article_id for q in answer.quotes} == {"port"}
    reads.rows.clear()
    answer = engine.ask("王大山说了什么")
    assert isinstance(answer, Page) and answer.quotes[0].speaker is not None
    assert reads.scans == 0
    assert {segment.article_ids[o] for o in reads.rows} == {"apples"}


def _without_tables(index_dir: Path) -> None:
    """Make the index look written before name tables: no table file, none in the manifest."""
    raw = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    for key in ("files", "sizes", "probes"):
        for name in [n for n in raw.get(key, {}) if n.startswith("speakers-")]:
            del raw[key][name]
            (index_dir / name).unlink(missing_ok=True)
    (index_dir / MANIFEST).write_text(json.dumps(raw), encoding="utf-8")


def test_segments_without_a_table_answer_as_before(
    tmp_path: Path, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _built(tmp_path, articles_dir)
    with_tables = _asked(QuoteEngine.open(settings, FakeEmbedder()))
    _without_tables(settings.index_dir)
    assert not any(n.startswith("speakers-") for n in read_manifest(settings.index_dir).files)
    reads = Reads(monkeypatch)
    old = QuoteEngine.open(settings, FakeEmbedder())
    assert old.data.speaker_layers() is None
    assert _asked(old) == with_tables
    assert reads.scans == 1  # the old way: every article's people, once
    # An add to the old index writes a delta with a table; the base has none, so the old way stays.
    (articles_dir / "more.txt").write_text("会议新闻\n\n会议今天召开。\n\n主任钱七说，会议很成功。\n", encoding="utf-8")
    old.add_files([articles_dir / "more.txt"])
    fresh = QuoteEngine.open(settings, FakeEmbedder())
    assert [s.speaker_table is not None for s in fresh.data.segments] == [False, True]
    assert fresh.data.speaker_layers() is None
    assert _asked(fresh) == _asked(old) == with_tables
    assert isinstance(fresh.ask("钱七说了什么"), Page)


def test_deltas_and_tombstones_answer_as_every_article_read(tmp_path: Path, articles_dir: Path) -> None:
    settings = _built(tmp_path, articles_dir)
    engine = QuoteEngine.open(settings, FakeEmbedder())
    (articles_dir / "ferry.txt").write_text(ARTICLES["ferry"].replace("赵晓东", "钱晓东"), encoding="utf-8")
    (articles_dir / "more.txt").write_text("会议新闻\n\n会议今天召开。\n\n主任钱七说，会议很成功。\n", encoding="utf-8")
    engine.add_files([articles_dir / "ferry.txt", articles_dir / "more.txt"])
    engine.remove("school")
    fresh = QuoteEngine.open(settings, FakeEmbedder())
    data = fresh.data
    assert len(data.segments) > 1 and data.speaker_layers() is not None
    ours = fresh.attribution
    theirs = Attribution.lazy(IndexData.speakers(data), data.articles.__getitem__, data.containing)
    assert ours._name_set == theirs._name_set and ours.names == theirs.names
    assert "赵晓东" not in ours.names and "钱晓东" in ours.names and "孙立平" not in ours.names
    for question in [*ASKED, "钱晓东说了什么", "钱七说了什么"]:
        assert ours.answer(question) == theirs.answer(question), question
    assert _speakers(ours) == _speakers(theirs)
    assert _asked(fresh) == _asked(engine)


def test_a_damaged_table_is_reported(tmp_path: Path, articles_dir: Path) -> None:
    settings = _built(tmp_path, articles_dir)
    gen = read_manifest(settings.index_dir).segments[0].generation
    path = settings.index_dir / table_name(gen)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    from index.errors import IndexCorruptError

    with pytest.raises(IndexCorruptError):
        QuoteEngine.open(settings, FakeEmbedder())
