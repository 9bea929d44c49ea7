"""Telegram HTML rendering: escaping, bold matches, source lines and the 4096-character split."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot import i18n, render
from index import ArticleInfo, Mention, NotFound, Page, Paragraph, Quote, Reason, Speaker
from tests.fake_bot_api import parse_html


def _quote(text: str, matched: tuple[str, ...] = (), **fields: object) -> Quote:
    values: dict = dict(article_id="a", title="标题", section="威海", paragraph=2, start=0, end=len(text),
                        score=0.9, context=text, matched=matched)  # fmt: skip
    values.update(fields)
    return Quote(text=text, **values)


def _info(title: str) -> ArticleInfo:
    return ArticleInfo("a", title, "a.txt", [], 1, 10, "h")


def _valid(message: str) -> str:
    """The message as Telegram would show it; fails like Telegram on bad markup or length."""
    plain = parse_html(message)
    assert render.utf16_len(plain) <= render.MESSAGE_LIMIT
    return plain


def test_highlight_escapes_everything_and_bolds_every_match() -> None:
    assert render.highlight("a<b>&c", ()) == "a&lt;b&gt;&amp;c"
    assert render.highlight("威海与青岛，威海", ("威海",)) == "<b>威海</b>与青岛，<b>威海</b>"
    # Overlapping and adjacent terms make one bold run, not nested or broken tags.
    assert render.highlight("威海市委书记", ("威海", "海市", "书记")) == "<b>威海市</b>委<b>书记</b>"
    assert render.highlight("Port of Weihai", ("weihai",)) == "Port of <b>Weihai</b>"
    assert render.highlight("x<y", ("<",)) == "x<b>&lt;</b>y"
    assert render.highlight("abc", ("", " ")) == "abc"


def test_utf16_length_counts_emoji_twice() -> None:
    assert render.utf16_len("威海") == 2
    assert render.utf16_len("😀") == 2


def test_sentences_keep_closing_quotes_and_ellipses() -> None:
    text = "他说：“对接青岛就是对接世界。”随后……离开了！English? Yes."
    assert render.sentences(text) == ["他说：“对接青岛就是对接世界。”", "随后……", "离开了！", "English?", " Yes."]


def test_cut_splits_between_sentences_and_never_inside_a_tag() -> None:
    text = "威海与青岛合作基础扎实。" * 50

    def wrap(part: str) -> str:
        return f"<blockquote>{render.highlight(part, ('青岛',))}</blockquote>"

    pieces = render.cut(text, wrap, limit=200)
    assert len(pieces) > 1
    assert all(render.utf16_len(p) <= 200 for p in pieces)
    assert "".join(parse_html(p) for p in pieces) == text
    assert all(parse_html(p).endswith("。") for p in pieces)


def test_cut_breaks_an_overlong_sentence_by_characters_without_splitting_entities() -> None:
    text = "&<>" * 300 + "。"
    pieces = render.cut(text, lambda part: f"<b>{render.highlight(part, ())}</b>", limit=100)
    assert all(render.utf16_len(p) <= 100 for p in pieces)
    assert "".join(parse_html(p) for p in pieces) == text


def test_a_quote_longer_than_a_message_is_split_into_valid_messages() -> None:
    quote = _quote("威海港口合作取得新进展，物流持续深化。" * 600, ("威海",), title="A<B>&C")
    messages = render.render_answer(Page("q", [quote]), [], "zh")
    assert len(messages) > 1
    plains = [_valid(m) for m in messages]
    assert "".join(plains).count("《A<B>&C》") == 1
    assert plains[-1].endswith("《A<B>&C》 · 威海")
    assert all("<b>威海</b>" in m for m in messages)


def test_many_quotes_are_packed_into_few_messages_numbered_from_the_offset() -> None:
    quotes = [_quote(f"第{i}句。" * 100) for i in range(30)]
    messages = render.render_answer(Page("q", quotes, start=3), [], "zh")
    assert 1 < len(messages) < 30
    text = "\n".join(_valid(m) for m in messages)
    assert "4. 《标题》" in text and "33. 《标题》" in text


def test_source_line_has_title_section_and_speaker() -> None:
    quote = _quote("……", speaker=Speaker("张海波", "威海市委书记"))
    assert render.source_line(quote) == "《标题》 · 威海 · 威海市委书记张海波"
    assert render.source_line(_quote("x", section=None), 2) == "2. 《标题》"


def test_not_found_is_polite_with_a_hint() -> None:
    answer = NotFound("火星<天气>", Reason.NO_MATCH)
    (message,) = render.render_answer(answer, [_info("胶东"), _info("日照")], "zh")
    plain = _valid(message)
    assert "抱歉" in plain and "“火星<天气>”" in plain and "《胶东》、《日照》" in plain
    (english,) = render.render_answer(answer, [_info("胶东")], "en")
    assert _valid(english).startswith("Sorry")


def test_not_found_explains_who_is_mentioned_but_not_quoted_in_the_users_language() -> None:
    answer = NotFound("青岛市长说了什么", Reason.PERSON_NOT_QUOTED, "青岛市长",
                      [Mention("孟凡利", "青岛市长", "a", "标题<1>")])
    (message,) = render.render_answer(answer, [], "zh")
    note = "索引中没有青岛市长的讲话被引用（青岛市长孟凡利见于《标题&lt;1&gt;》，但没有引述其讲话）。"
    assert message.startswith("抱歉") and f"<i>{note}</i>" in message
    _valid(message)
    (english,) = render.render_answer(answer, [], "en")
    plain = _valid(english)
    assert plain.startswith("Sorry") and "mention 青岛市长 (青岛市长孟凡利 in “标题<1>”) but never quote" in plain
    assert "索引" not in plain and "没有" not in plain


def test_a_role_nobody_holds_is_explained() -> None:
    (message,) = render.render_answer(NotFound("烟台市长说了什么", Reason.ROLE_NOT_HELD, "烟台市长"), [], "en")
    assert "Nobody in the indexed articles is 烟台市长" in _valid(message)


def test_hint_lists_at_most_ten_titles() -> None:
    (message,) = render.render_answer(NotFound("q", Reason.NO_MATCH), [_info(f"T{i}") for i in range(14)], "zh")
    assert "《T9》" in message and "《T10》" not in message and "还有 4 篇" in message


def test_paragraph_numbers_are_shown_from_one() -> None:
    paragraph = Paragraph(0, "第一段<正文>。", "威海", 0, 8)
    (message,) = render.render_paragraph(paragraph, _info("标题"), "zh")
    assert _valid(message) == "《标题》 · 威海 · 第 1 段\n第一段<正文>。"


def test_context_view_names_date_outlet_and_links_the_original() -> None:
    paragraph = Paragraph(2, "正文。", None, 0, 3)
    info = replace(_info("标题"), date="2024-05-01", outlet="大众日报", url="https://example.org/a?x=1&y=2")
    (message,) = render.render_paragraph(paragraph, info, "zh")
    assert _valid(message) == "《标题》 · 第 3 段 · 2024-05-01 · 大众日报 · 原文\n正文。"
    assert '<a href="https://example.org/a?x=1&amp;y=2">原文</a>' in message


def test_context_view_of_an_article_gone_meanwhile_keeps_the_paragraph() -> None:
    (message,) = render.render_paragraph(Paragraph(0, "正文。", None, 0, 3), None, "zh")
    assert _valid(message) == "第 1 段\n正文。"


def test_inline_message_is_one_valid_message_even_for_a_huge_quote() -> None:
    quote = _quote("很长的一句话，" * 2000 + "。", ("很长",))
    message = render.inline_message(quote)
    plain = _valid(message)
    assert plain.endswith("…\n《标题》 · 威海")
    assert render.inline_title(quote).endswith("…") and len(render.inline_title(quote)) <= 60
    assert render.inline_description(_quote("x", title="A&B")) == "《A&B》 · 威海"


def test_help_and_articles_render_valid_html() -> None:
    articles = [ArticleInfo(f"id{i}", f"<标题{i}>", "s", ["一", "二"], 3, 9, "h") for i in range(300)]
    for message in render.render_help(articles, "en", "QuoteTestBot", admin=True):
        _valid(message)
    listing = render.render_articles(articles, "zh")
    assert len(listing) > 1
    assert "<code>id299</code> 《&lt;标题299&gt;》 2 节，3 段" in listing[-1]
    assert all(_valid(m) for m in listing)
    assert render.render_articles([], "en") == ["The index holds no articles yet."]


def test_to_plain_strips_our_tags_and_unescapes() -> None:
    assert render.to_plain("<blockquote><b>a&lt;b</b></blockquote>\n&amp;") == "a<b\n&"


@pytest.mark.parametrize(
    ("code", "lang"), [("en", "en"), ("en-GB", "en"), ("zh-hans", "zh"), ("de", "zh"), (None, "zh")]
)
def test_language_is_english_only_for_english_users(code: str | None, lang: str) -> None:
    assert i18n.language(code) == lang


def test_duration() -> None:
    assert render.duration(30, "zh") == "不到 1 分钟"
    assert render.duration(90061, "zh") == "1天1小时1分钟"
    assert render.duration(3720, "en") == "1 h 2 min"


def test_every_text_exists_in_both_languages() -> None:
    assert i18n.TEXTS["zh"].keys() == i18n.TEXTS["en"].keys()
    for lang in ("zh", "en"):
        for key, value in i18n.TEXTS[lang].items():
            sample = value.format(**{name: "x" for name in ("n", "bot", "question", "titles", "seconds", "name",
                                                              "size", "limit", "title", "id", "sections", "chunks",
                                                              "names", "reason", "articles", "embedded", "uptime",
                                                              "questions", "value", "found", "indexed", "asked", "mentions", "who",
                                                              "kinds", "generation", "busy", "dropped", "about")})  # fmt: skip
            assert parse_html(sample) is not None, key


@pytest.mark.parametrize(
    "markup",
    ["<b>open", "<div>x</div>", "<b>x</i>", "a < b", "x</b>", "&nbsp;", "<br/>", '<span class="x">s</span>'],
)
def test_the_fake_server_refuses_markup_telegram_refuses(markup: str) -> None:
    with pytest.raises(ValueError):
        parse_html(markup)


def test_the_fake_server_accepts_telegram_markup() -> None:
    markup = '<b>a</b><i>b</i><blockquote>c&lt;&amp;&quot;&#39;</blockquote><span class="tg-spoiler">d</span>'
    assert parse_html(markup) == "abc<&\"'d"


def test_a_name_nobody_mentions_is_explained() -> None:
    (message,) = render.render_answer(NotFound("欧阳振华说了什么", Reason.NOT_MENTIONED, "欧阳振华"), [], "zh")
    assert "索引中的文章没有提到欧阳振华" in _valid(message)
    (english,) = render.render_answer(NotFound("欧阳振华说了什么", Reason.NOT_MENTIONED, "欧阳振华"), [], "en")
    assert "never mention 欧阳振华" in _valid(english)
