"""What answers carry about their sources: datelines left out, reprints shown once, dates and time words."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.terminal import answer_json, render_answer
from index import NotFound, Page, QuoteEngine
from index.reprints import THRESHOLD, normalized, similarity
from tests.conftest import BACKENDS, FakeEmbedder, settings_for

# A wire story, reprinted by three outlets with their own headline, dateline and small edits.
WIRE = [
    "国家统计局新闻发言人付凌晖说，一季度国内生产总值同比增长百分之五点三，工业生产较快增长，服务业持续恢复，就业形势总体稳定。",
    "记者注意到，高技术制造业增加值同比增长百分之七点五，快于全部规模以上工业，新动能持续壮大，外贸进出口结构继续优化。",
    "专家认为，下阶段要继续巩固和增强经济回升向好态势，扩大有效需求，稳定市场预期，推动经济实现质的有效提升和量的合理增长。",
]
OUTLETS = [
    ("daily", "一季度经济运行总体平稳", "2024-05-14", "示例日报", "新华社北京5月14日电（记者 王小明）", WIRE),
    ("evening", "国家统计局：一季度经济开局良好", "2024-05-15", "样本晚报", "本报讯 ", WIRE),
    # Trimmed at the end of a sentence and with ASCII punctuation: still the same passages.
    ("business", "经济运行稳中有进", "2024-05-15", "测试商报", "新华社北京5月14日电 ",
     [WIRE[0], WIRE[1].replace("，外贸进出口结构继续优化", "").replace("，", ","), WIRE[2]]),
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The answer tests run on each retrieval backend."""
    return str(request.param)


def _engine(tmp_path: Path, documents: dict[str, str], backend: str = "local") -> QuoteEngine:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in documents.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return QuoteEngine.open(settings_for(backend, tmp_path, folder), FakeEmbedder())


@pytest.fixture
def wire(tmp_path: Path, backend: str) -> QuoteEngine:
    documents = {
        name: f"{title}\n\n发布时间：{date} 10:00 来源：{outlet}\n\n{lead}" + "\n\n".join(paragraphs) + "\n"
        for name, title, date, outlet, lead, paragraphs in OUTLETS
    }
    return _engine(tmp_path, documents, backend)


def _ids(engine: QuoteEngine) -> dict[str, str]:
    """File name → article id (ids of files with non-ASCII text get a hash suffix)."""
    return {a.source.rsplit("/", 1)[-1].removesuffix(".txt"): a.article_id for a in engine.articles()}


def test_a_reprinted_passage_is_quoted_once_and_lists_the_other_outlets(wire: QuoteEngine) -> None:
    answer = wire.ask("高技术制造业增加值同比增长多少", top_k=5)
    assert isinstance(answer, Page)
    first = answer.quotes[0]
    assert normalized(first.text).startswith(normalized("记者注意到，高技术制造业增加值同比增长百分之七点五"))
    others = {s.article_id: s for s in first.also_in}
    ids = _ids(wire)
    assert set(others) | {first.article_id} == set(ids.values()) and first.article_id not in others
    assert {(s.outlet, s.date) for s in first.also_in} | {(first.outlet, first.date)} == {
        ("示例日报", "2024-05-14"), ("样本晚报", "2024-05-15"), ("测试商报", "2024-05-15")}
    assert all(s.title and s.url is None for s in first.also_in)
    # No quote of the answer repeats another, even nearly.
    texts = [q.text for q in answer.quotes]
    assert all(similarity(a, b) < THRESHOLD for i, a in enumerate(texts) for b in texts[i + 1:])


def test_pages_never_show_a_reprint_twice(wire: QuoteEngine) -> None:
    question = "国内生产总值和高技术制造业增长多少"
    everything = wire.ask(question, top_k=50)
    # Six paragraphs answer: two passages, each in three outlets.
    assert isinstance(everything, Page) and len(everything.quotes) == 2
    paged, cursor = [], None
    while True:
        page = wire.ask(question, top_k=1, cursor=cursor)
        assert isinstance(page, Page)
        paged.extend(page.quotes)
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert [q.text for q in paged] == [q.text for q in everything.quotes]
    assert all(len(q.also_in) == 2 for q in paged)
    texts = [q.text for q in paged]
    assert all(similarity(a, b) < THRESHOLD for i, a in enumerate(texts) for b in texts[i + 1:])


def test_a_statement_never_starts_inside_the_dateline(wire: QuoteEngine) -> None:
    answer = wire.ask("付凌晖说了什么")
    assert isinstance(answer, Page)
    (quote,) = answer.quotes
    assert quote.speaker is not None and quote.speaker.name == "付凌晖"
    assert quote.text.startswith("国家统计局新闻发言人付凌晖说") and len(quote.also_in) == 2
    record = wire.article(quote.article_id)
    assert record.text[quote.start:quote.end] == quote.text
    paragraph = record.paragraphs[quote.paragraph]
    assert quote.start >= paragraph.start + paragraph.lead > paragraph.start


def test_answers_carry_the_date_outlet_and_other_sources_to_the_terminal_and_json(wire: QuoteEngine) -> None:
    answer = wire.ask("高技术制造业增加值同比增长多少", top_k=1)
    first = answer.quotes[0]
    text = render_answer(answer)
    assert f"— 《{first.title}》 · {first.date} · {first.outlet}" in text
    assert "又见 " in text and all(f"《{s.title}》（{s.outlet} {s.date}）" in text for s in first.also_in)
    (payload,) = answer_json(answer)["answers"]  # type: ignore[misc]
    assert payload["date"] == first.date and payload["outlet"] == first.outlet and payload["url"] is None
    assert payload["also_in"] == [
        {"article_id": s.article_id, "title": s.title, "outlet": s.outlet, "url": None, "date": s.date}
        for s in first.also_in
    ]


PORTS = {
    "port-old": ("港口年报", "2023-03-01", "示例日报", "青岛港集装箱吞吐量同比增长百分之十二，创下历史新高，外贸航线新增八条。"),
    "port-new": ("港口快讯", "2024-05-14", "样本晚报", "青岛港前四个月集装箱吞吐量增长百分之八，港口生产保持平稳。"),
    "port-undated": ("港口观察", None, None, "日照港集装箱吞吐量稳步增长，铁水联运业务量持续扩大。"),
}
QUESTION = "集装箱吞吐量增长多少"


@pytest.fixture
def ports(tmp_path: Path, backend: str) -> QuoteEngine:
    documents = {}
    for name, (title, date, outlet, text) in PORTS.items():
        meta = f"发布时间：{date} 10:00 来源：{outlet}\n\n" if date else ""
        documents[name] = f"{title}\n\n{meta}{text}\n"
    engine = _engine(tmp_path, documents, backend)
    engine.today = lambda: dt.date(2024, 5, 15)
    return engine


def _order(engine: QuoteEngine, question: str) -> list[str]:
    answer = engine.ask(question, top_k=10)
    assert isinstance(answer, Page), answer
    return [q.article_id for q in answer.quotes]


def test_time_words_prefer_or_filter_articles_by_date(ports: QuoteEngine) -> None:
    base = _order(ports, QUESTION)
    assert sorted(base) == sorted(PORTS)

    def first_then_rest(first: str) -> list[str]:
        return [first] + [a for a in base if a != first]

    # A period counted back from today keeps the articles of that period, then the undated ones.
    assert _order(ports, "昨天" + QUESTION) == ["port-new", "port-undated"]
    assert _order(ports, "去年" + QUESTION) == ["port-old", "port-undated"]
    # A date, a month or "最近" prefers: the articles of that time first, the others after them.
    assert _order(ports, "2023年3月" + QUESTION) == first_then_rest("port-old")
    assert _order(ports, "5月14日" + QUESTION) == first_then_rest("port-new")
    assert _order(ports, "最近" + QUESTION) == first_then_rest("port-new")
    # No article of the period at all: the words cannot mean these articles, and change nothing.
    assert _order(ports, "上个月" + QUESTION) == base
    assert _order(ports, "2019年" + QUESTION) == base


def test_time_words_leave_the_question_and_the_answer_keeps_the_question(ports: QuoteEngine) -> None:
    answer = ports.ask("上个月" + QUESTION)
    plain = ports.ask(QUESTION)
    assert isinstance(answer, Page) and isinstance(plain, Page)
    assert answer.question == "上个月" + QUESTION
    assert [(q.text, q.score) for q in answer.quotes] == [(q.text, q.score) for q in plain.quotes]


def test_a_period_with_articles_keeps_only_them_and_the_undated(ports: QuoteEngine, tmp_path: Path) -> None:
    page = tmp_path / "weather.txt"
    page.write_text("天气预报\n\n发布时间：2024-05-15 07:00 来源：样本晚报\n\n今天白天晴转多云，最高气温二十六度，"
                    "夜间有小雨，请市民出行注意携带雨具。\n", encoding="utf-8")
    ports.add_files([page])
    # Today's only article does not answer; yesterday's does, but is not today's news; undated ones may be.
    assert _order(ports, "今天" + QUESTION) == ["port-undated"]
    assert _order(ports, "今天最高气温是多少度") == ["weather"]
    ports.remove("port-undated")
    answer = ports.ask("今天" + QUESTION)
    assert isinstance(answer, NotFound) and answer.question == "今天" + QUESTION


def test_a_calendar_year_is_searched_for_as_the_article_states_it(tmp_path: Path, backend: str) -> None:
    engine = _engine(tmp_path, {
        f"chips-{year}": f"芯片进口\n\n{year}年我国进口芯片花费{spent}亿美元，连续多年位居进口商品首位。\n"
        for year, spent in (("2017", 2601), ("2018", 3121))
    }, backend)
    # Undated articles: the year ranks nothing by date, but it is one of the question's words.
    for year in ("2018", "2017"):
        answer = engine.ask(f"{year}年进口芯片花了多少钱", top_k=1)
        assert isinstance(answer, Page) and answer.quotes[0].text.startswith(f"{year}年")
