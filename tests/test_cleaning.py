from __future__ import annotations

import re
from pathlib import Path

from index.cleaning import Kind, classify, clean_document
from index.loading import Line, SourceDocument, read_document
from index.records import CleanArticle
from tests.conftest import SAMPLE


def _clean(text: str, structured: bool = False) -> list[CleanArticle]:
    lines = [Line(t) for t in text.splitlines()]
    return clean_document(SourceDocument(Path("x.txt"), lines, structured), lambda k: f"x{k}", "x")


def _sample() -> list[CleanArticle]:
    return clean_document(read_document(SAMPLE), lambda k: f"a{k}", SAMPLE.stem)


def test_sample_splits_into_two_articles_with_headline_title() -> None:
    first, second = _sample()
    assert first.title == "把胶东经济圈打造成为产业、利益、命运共同体"
    assert first.sections == ["潍坊:融入青岛都市圈", "烟台:对接青岛就是对接世界", "威海:将积极接轨青岛", "日照:共享对外开放“一扇窗”"]
    assert len(first.paragraphs) == 13
    # The second article's headline was cut off by the layout: its opening clauses name it.
    assert second.title == "5月7日,胶东经济圈一体化发展工作推进会议召开"
    assert [p.text[:6] for p in second.paragraphs] == ["5月7日,胶", "地理相邻、经"]


def test_sample_repairs_the_broken_paragraph() -> None:
    first = _sample()[0]
    texts = [p.text for p in first.paragraphs]
    assert any("对接青岛就是对接世界,融入青岛就是融入一体化发展。" in t for t in texts)
    assert not any(t.startswith("入青岛") for t in texts)


def test_sample_drops_captions_bylines_credits_and_fragments() -> None:
    everything = "\n".join(a.text for a in _sample()) + "".join(a.title for a in _sample())
    for debris in ("◀", "王岳洲代表", "樊平燕委员", "□文", "刘鑫", "受访者提供", "听听胶东经", "大家都是主\n", "“五市情同手足"):
        assert debris not in everything
    assert not re.search(r"半岛记者$", everything, re.M)


def test_sample_sections_follow_their_headings() -> None:
    first = _sample()[0]
    by_start = {p.text[:8]: p.section for p in first.paragraphs}
    assert by_start["继5月9日潍坊市"] is None
    assert by_start["张海波说,威海与"] == "威海:将积极接轨青岛"
    assert by_start["日照市委书记张惠"] == "日照:共享对外开放“一扇窗”"


def test_paragraphs_are_verbatim_and_offsets_index_the_clean_text() -> None:
    source = re.sub(r"\s+", "", SAMPLE.read_text(encoding="utf-8"))
    for article in _sample():
        text = article.text
        for p in article.paragraphs:
            assert text[p.start : p.end] == p.text
            assert "\n" not in p.text
            assert p.text.replace(" ", "") in source


def test_classify_lines() -> None:
    assert classify("◀王岳洲代表") is Kind.CAPTION
    assert classify("□文/半岛记者 刘鑫 崔璞") is Kind.CREDIT
    assert classify("图/受访者提供") is Kind.CREDIT
    assert classify("半岛记者") is Kind.CREDIT
    assert classify("（本报记者 王五）") is Kind.CREDIT
    assert classify("责任编辑：张三") is Kind.CREDIT
    assert classify("新华社记者 李四 摄") is Kind.CREDIT
    assert classify("威海:将积极接轨青岛") is Kind.SHORT
    assert classify("张海波说,威海与青岛合作基础扎实。") is Kind.BODY


def test_hard_wrapped_paragraph_is_rejoined_and_indentation_dropped() -> None:
    text = (
        "标题在这里\n\n"
        "　　今年以来，本市经济运行总体平稳，主要指标好于预期，工业增加值同比增长\n"
        "3.5%，社会消费品零售总额持续回升。\n"
        "　　第二段说的是另一件事。\n"
    )
    (article,) = _clean(text)
    assert article.title == "标题在这里"
    assert [p.text for p in article.paragraphs] == [
        "今年以来，本市经济运行总体平稳，主要指标好于预期，工业增加值同比增长3.5%，社会消费品零售总额持续回升。",
        "第二段说的是另一件事。",
    ]


def test_caption_inside_an_article_does_not_split_it() -> None:
    text = "大标题在这里\n\n第一段正文内容，说明了一些事情。\n\n▲会议现场\n\n第二段正文内容，说明了另一些事情。\n"
    (article,) = _clean(text)
    assert len(article.paragraphs) == 2


def test_structured_short_paragraph_is_kept() -> None:
    lines = [Line("标题", 1), Line("好。"), Line("很短的一句话")]
    (article,) = clean_document(SourceDocument(Path("x.md"), lines, True), lambda k: "x", "x")
    assert [p.text for p in article.paragraphs] == ["好。", "很短的一句话"]
