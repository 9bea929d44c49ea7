""""谁说…" reads only the articles whose statements hold enough of the claim's character pairs (the name
table's ``said`` postings), and answers exactly as when it weighed every statement of the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.attribution import Attribution
from index.engine import QuoteEngine
from index.records import ArticleRecord, Quote
from index.results import Page
from index.speaker_pool import TablePool
from index.speaker_table import SpeakerTable, TableBuilder
from index.speakers.matching import claim_pairs
from index.speakers.questions import parse_speaker_question
from tests.conftest import FakeEmbedder
from tests.test_speaker_table import Reads, _built, _layer, _record, _said


def _quoting() -> list[ArticleRecord]:
    """Articles that all quote someone, on a few topics; only some say what the questions ask about."""
    return [
        _said("a", "王海峰", "市长", "市长王海峰说，港口明年要完成扩建。"),
        _said("b", "李四", "局长", "局长李四表示，港口扩建的资金已经落实。"),
        _said("c", "简·卡斯特", "教授", "简·卡斯特表示，这项研究还需要更多数据。"),
        _said("d", "苹果公司", "", "苹果公司表示，新手机下月上市。", "organisation"),
        _said("e", "赵六", "主任", "主任赵六说，明年港口要完成扩建工程。"),
        _said("f", "钱七", "校长", "钱七說，新校區明年啟用。"),
        _record("g", "今年的粮食产量比去年增加了一成。", [], []),
    ]


ASKED = ["谁说港口明年要完成扩建", "谁说新手机下月上市", "谁说研究还需要更多数据", "谁说新校區明年啟用",
         "谁说粮食产量增加了", "谁说了港", "市长说港口明年要完成扩建吗", "王海峰说了什么"]


def _pools(records: list[ArticleRecord]) -> tuple[Attribution, Attribution, list[int]]:
    by_id = {r.article_id: r for r in records}
    layer, read = _layer(records)
    ours = Attribution.over(TablePool.of([layer], [], by_id.__getitem__))
    theirs = Attribution.lazy([(r.article_id, r.people, r.statements) for r in records], by_id.__getitem__)
    return ours, theirs, read


def test_who_said_reads_only_the_articles_that_hold_the_claim() -> None:
    records = _quoting()
    ours, theirs, read = _pools(records)
    answer = ours.answer("谁说港口明年要完成扩建")
    assert isinstance(answer, list) and {q.article_id for q in answer} == {"a", "e"}
    # "b" is about the port too, but holds too few of the claim's pairs to answer.
    assert sorted(read) == [0, 4]
    assert answer == theirs.answer("谁说港口明年要完成扩建")
    for question in ASKED:
        assert ours.answer(question) == theirs.answer(question), question


def test_the_pairs_postings_find_every_article_that_can_answer() -> None:
    records = _quoting()
    builder = TableBuilder()
    for r in records:
        builder.add(r.people, r.statements)
    arrays = builder.arrays()
    assert arrays is not None
    said = SpeakerTable(arrays, len(records)).said
    assert said is not None
    parsed = parse_speaker_question("谁说港口明年要完成扩建", frozenset())
    assert parsed is not None
    claim = claim_pairs(parsed)
    assert claim is not None
    pairs, needed = claim
    assert len(pairs) == 8 and needed == 5  # 港口 口明 明年 年要 要完 完成 成扩 扩建: 0.6 of them is 4.8
    assert said.holding(pairs, needed).tolist() == [0, 4]
    assert said.holding(pairs, 2).tolist() == [0, 1, 4]  # "b" holds 港口 and 扩建
    assert said.holding(pairs, 1).tolist() == [0, 1, 4, 5]  # "f" holds 明年
    assert said.holding(pairs, 11).tolist() == [] and said.holding({"无关"}, 1).tolist() == []


def test_a_table_written_without_pairs_reads_every_quoting_article() -> None:
    records = _quoting()
    by_id = {r.article_id: r for r in records}
    layer, read = _layer(records)
    layer.table.said = None  # as a table written before the pairs were stored
    old = Attribution.over(TablePool.of([layer], [], by_id.__getitem__))
    _, theirs, _ = _pools(records)
    assert old.answer("谁说港口明年要完成扩建") == theirs.answer("谁说港口明年要完成扩建")
    assert sorted(read) == [0, 1, 2, 3, 4, 5]  # the old way: every article that quotes anyone


def test_an_added_article_is_weighed_by_its_own_statements() -> None:
    records = _quoting()
    ours, _, read = _pools(records)
    new = _said("n", "孙八", "经理", "经理孙八说，港口明年要完成扩建。")
    now = {**{r.article_id: r for r in records if r.article_id != "a"}, "n": new}
    updated = ours.updated({"a"}, [(new.article_id, new.people, new.statements)], now.__getitem__)
    again = Attribution.lazy([(r.article_id, r.people, r.statements) for r in now.values()], now.__getitem__)
    read.clear()
    answer = updated.answer("谁说港口明年要完成扩建")
    assert isinstance(answer, list) and [q.article_id for q in answer] == ["e", "n"]
    assert read == [4]  # "a" is dead, "n" is in memory
    for question in ASKED:
        assert updated.answer(question) == again.answer(question), question


def test_an_index_on_disk_reads_only_the_claims_article(
    tmp_path: Path, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _built(tmp_path, articles_dir)
    reads = Reads(monkeypatch)
    engine = QuoteEngine.open(settings, FakeEmbedder())
    segment = engine.data.segments[0]
    assert segment.speaker_table is not None and segment.speaker_table.said is not None
    answer = engine.ask("谁说旅客比去年多")
    assert isinstance(answer, Page) and answer.quotes[0].speaker is not None
    assert answer.quotes[0].speaker.name == "赵晓东" and reads.scans == 0
    assert {segment.article_ids[o] for o in reads.rows} == {"ferry"}


def test_the_speaker_of_a_quote_is_not_read_from_an_article_that_quotes_nobody() -> None:
    records = _quoting()
    ours, theirs, read = _pools(records)
    plain, said = records[6], records[0]
    for record in (plain, said):
        text = record.paragraphs[0].text
        quote = Quote(text, record.article_id, record.title, None, 0, 0, len(text), 1.0, text)
        assert ours.speaker_of(quote) == theirs.speaker_of(quote)
    assert read == [0]  # "g" quotes nobody: its flags say so, and its statements were never read
