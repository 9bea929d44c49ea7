"""Answers as Telegram HTML: quotes in blockquotes, matched words in bold, messages of at most 4096 characters.

Every piece of article or user text goes through :func:`html.escape` before it meets a tag, and a message
is only ever cut between whole fragments or between sentences of plain text, so no split lands inside a tag
or an entity. The user-facing sentences come from :mod:`bot.i18n`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence

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
    """The text of one of our HTML messages without its markup, for when Telegram rejects the markup."""
    return html.unescape(_TAG.sub("", message))


def source_line(quote: Quote, number: int | None = None) -> str:
    """Title · section · speaker, escaped; numbered when several quotes share a message."""
    parts = [f"《{quote.title}》"]
    if quote.section:
        parts.append(quote.section)
    if quote.speaker is not None:
        parts.append(f"{quote.speaker.role}{quote.speaker.name}")
    line = html.escape(" · ".join(parts), quote=False)
    return f"{number}. {line}" if number is not None else line


def quote_fragments(quote: Quote, number: int | None = None, limit: int = MESSAGE_LIMIT) -> list[str]:
    """One quote as balanced fragments: the text in blockquotes (cut if it must be), then its source."""
    source = source_line(quote, number)

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
        fragments.extend(quote_fragments(quote, first_number + i if numbered else None))
    return pack(fragments)


def render_paragraph(paragraph: Paragraph, title: str | None, lang: str) -> list[str]:
    """The whole paragraph behind a quote, with where it stands in its article."""
    parts = [f"《{title}》"] if title else []
    if paragraph.section:
        parts.append(paragraph.section)
    # Paragraph numbers count from 0 in the index, from 1 for readers.
    parts.append(TEXTS[lang]["paragraph"].format(n=paragraph.number + 1))
    heading = f"<b>{html.escape(' · '.join(parts), quote=False)}</b>"
    body = cut(paragraph.text, _passage)
    return pack([heading, *body], separator="\n")


def _passage(part: str) -> str:
    return f"{blockquote(part)}{html.escape(part, quote=False)}</blockquote>"


def blockquote(part: str) -> str:
    """The opening tag for a passage: expandable when it is long, so an answer stays readable."""
    return "<blockquote expandable>" if len(part) > EXPANDABLE_CHARS else "<blockquote>"


def render_article_intro(info: ArticleInfo, first: Paragraph | None, lang: str) -> list[str]:
    """What a ``/start <article_id>`` deep link opens: title, sections, first paragraph, how to ask."""
    fragments = [f"<b>{html.escape(f'《{info.title}》', quote=False)}</b>"]
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
        link = deep_link(bot_username, a.article_id)
        lines.append(f"{line} {html.escape(link, quote=False)}" if link else line)
    return pack(lines, separator="\n")


def inline_title(quote: Quote) -> str:
    """The bold first line of an inline result: the start of the quote."""
    return _shorten(quote.text, INLINE_TITLE_CHARS)


def inline_description(quote: Quote) -> str:
    """The grey second line of an inline result: where the quote comes from."""
    return _shorten(html.unescape(source_line(quote)), INLINE_DESCRIPTION_CHARS)


def inline_message(quote: Quote) -> str:
    """The message an inline result sends: the quote and its source, in one message whatever its length."""
    source = source_line(quote)

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
