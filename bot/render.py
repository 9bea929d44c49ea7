"""Answers as Telegram HTML: quotes in blockquotes, matched words in bold, messages of at most 4096 characters.

Every piece of article or user text goes through :func:`html.escape` before it meets a tag, and a message
is only ever cut between whole fragments or between sentences of plain text, so no split lands inside a tag
or an entity. The user-facing sentences come from :mod:`bot.i18n`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from telegram.constants import MessageLimit

from bot.i18n import TEXTS, not_found_note, text
from index import Answer, ArticleInfo, NotFound, Paragraph, Quote

# Telegram's limit on a message, counted in UTF-16 code units after entity parsing. Counting the raw
# HTML instead is stricter, so a message measured here is always accepted.
MESSAGE_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)
# A passage longer than this is shown collapsed (an expandable blockquote): a few lines and "more".
EXPANDABLE_CHARS = 200
# What a t.me/<bot>?start=<payload> deep link may carry.
DEEP_LINK = re.compile(rf"[A-Za-z0-9_-]{{1,{int(MessageLimit.DEEP_LINK_LENGTH)}}}")
# The inline description is cut short by every client anyway.
INLINE_DESCRIPTION_CHARS = 120
INLINE_TITLE_CHARS = 60

_SENTENCE = re.compile(r".+?(?:[。！？!?；;…]+[”」』’\"'）)]*|\n+|$)", re.S)
_TAG = re.compile(r"<[^>]*>")
_ANCHOR = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.S)
# Longer addresses are not linked: no news page needs one, and the message has 4,096 characters in all.
MAX_LINK_CHARS = 2048
# Reprints listed under a quote (the rest are counted), and how much of each title is shown.
ALSO_IN_SHOWN = 5
ALSO_IN_INLINE = 3
ALSO_IN_TITLE_CHARS = 40
# The most a quote's source (line, link and reprints, as HTML) may take of a message.
SOURCE_CHARS = 1500


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: emoji and other astral characters count twice."""
    return len(text.encode("utf-16-le")) // 2


def fits(text: str, limit: int = MESSAGE_LIMIT) -> bool:
    return utf16_len(text) <= limit


def sentences(text: str) -> list[str]:
    """Split plain text after sentence-ending punctuation, keeping closing quotes with their sentence."""
    return [m.group() for m in _SENTENCE.finditer(text) if m.group()]


def highlight(text: str, terms: Iterable[str]) -> str:
    """Escape ``text`` and wrap every occurrence of any term in ``<b>``; overlapping matches merge."""
    bold = [False] * len(text)
    lowered = text.lower()
    for term in {t.lower() for t in terms if t and t.strip()}:
        start = lowered.find(term)
        while start != -1:
            for i in range(start, start + len(term)):
                bold[i] = True
            start = lowered.find(term, start + 1)
    out: list[str] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and bold[j] == bold[i]:
            j += 1
        run = html.escape(text[i:j], quote=False)
        out.append(f"<b>{run}</b>" if bold[i] else run)
        i = j
    return "".join(out)


def cut(text: str, render: Callable[[str], str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Render ``text`` in as few pieces as fit ``limit``, cutting between sentences where one can.

    ``render`` turns plain text into a balanced HTML fragment; cutting happens on the plain text, so a
    piece never ends inside a tag or an entity. A single sentence longer than the limit is cut by
    characters, the only way left.
    """
    pieces: list[str] = []
    current = ""
    for sentence in sentences(text):
        if fits(render(current + sentence), limit):
            current += sentence
            continue
        if current:
            pieces.append(render(current))
            current = ""
        while not fits(render(sentence), limit):
            size = _longest_prefix(sentence, render, limit)
            pieces.append(render(sentence[:size]))
            sentence = sentence[size:]
        current = sentence
    if current.strip():
        pieces.append(render(current))
    return pieces


def _longest_prefix(text: str, render: Callable[[str], str], limit: int) -> int:
    low, high = 1, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if fits(render(text[:mid]), limit):
            low = mid
        else:
            high = mid - 1
    return low


def pack(fragments: Sequence[str], limit: int = MESSAGE_LIMIT, separator: str = "\n\n") -> list[str]:
    """Join balanced fragments (each within ``limit``) into as few messages as fit."""
    messages: list[str] = []
    current = ""
    for fragment in fragments:
        candidate = f"{current}{separator}{fragment}" if current else fragment
        if current and not fits(candidate, limit):
            messages.append(current)
            current = fragment
        else:
            current = candidate
    if current:
        messages.append(current)
    return messages


def to_plain(message: str) -> str:
    """The text of one of our HTML messages without its markup, for when Telegram rejects the markup.

    A link keeps its address after its label ("原文 https://…"), as the terminal shows it.
    """
    message = _ANCHOR.sub(lambda m: f"{m.group(2)} {m.group(1)}", message)
    return html.unescape(_TAG.sub("", message))


def web_link(url: str | None) -> str | None:
    """``url`` when it may become a link: http(s) with a host, no spaces or control characters, not huge."""
    if not url or len(url) > MAX_LINK_CHARS or any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def anchor(url: str | None, label: str) -> str:
    """``label`` (already HTML) as a link to ``url``, or as it is when ``url`` is not a web link."""
    link = web_link(url)
    return f'<a href="{html.escape(link, quote=True)}">{label}</a>' if link else label


def source_line(quote: Quote, number: int | None = None, lang: str = "zh") -> str:
    """Title · section · speaker · date · outlet, escaped, then a link to the original when there is one.

    The same fields, in the same order, as the terminal's source line (:func:`bot.terminal.source_line`).
    Numbered when several quotes share a message.
    """
    parts = [f"《{quote.title}》"]
    if quote.section:
        parts.append(quote.section)
    if quote.speaker is not None:
        parts.append(f"{quote.speaker.role}{quote.speaker.name}")
    parts.extend(p for p in (quote.date, quote.outlet) if p)
    line = html.escape(" · ".join(parts), quote=False)
    if web_link(quote.url):
        line += " · " + anchor(quote.url, html.escape(TEXTS[lang]["source_link"], quote=False))
    return f"{number}. {line}" if number is not None else line


def also_in_line(quote: Quote, lang: str, most: int = ALSO_IN_SHOWN) -> str | None:
    """The other articles that carry the same passage (reprints): 又见 《title》（outlet date）, linked."""
    if not quote.also_in:
        return None
    refs = []
    for source in quote.also_in[:most]:
        known = " ".join(p for p in (source.outlet, source.date) if p)
        title = anchor(source.url, html.escape(f"《{_shorten(source.title, ALSO_IN_TITLE_CHARS)}》", quote=False))
        refs.append(title + (html.escape(f"（{known}）", quote=False) if known else ""))
    if len(quote.also_in) > most:
        refs.append(html.escape(TEXTS[lang]["more_articles"].format(n=len(quote.also_in) - most), quote=False))
    separator = "、" if lang == "zh" else ", "
    return f"{html.escape(TEXTS[lang]['also_in'], quote=False)} {separator.join(refs)}"


def source_block(quote: Quote, number: int | None, lang: str, also_most: int = ALSO_IN_SHOWN) -> str:
    """What follows a quote: its source line, and on the next line the reprints that carry it too.

    At most :data:`SOURCE_CHARS` long, so the quote keeps most of its message: reprints beyond that
    are counted instead of listed, and a title or address of absurd length loses its link and is cut.
    """
    line = source_line(quote, number, lang)
    for shown in range(min(also_most, len(quote.also_in)), -1, -1):
        also = also_in_line(quote, lang, shown)
        block = f"{line}\n{also}" if also else line
        if utf16_len(block) <= SOURCE_CHARS:
            return block
    if utf16_len(line) <= SOURCE_CHARS:
        return line
    plain = html.unescape(_TAG.sub("", source_line(replace(quote, url=None), number, lang)))
    return html.escape(_shorten(plain, SOURCE_CHARS // 6), quote=False)


def quote_fragments(
    quote: Quote, number: int | None = None, limit: int = MESSAGE_LIMIT, lang: str = "zh"
) -> list[str]:
    """One quote as balanced fragments: the text in blockquotes (cut if it must be), then its source."""
    source = source_block(quote, number, lang)

    def render(part: str) -> str:
        return f"{blockquote(part)}{highlight(part, quote.matched)}</blockquote>"

    # Leave room for the source line, so the last piece and its source always share one message.
    pieces = cut(quote.text, render, limit - utf16_len(source) - 1)
    pieces[-1] = f"{pieces[-1]}\n{source}"
    return pieces


def _titles(articles: Sequence[ArticleInfo], lang: str, most: int = 10) -> str:
    names = [f"《{a.title}》" for a in articles[:most]]
    if len(articles) > most:
        names.append(TEXTS[lang]["more_articles"].format(n=len(articles) - most))
    return "、".join(names) if lang == "zh" else ", ".join(names)


def render_answer(answer: Answer, articles: Sequence[ArticleInfo], lang: str) -> list[str]:
    """The messages for one answer; a not-found answer says so politely and hints at what is known."""
    fragments: list[str] = []
    if isinstance(answer, NotFound) or not answer.quotes:
        fragments.extend(cut(text(lang, "not_found", question=answer.question), lambda s: s))
        # Who holds the role, and that they are not quoted: more than "not found" says.
        note = not_found_note(answer, lang) if isinstance(answer, NotFound) else None
        if note:
            fragments.extend(cut(note, lambda part: f"<i>{html.escape(part, quote=False)}</i>"))
        if articles:
            fragments.extend(cut(text(lang, "hint", titles=_titles(articles, lang)), lambda s: s))
        return pack(fragments)
    first_number = answer.start + 1
    numbered = len(answer.quotes) > 1 or first_number > 1
    for i, quote in enumerate(answer.quotes):
        fragments.extend(quote_fragments(quote, first_number + i if numbered else None, lang=lang))
    return pack(fragments)


def render_paragraph(paragraph: Paragraph, info: ArticleInfo | None, lang: str) -> list[str]:
    """The whole paragraph behind a quote, with where it stands in its article: title, section, number,
    date, outlet and a link to the original, as the quote's own source line has them."""
    parts = [f"《{info.title}》"] if info is not None else []
    if paragraph.section:
        parts.append(paragraph.section)
    # Paragraph numbers count from 0 in the index, from 1 for readers.
    parts.append(TEXTS[lang]["paragraph"].format(n=paragraph.number + 1))
    if info is not None:
        parts.extend(p for p in (info.date, info.outlet) if p)
    heading = f"<b>{html.escape(' · '.join(parts), quote=False)}</b>"
    if info is not None and web_link(info.url):
        heading += " · " + anchor(info.url, html.escape(TEXTS[lang]["source_link"], quote=False))
    body = cut(paragraph.text, _passage)
    return pack([heading, *body], separator="\n")


def _passage(part: str) -> str:
    return f"{blockquote(part)}{html.escape(part, quote=False)}</blockquote>"


def blockquote(part: str) -> str:
    """The opening tag for a passage: expandable when it is long, so an answer stays readable."""
    return "<blockquote expandable>" if len(part) > EXPANDABLE_CHARS else "<blockquote>"


def render_article_intro(info: ArticleInfo, first: Paragraph | None, lang: str) -> list[str]:
    """What a ``/start <article_id>`` deep link opens: title, date, outlet and link, sections, first paragraph,
    how to ask."""
    fragments = [f"<b>{html.escape(f'《{info.title}》', quote=False)}</b>"]
    about = html.escape(" · ".join(p for p in (info.date, info.outlet) if p), quote=False)
    if web_link(info.url):
        about += (" · " if about else "") + anchor(info.url, html.escape(TEXTS[lang]["source_link"], quote=False))
    if about:
        fragments.append(about)
    if info.sections:
        separator = "、" if lang == "zh" else ", "
        fragments.append(text(lang, "upload_sections", names=separator.join(info.sections)))
    if first is not None:
        fragments.extend(cut(first.text, _passage))
    fragments.append(text(lang, "article_how", title=info.title))
    return pack(fragments, separator="\n")


def deep_link(bot_username: str | None, article_id: str) -> str | None:
    """t.me/<bot>?start=<article_id>, when the id is a valid start parameter."""
    if not bot_username or not DEEP_LINK.fullmatch(article_id):
        return None
    return f"https://t.me/{bot_username}?start={article_id}"


def render_help(articles: Sequence[ArticleInfo], lang: str, bot_username: str, admin: bool) -> list[str]:
    """What the bot knows and how to ask it."""
    fragments = [text(lang, "intro")]
    if articles:
        lines = [text(lang, "knows")]
        lines += [f"• {html.escape(a.title, quote=False)}" for a in articles[:20]]
        if len(articles) > 20:
            lines.append(text(lang, "more_articles", n=len(articles) - 20))
        fragments.append("\n".join(lines))
    else:
        fragments.append(text(lang, "knows_nothing"))
    fragments.append(text(lang, "how", bot=bot_username))
    if admin:
        fragments.append(text(lang, "admin_help"))
    return pack(fragments)


def render_articles(articles: Sequence[ArticleInfo], lang: str, bot_username: str | None = None) -> list[str]:
    """One line per indexed article, with the id ``/remove`` takes and the link that opens it."""
    if not articles:
        return [text(lang, "articles_none")]
    lines = []
    for a in articles:
        line = text(lang, "articles_line", id=a.article_id, title=a.title, sections=len(a.sections), chunks=a.chunks)
        if a.date:
            line += f" · {html.escape(a.date, quote=False)}"
        link = deep_link(bot_username, a.article_id)
        lines.append(f"{line} {html.escape(link, quote=False)}" if link else line)
    return pack(lines, separator="\n")


def inline_title(quote: Quote) -> str:
    """The bold first line of an inline result: the start of the quote."""
    return _shorten(quote.text, INLINE_TITLE_CHARS)


def inline_description(quote: Quote) -> str:
    """The grey second line of an inline result: where the quote comes from, and when."""
    speaker = f"{quote.speaker.role}{quote.speaker.name}" if quote.speaker is not None else None
    parts = [f"《{quote.title}》", quote.section, speaker, quote.date, quote.outlet]
    return _shorten(" · ".join(p for p in parts if p), INLINE_DESCRIPTION_CHARS)


def inline_message(quote: Quote, lang: str = "zh") -> str:
    """The message an inline result sends: the quote and its source, in one message whatever its length.

    Fewer reprints are listed than under a chat answer: the quote must keep the room of a single message.
    """
    source = source_block(quote, None, lang, ALSO_IN_INLINE)

    def render(part: str) -> str:
        return f"<blockquote>{highlight(part, quote.matched)}</blockquote>"

    # Two spare characters: the line break before the source and the ellipsis of a cut quote.
    pieces = cut(quote.text, render, MESSAGE_LIMIT - utf16_len(source) - 2)
    first = pieces[0] if len(pieces) == 1 else pieces[0].removesuffix("</blockquote>") + "…</blockquote>"
    return f"{first}\n{source}"


def _shorten(value: str, most: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= most else value[: most - 1] + "…"


def duration(seconds: float, lang: str) -> str:
    """Uptime as days, hours and minutes."""
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    units = ("天", "小时", "分钟") if lang == "zh" else (" d", " h", " min")
    parts = [f"{n}{u}" for n, u in zip((days, hours, mins), units, strict=True) if n]
    return (" " if lang == "en" else "").join(parts) or ("不到 1 分钟" if lang == "zh" else "under 1 min")
