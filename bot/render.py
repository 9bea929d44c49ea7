"""Answers as Telegram HTML: quotes in blockquotes, matched words in bold, messages of at most 4096 characters.

Every piece of article or user text goes through :func:`html.escape` before it meets a tag, and a message
is only ever cut between whole fragments or between sentences of plain text, so no split lands inside a tag
or an entity. The user-facing sentences live here too, in Chinese and English.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence

from index.records import Answer, ArticleInfo, Paragraph, Quote

# Telegram's limit on a message, counted in UTF-16 code units after entity parsing. Counting the raw
# HTML instead is stricter, so a message measured here is always accepted.
MESSAGE_LIMIT = 4096
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


def language(code: str | None) -> str:
    """``en`` for users whose Telegram language is English, else ``zh``: the articles are Chinese."""
    return "en" if code and code.lower().startswith("en") else "zh"


TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "intro": "我是 QuoteBot：问我关于下面这些新闻文章的问题，我只用原文回答，逐字引用，注明出处。",
        "knows": "我现在知道的文章：",
        "knows_nothing": "我现在还没有收录任何文章。",
        "more_articles": "……还有 {n} 篇",
        "how": (
            "怎么问：\n"
            "• 私聊：直接发问题，比如“某某说了什么？”\n"
            "• 群里：/ask 问题，回复我的消息，或者 @{bot} 问题\n"
            "• 任何聊天里：输入 @{bot} 问题，从弹出的结果里选一条\n"
            "答案下面的按钮：“更多”看后面的结果，“上下文”看整段原文。"
        ),
        "admin_help": "管理员：发文件（.txt、.md、.html）添加文章；/articles 列表，/remove 编号 删除，"
        "/reload 重建索引，/stats 统计。",
        "not_found": "抱歉，我收录的文章里没有能回答“{question}”的原文。",
        "hint": "我知道的是：{titles}。换个说法，或者问问这些文章里的内容吧。",
        "empty": "请在命令后面写上问题，比如：/ask 某某说了什么？",
        "empty_private": "请直接发问题给我，比如：某某说了什么？",
        "too_long": "问题太长了（最多 {n} 个字）。请问得短一点。",
        "no_words": "我只看得懂文字问题，请用文字问我。",
        "unsupported": "我只看得懂文字问题，图片、贴纸和语音我看不了。请用文字问我。",
        "unknown_command": "我不认识这个命令。发 /help 看看怎么问我。",
        "rate_limited": "你问得太快了，请 {seconds} 秒后再问。",
        "error": "抱歉，出了点问题，请稍后再试。",
        "not_allowed": "抱歉，这个机器人只在指定的聊天里使用。",
        "admins_only": "抱歉，只有管理员可以这样做。",
        "more": "更多",
        "context": "上下文",
        "no_more": "没有更多结果了。",
        "expired": "这个按钮已经失效了，请重新提问。",
        "gone": "这篇文章已经不在索引里了。",
        "paragraph": "第 {n} 段",
        "upload_type": "我只能添加 .txt、.md 和 .html 文件，“{name}”不是。",
        "upload_size": "文件太大了：{size} MB，上限是 {limit} MB。",
        "upload_empty": "这个文件是空的。",
        "upload_added": "已添加《{title}》（编号 {id}）：{sections} 节，{chunks} 段可检索的文字。",
        "upload_sections": "小节：{names}",
        "upload_unchanged": "《{title}》已经在索引里了，内容没有变化。",
        "upload_failed": "没能添加这个文件：{reason}",
        "upload_nothing": "这个文件里没有找到可以添加的文章。",
        "busy": "正在更新索引，请稍候……",
        "articles_none": "索引里还没有文章。",
        "articles_line": "• <code>{id}</code> 《{title}》 {sections} 节，{chunks} 段",
        "remove_usage": "用法：/remove 文章编号（/articles 里可以看到编号）",
        "removed": "已删除《{title}》（{id}）。",
        "removed_file": "它的文件已改名为 {name}，/reload 不会再加入它；改回原名即可恢复。",
        "removed_kept": "它的文件不在文章文件夹里，或还包含别的文章，所以原样保留：/reload 会把它加回来。",
        "remove_unknown": "没有编号为 {id} 的文章，/articles 里可以看到所有编号。",
        "reloaded": "索引已重建：{articles} 篇文章，{chunks} 段文字，新嵌入 {embedded} 段。",
        "reload_failed": "有 {n} 个文件没能加载：",
        "reload_refused": "索引没有重建：文章文件夹里只有 {found} 篇可读的文章，索引里却有 {indexed} 篇。"
        "请先补上缺少的文件。",
        "stats": "文章：{articles}\n可检索的文字段：{chunks}\n运行时间：{uptime}\n回答的问题：{questions}",
        "stat_line": "{name}：{value}",
        "inline_nothing": "没有找到能回答这个问题的原文",
        "cmd_start": "开始使用，看看我知道什么",
        "cmd_help": "怎么问我",
        "cmd_ask": "提问：/ask 问题",
        "cmd_articles": "（管理员）列出文章",
        "cmd_remove": "（管理员）删除文章",
        "cmd_reload": "（管理员）重建索引",
        "cmd_stats": "（管理员）统计",
    },
    "en": {
        "intro": "I am QuoteBot: ask me about the news articles below and I answer by quoting them "
        "word for word, with the source.",
        "knows": "The articles I know:",
        "knows_nothing": "I do not know any articles yet.",
        "more_articles": "… and {n} more",
        "how": (
            "How to ask:\n"
            "• In a private chat: just send your question (the articles are in Chinese, so are the "
            "best questions)\n"
            "• In a group: /ask question, reply to one of my messages, or @{bot} question\n"
            "• In any chat: type @{bot} question and pick a result\n"
            "Buttons under an answer: “More” shows further results, “Context” the whole paragraph."
        ),
        "admin_help": "Admins: send a .txt, .md or .html file to add an article; /articles lists them, "
        "/remove ID removes one, /reload rebuilds the index, /stats shows counts.",
        "not_found": "Sorry, no passage of the articles I know answers “{question}”.",
        "hint": "I know about: {titles}. Try other words, or ask about these articles.",
        "empty": "Please put your question after the command, e.g. /ask 威海书记说了什么",
        "empty_private": "Please send me a question in words.",
        "too_long": "That question is too long (at most {n} characters). Please ask a shorter one.",
        "no_words": "I can only read questions written in words.",
        "unsupported": "I can only read text: pictures, stickers and voice messages are lost on me. "
        "Please ask in words.",
        "unknown_command": "I do not know that command. Send /help to see how to ask me.",
        "rate_limited": "You are asking faster than I can answer: please wait {seconds} s.",
        "error": "Sorry, something went wrong; please try again later.",
        "not_allowed": "Sorry, this bot serves only the chats it was set up for.",
        "admins_only": "Sorry, only the bot's admins can do that.",
        "more": "More",
        "context": "Context",
        "no_more": "There are no more results.",
        "expired": "This button has expired; please ask again.",
        "gone": "That article is no longer in the index.",
        "paragraph": "paragraph {n}",
        "upload_type": "I can add .txt, .md and .html files, and “{name}” is none of them.",
        "upload_size": "That file is too big: {size} MB, and the limit is {limit} MB.",
        "upload_empty": "That file is empty.",
        "upload_added": "Added “{title}” (id {id}): {sections} sections, {chunks} searchable passages.",
        "upload_sections": "Sections: {names}",
        "upload_unchanged": "“{title}” is already in the index, unchanged.",
        "upload_failed": "Could not add that file: {reason}",
        "upload_nothing": "No article was found in that file.",
        "busy": "Updating the index, one moment…",
        "articles_none": "The index holds no articles yet.",
        "articles_line": "• <code>{id}</code> “{title}”: {sections} sections, {chunks} passages",
        "remove_usage": "Usage: /remove ARTICLE_ID (/articles shows the ids)",
        "removed": "Removed “{title}” ({id}).",
        "removed_file": "Its file is now named {name}, which /reload skips; rename it back to restore it.",
        "removed_kept": "Its file lies outside the articles folder or holds other articles, so it stays: "
        "/reload would add the article back.",
        "remove_unknown": "There is no article with id {id}; /articles shows them all.",
        "reloaded": "Index rebuilt: {articles} articles, {chunks} passages, {embedded} newly embedded.",
        "reload_failed": "{n} files could not be loaded:",
        "reload_refused": "The index was not rebuilt: the articles folder holds {found} readable articles, "
        "the index {indexed}. Add the missing files first.",
        "stats": "Articles: {articles}\nPassages: {chunks}\nUptime: {uptime}\nQuestions answered: {questions}",
        "stat_line": "{name}: {value}",
        "inline_nothing": "No passage answers this question",
        "cmd_start": "Start, and see what I know",
        "cmd_help": "How to ask me",
        "cmd_ask": "Ask: /ask question",
        "cmd_articles": "(admins) List the articles",
        "cmd_remove": "(admins) Remove an article",
        "cmd_reload": "(admins) Rebuild the index",
        "cmd_stats": "(admins) Counts and uptime",
    },
}


def text(lang: str, key: str, **values: object) -> str:
    """A user-facing sentence; values are escaped, since most sentences end up in HTML messages."""
    escaped = {k: html.escape(str(v), quote=False) for k, v in values.items()}
    return TEXTS.get(lang, TEXTS["zh"])[key].format(**escaped)


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
        return f"<blockquote>{highlight(part, quote.matched)}</blockquote>"

    # Leave room for the source line, so the last piece and its source always share one message.
    pieces = cut(quote.text, render, limit - utf16_len(source) - 1)
    pieces[-1] = f"{pieces[-1]}\n{source}"
    return pieces


def _titles(articles: Sequence[ArticleInfo], lang: str, most: int = 10) -> str:
    names = [f"《{a.title}》" for a in articles[:most]]
    if len(articles) > most:
        names.append(TEXTS[lang]["more_articles"].format(n=len(articles) - most))
    return "、".join(names) if lang == "zh" else ", ".join(names)


def render_answer(answer: Answer, articles: Sequence[ArticleInfo], lang: str, first_number: int = 1) -> list[str]:
    """The messages for one answer; a not-found answer says so politely and hints at what is known."""
    fragments: list[str] = []
    if not answer.found or not answer.quotes:
        fragments.extend(cut(text(lang, "not_found", question=answer.question), lambda s: s))
        # The engine's note says more than "not found" (who holds the role, and that they are not
        # quoted): it follows our own sentence.
        if answer.note:
            fragments.extend(cut(answer.note, lambda part: f"<i>{html.escape(part, quote=False)}</i>"))
        if articles:
            fragments.extend(cut(text(lang, "hint", titles=_titles(articles, lang)), lambda s: s))
        return pack(fragments)
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
    body = cut(paragraph.text, lambda part: f"<blockquote>{html.escape(part, quote=False)}</blockquote>")
    return pack([heading, *body], separator="\n")


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


def render_articles(articles: Sequence[ArticleInfo], lang: str) -> list[str]:
    """One line per indexed article, with the id ``/remove`` takes."""
    if not articles:
        return [text(lang, "articles_none")]
    lines = [
        text(lang, "articles_line", id=a.article_id, title=a.title, sections=len(a.sections), chunks=a.chunks)
        for a in articles
    ]
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
