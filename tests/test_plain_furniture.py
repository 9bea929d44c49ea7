from __future__ import annotations

from pathlib import Path

from index.articles import load_bytes
from index.chunking import chunk_article
from index.cleaning import clean_document
from index.loading import Line, SourceDocument
from tests.pages import PASTED_TEXT


def test_pasted_page_furniture_becomes_metadata_not_text() -> None:
    (article,) = load_bytes(PASTED_TEXT.encode("utf-8"), "pasted.txt", "pasted")
    assert article.title == "长江大桥夜间施工期间部分车道封闭"
    assert (article.date, article.outlet, article.author) == ("2024-10-04", "长江网", "陈智")
    texts = [p.text for p in article.paragraphs]
    assert len(texts) == 2
    assert texts[0].startswith("长江网10月4日讯（记者陈智 整合）记者从市交通部门获悉")
    assert article.paragraphs[0].lead == len("长江网10月4日讯（记者陈智 整合）")
    everything = article.title + "".join(texts)
    for junk in ("发布时间", "字号", "A+", "举报", "责任编辑", "打印", "关闭"):
        assert junk not in everything


def test_a_dateline_alone_on_its_line_is_never_the_title() -> None:
    text = "新华社北京5月14日电\n\n国务院新闻办公室14日举行新闻发布会，介绍一季度经济运行情况。\n"
    lines = [Line(t) for t in text.splitlines()]
    (article,) = clean_document(SourceDocument(Path("x.txt"), lines, False), lambda k: "x", "x")
    assert article.title != "新华社北京5月14日电"
    assert article.outlet == "新华社" and article.date is None
    assert article.paragraphs[0].text.startswith("国务院新闻办公室")


def test_a_metadata_line_between_headline_and_text_keeps_the_headline() -> None:
    text = "某市召开年度工作会议\n2019年10月23日 09:05 示例网\n会议总结了一年来的工作，部署了明年的重点任务。\n"
    lines = [Line(t) for t in text.splitlines()]
    (article,) = clean_document(SourceDocument(Path("x.txt"), lines, False), lambda k: "x", "x")
    assert article.title == "某市召开年度工作会议"
    assert (article.date, article.outlet) == ("2019-10-23", "示例网")
    assert [p.text for p in article.paragraphs] == ["会议总结了一年来的工作，部署了明年的重点任务。"]


def test_chunks_start_after_the_dateline() -> None:
    (article,) = load_bytes(PASTED_TEXT.encode("utf-8"), "pasted.txt", "pasted")
    first = chunk_article(article, 200, 400)[0]
    assert first.text.startswith("记者从市交通部门获悉")
    assert article.text[first.start:first.end] == first.text


def _titled(text: str) -> str:
    lines = [Line(t) for t in text.splitlines()]
    return clean_document(SourceDocument(Path("x.txt"), lines, False), lambda k: "x", "x")[0].title


def test_a_plain_file_opens_with_its_headline_even_with_a_comma_or_question_mark() -> None:
    body = "\n会议总结了一年来的工作，部署了明年的重点任务，并对重点项目作出了安排。\n"
    assert _titled("阿里发布新芯片：性能提升明显，一块顶十块" + body) == "阿里发布新芯片：性能提升明显，一块顶十块"
    assert _titled("儿歌被改了词 原作者女儿：不觉得拗口吗？" + body) == "儿歌被改了词 原作者女儿：不觉得拗口吗？"


def test_a_kicker_ending_in_a_colon_is_not_the_title() -> None:
    text = "考察团来青考察 座谈会上市委书记表示：\n把胶东经济圈打造成为共同体\n会议总结了一年来的工作，部署了明年的重点任务。\n"
    assert _titled(text) == "把胶东经济圈打造成为共同体"


def test_a_first_line_that_is_a_sentence_is_text_not_a_title() -> None:
    text = "会议总结了一年来的工作。\n会议部署了明年的重点任务，并对重点项目作出了安排。\n"
    lines = [Line(t) for t in text.splitlines()]
    (article,) = clean_document(SourceDocument(Path("x.txt"), lines, False), lambda k: "x", "x")
    assert article.paragraphs[0].text == "会议总结了一年来的工作。"


def test_a_line_between_the_headline_and_the_text_opens_the_first_section() -> None:
    text = ("临川港二期工程新闻发布会\n临川市会展办新闻发言人 孟思远\n各位记者朋友：\n"
            "今天由我来向大家介绍本次展会的筹备情况，我们共邀请了三百家企业参展。\n")
    (article,) = clean_document(SourceDocument(Path("x.txt"), [Line(t) for t in text.splitlines()], False),
                                lambda k: "x", "x")
    assert article.title == "临川港二期工程新闻发布会"
    assert [p.section for p in article.paragraphs] == ["临川市会展办新闻发言人 孟思远"]
