"""Where a quote comes from, in Telegram: date, outlet, the 原文 link and the reprints, as the terminal shows them."""

from __future__ import annotations

import html
import re

import pytest

from bot import render, terminal
from index import ArticleInfo, Page, Quote, Speaker
from index.records import SourceRef
from tests.fake_bot_api import parse_html

URL = "https://news.example.com/a/2024/0514/1.html?from=rss&id=7"


def _quote(**fields: object) -> Quote:
    values: dict = dict(text="威海与青岛合作基础扎实。", article_id="a", title="胶东五市共商一体化", section="威海",
                        paragraph=2, start=0, end=12, score=0.9, context="", matched=("威海",), date="2024-05-14",
                        outlet="示例日报", url=URL)  # fmt: skip
    values.update(fields)
    return Quote(**values)


def _links(message: str) -> list[tuple[str, str]]:
    """(href, label) of every link, as Telegram reads them."""
    return [(html.unescape(href), html.unescape(label))
            for href, label in re.findall(r'<a href="([^"]*)">(.*?)</a>', message)]  # fmt: skip


def test_the_source_line_shows_date_outlet_and_a_link_to_the_original() -> None:
    line = render.source_line(_quote())
    assert parse_html(line) == "《胶东五市共商一体化》 · 威海 · 2024-05-14 · 示例日报 · 原文"
    assert _links(line) == [(URL, "原文")]
    # The same fields in the same order as the terminal's source line.
    assert parse_html(line).removesuffix(" · 原文") == terminal.source_line(_quote())
    assert _links(render.source_line(_quote(), lang="en")) == [(URL, "source")]


def test_a_speaker_comes_before_the_date() -> None:
    line = render.source_line(_quote(speaker=Speaker("张海波", "威海市委书记")), 2)
    assert parse_html(line) == "2. 《胶东五市共商一体化》 · 威海 · 威海市委书记张海波 · 2024-05-14 · 示例日报 · 原文"


def test_without_url_or_date_nothing_is_made_up() -> None:
    assert render.source_line(_quote(url=None, date=None, outlet=None)) == "《胶东五市共商一体化》 · 威海"


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "file:///etc/passwd", "ftp://example.com/a", "https://", "http://exa mple.com/a",
     "https://example.com/\n<b>", "https://example.com/" + "a" * 3000, ""],
)
def test_only_http_links_become_links(url: str) -> None:
    line = render.source_line(_quote(url=url))
    assert "<a " not in line and "原文" not in line
    assert parse_html(line) == "《胶东五市共商一体化》 · 威海 · 2024-05-14 · 示例日报"


def test_the_href_is_escaped_and_quoted() -> None:
    hostile = 'https://example.com/a?x="><b>boom</b>&y=<i>'
    line = render.source_line(_quote(url=hostile, title='A"<B>&C'))
    assert _links(line) == [(hostile, "原文")]
    assert parse_html(line).startswith('《A"<B>&C》')
    assert "<b>" not in line and '"><' not in line


def test_reprints_are_listed_once_with_outlet_date_and_link() -> None:
    also = (SourceRef("b", "胶东五市共商一体化<转>", "另一日报", "https://other.example.com/1.html", "2024-05-15"),
            SourceRef("c", "第三家", None, None, None))  # fmt: skip
    (message,) = render.render_answer(Page("q", [_quote(also_in=also)]), [], "zh")
    plain = parse_html(message)
    assert plain.endswith("原文\n又见 《胶东五市共商一体化<转>》（另一日报 2024-05-15）、《第三家》")
    assert _links(message) == [(URL, "原文"), ("https://other.example.com/1.html", "《胶东五市共商一体化<转>》")]
    # The terminal names them the same way.
    assert [terminal.reference(s) for s in also] == ["《胶东五市共商一体化<转>》（另一日报 2024-05-15）", "《第三家》"]
    (english,) = render.render_answer(Page("q", [_quote(also_in=also)]), [], "en")
    assert "\nAlso in 《胶东五市共商一体化<转>》（另一日报 2024-05-15）, 《第三家》" in parse_html(english)


def test_many_reprints_are_counted_not_listed() -> None:
    also = tuple(SourceRef(f"r{i}", f"转载{i}", f"报{i}", f"https://r{i}.example.com/", None) for i in range(12))
    line = render.also_in_line(_quote(also_in=also), "zh")
    assert line is not None
    assert "《转载4》" in line and "《转载5》" not in line and parse_html(line).endswith("……还有 7 篇")


def test_a_long_quote_with_long_sources_still_splits_into_valid_messages() -> None:
    also = tuple(SourceRef(f"r{i}", "长标题" * 40, "报", "https://r.example.com/" + "x" * 400, "2024-05-15")
                 for i in range(8))  # fmt: skip
    quote = _quote(text="威海港口合作取得新进展，物流持续深化。" * 600, also_in=also)
    messages = render.render_answer(Page("q", [quote]), [], "zh")
    assert len(messages) > 1
    for message in messages:
        assert render.utf16_len(message) <= render.MESSAGE_LIMIT
        parse_html(message)
    # Reprints beyond the source's share of the message are counted, not listed.
    links = _links(messages[-1])
    assert links[0] == (URL, "原文") and 1 < len(links) < 1 + render.ALSO_IN_SHOWN
    assert f"还有 {8 - (len(links) - 1)} 篇" in parse_html(messages[-1])
    assert render.utf16_len(render.source_block(quote, None, "zh")) <= render.SOURCE_CHARS


def test_an_absurd_title_or_address_loses_its_link_not_the_quote() -> None:
    quote = _quote(title="题" * 5000, url="https://e.com/" + "y" * 2000)
    (message,) = render.render_answer(Page("q", [quote]), [], "zh")
    plain = parse_html(message)
    assert plain.startswith("威海与青岛合作基础扎实。\n《题题") and plain.endswith("…")
    assert _links(message) == []


def test_inline_answers_carry_the_date_and_the_link_within_one_message() -> None:
    also = tuple(SourceRef(f"r{i}", f"转载{i}", "报", f"https://r{i}.example.com/", None) for i in range(5))
    quote = _quote(text="很长的一句话，" * 2000 + "。", also_in=also)
    message = render.inline_message(quote, "en")
    assert render.utf16_len(message) <= render.MESSAGE_LIMIT
    plain = parse_html(message)
    assert "…\n《胶东五市共商一体化》 · 威海 · 2024-05-14 · 示例日报 · source\nAlso in" in plain
    assert len(_links(message)) == 1 + render.ALSO_IN_INLINE
    assert render.inline_description(quote) == "《胶东五市共商一体化》 · 威海 · 2024-05-14 · 示例日报"
    spoken = _quote(speaker=Speaker("张海波", "威海市委书记"))
    assert render.inline_description(spoken) == "《胶东五市共商一体化》 · 威海 · 威海市委书记张海波 · 2024-05-14 · 示例日报"


def test_the_plain_fallback_keeps_the_address() -> None:
    line = render.source_line(_quote())
    assert render.to_plain(line) == f"《胶东五市共商一体化》 · 威海 · 2024-05-14 · 示例日报 · 原文 {URL}"


def test_an_opened_article_and_the_admins_list_show_the_date() -> None:
    info = ArticleInfo("news-a1", "胶东<五市>", URL, ["威海"], 4, 100, "h", date="2024-05-14", outlet="示例日报", url=URL)
    (intro,) = render.render_article_intro(info, None, "en")
    assert parse_html(intro).startswith("《胶东<五市>》\n2024-05-14 · 示例日报 · source\n")
    assert _links(intro) == [(URL, "source")]
    (listing,) = render.render_articles([info], "zh")
    assert parse_html(listing) == "• news-a1 《胶东<五市>》 1 节，4 段 · 2024-05-14"
    undated = ArticleInfo("plain", "标题", "a.txt", [], 1, 10, "h")
    (intro,) = render.render_article_intro(undated, None, "zh")
    assert parse_html(intro).startswith("《标题》\n直接发问题")
