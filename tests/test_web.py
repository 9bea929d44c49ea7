from __future__ import annotations

from pathlib import Path

import pytest

from index.articles import load_articles, load_bytes
from index.charsets import declared_charset, detect_text
from index.web import extract_page
from tests.pages import FURNITURE, LAST, PARAGRAPHS, SUBHEADING, TITLE, portal_page, small_site_page


def test_portal_page_gives_headline_body_and_metadata_without_furniture() -> None:
    article = extract_page(portal_page())
    assert article.title == TITLE
    assert [b.text for b in article.blocks] == [*PARAGRAPHS[:2], SUBHEADING, *PARAGRAPHS[2:], LAST]
    assert (article.meta.date, article.meta.outlet, article.meta.author) == ("2024-05-14", "示例日报", "王小明")
    body = "\n".join(b.text for b in article.blocks)
    for junk in FURNITURE:
        assert junk not in body, junk


def test_small_site_without_h1_takes_the_line_above_the_body() -> None:
    article = extract_page(small_site_page())
    assert article.title == "某市协会召开年度工作会议"
    assert article.meta.date == "2023-11-02"
    assert [b.text for b in article.blocks] == PARAGRAPHS[1:3]


def test_page_becomes_an_article_with_metadata_url_and_dateline_lead(tmp_path: Path) -> None:
    url = "https://news.example.invalid/2024/0514/a1.html"
    (article,) = load_bytes(portal_page().encode("utf-8"), "a1.html", "a1", url=url)
    assert (article.title, article.date, article.outlet, article.author, article.url) == (
        TITLE, "2024-05-14", "示例日报", "王小明", url
    )
    first = article.paragraphs[0]
    # The dateline stays in the verbatim text but is marked as not quotable.
    assert first.text == PARAGRAPHS[0]
    assert first.text[:first.lead] == "新华社青岛5月14日电（记者 王小明）"
    assert all(p.lead == 0 for p in article.paragraphs[1:])
    # The short line without a sentence inside the body is a subheading: a section, not a paragraph.
    assert SUBHEADING not in [p.text for p in article.paragraphs]
    assert [p.section for p in article.paragraphs] == [None, None, SUBHEADING, SUBHEADING, SUBHEADING]
    for p in article.paragraphs:
        assert article.text[p.start:p.end] == p.text


def test_saved_page_file_is_read_like_a_fetched_one(tmp_path: Path) -> None:
    path = tmp_path / "saved.htm"
    path.write_bytes(portal_page().encode("utf-8"))
    (article,) = load_articles(path, "saved")
    assert article.title == TITLE and article.date == "2024-05-14" and article.url is None


@pytest.mark.parametrize("declared", ["gb2312", "GBK", "iso-8859-1", "big5"])
def test_a_page_that_lies_about_its_charset_is_decoded_as_what_it_is(declared: str) -> None:
    data = portal_page(declared).encode("utf-8")
    assert declared_charset(data) is not None
    text = detect_text(data, declared_charset(data))
    assert text is not None and TITLE in text


def test_a_gbk_page_is_decoded_by_its_declaration_or_by_gb18030() -> None:
    data = portal_page("gb2312").encode("gb18030")
    assert TITLE in (detect_text(data, declared_charset(data)) or "")
    assert TITLE in (detect_text(data, None) or "")
    (article,) = load_bytes(data, "gbk.html", "gbk")
    assert article.title == TITLE


def test_http_header_charset_wins_over_meta() -> None:
    assert declared_charset(b"<meta charset='utf-8'>", "text/html; charset=GBK") == "gb18030"
    assert declared_charset(b"<meta http-equiv='Content-Type' content='text/html; charset=gb2312'>") == "gb18030"
    assert declared_charset(b"<p>none</p>") is None


def test_binary_is_not_text() -> None:
    assert detect_text(b"\x00\x01\x02\x03" * 50, None) is None


def test_subheadings_versus_one_clause_a_line_posts() -> None:
    from index.webtext import Block, is_subheading

    long = "马莉回忆起这首歌的故事说，因为这首歌太有名了，作曲家还有了一个雅号，当时大家都这样称呼他。"
    blocks = [Block("第一段说完了一件事。"), Block("你知道吗"), Block("《一分钱》的故事"), Block(long)]
    assert [is_subheading(blocks, i) for i in range(4)] == [False, True, True, False]
    post = [Block("购物、餐饮、空中花园……"), Block("这么高大上的邮轮母港"), Block("开始搓搓手了！！！")]
    assert [is_subheading(post, i) for i in range(3)] == [False, False, False]


def _transcript(byline: str) -> str:
    body = "".join(
        f"<p>{text}</p>"
        for text in (
            "各位记者朋友：",
            "今天由我来向大家介绍本次展会的筹备情况，我们共邀请了三百家企业参展，展期五天，预计观众超过十万人次。",
            "展会期间，市区将开通六条接驳公交线路，地铁延长运营一小时，各场馆周边设置临时停车场，方便市民观展。",
            "我们欢迎各界朋友前来参观，也请大家继续关注和支持临川会展业的发展，谢谢大家。",
        )
    )
    return (f"<html><head><title>临川会展新闻发布会</title></head><body><h1>临川会展新闻发布会</h1>"
            f"<p style=\"text-align:center\"><strong>{byline}</strong></p>{body}</body></html>")


def test_the_line_above_a_transcript_opens_its_first_section_and_a_byline_does_not() -> None:
    (article,) = load_bytes(_transcript("临川市会展办新闻发言人 孟思远").encode("utf-8"), "t.html", "t")
    assert article.paragraphs[0].section == "临川市会展办新闻发言人 孟思远"
    assert all("孟思远" not in p.text for p in article.paragraphs)
    (signed,) = load_bytes(_transcript("本报记者 孟思远").encode("utf-8"), "s.html", "s")
    assert signed.paragraphs[0].section is None
