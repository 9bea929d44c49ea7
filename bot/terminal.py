"""The local terminal chat, and answers as plain text or JSON for the command line."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable

from bot.i18n import TEXTS, not_found_note
from bot.limits import from_terminal
from index import Answer, NotFound, Quote, QuoteEngine
from index.records import CleanArticle, SourceRef

EXIT_WORDS = frozenset({"exit", "quit", "q", ":q", "退出", "再见"})


def source_line(quote: Quote) -> str:
    """《title》 · section · speaker · date · outlet: what is known of where a quote comes from."""
    parts = [f"《{quote.title}》"]
    if quote.section:
        parts.append(quote.section)
    if quote.speaker is not None:
        parts.append(f"{quote.speaker.role}{quote.speaker.name}")
    parts.extend(p for p in (quote.date, quote.outlet) if p)
    return " · ".join(parts)


def reference(source: SourceRef) -> str:
    """Another article carrying a quote: 《title》 (outlet date)."""
    known = " ".join(p for p in (source.outlet, source.date) if p)
    return f"《{source.title}》" + (f"（{known}）" if known else "")


def terminal_language() -> str:
    """English where the terminal's locale is English, else Chinese (the articles' language)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


def render_answer(answer: Answer, width: int = 40, lang: str = "zh") -> str:
    """Quotes as indented blocks, each followed by its source; or a not-found line.

    ``width`` counts characters, and CJK characters take two columns: 40 fits an 80-column terminal.
    """
    if isinstance(answer, NotFound):
        lead = TEXTS[lang]["terminal_not_found"]
        note = not_found_note(answer, lang)
        return f"{lead}\n{note}" if note else lead
    blocks = []
    for i, quote in enumerate(answer.quotes, answer.start + 1):
        body = textwrap.fill(quote.text, width=width, initial_indent=f"[{i}] ", subsequent_indent="    ")
        lines = [body, f"    — {source_line(quote)}  ({quote.score:.2f})"]
        if quote.url:
            lines.append(f"    原文 {quote.url}")
        if quote.also_in:
            lines.append("    又见 " + "、".join(reference(s) for s in quote.also_in))
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def run_chat(
    engine: QuoteEngine,
    top_k: int,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> None:
    """Ask questions until exit, end of input or Ctrl-C."""
    titles = "、".join(f"《{a.title}》" for a in engine.articles()[:5])
    write(f"QuoteBot — 已索引 {len(engine.articles())} 篇文章：{titles}")
    write("输入问题，例如：威海书记说了什么（exit 退出）")
    while True:
        try:
            question = from_terminal(read("> ")).strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        except UnicodeDecodeError:
            write("（这一行不是 UTF-8 文字，请重新输入。）")
            continue
        if not question:
            continue
        if question.lower() in EXIT_WORDS:
            return
        write(render_answer(engine.ask(question, top_k), lang=terminal_language()))


def answer_json(answer: Answer, lang: str = "zh") -> dict[str, object]:
    """``ask --json``: the question, whether anything was found, and the quotes, best first.

    A not-found answer also says why (``reason``) and, when there is more to say, a ``note``.
    """
    out: dict[str, object] = {
        "question": answer.question,
        "found": answer.found,
        "answers": [
            {
                "quote": q.text,
                "article": q.title,
                "article_id": q.article_id,
                "section": q.section,
                "score": round(float(q.score), 4),
                "speaker": {"name": q.speaker.name, "role": q.speaker.role} if q.speaker is not None else None,
                "date": q.date,
                "outlet": q.outlet,
                "url": q.url,
                "also_in": [source_json(s) for s in q.also_in],
            }
            for q in answer.quotes
        ],
    }
    if isinstance(answer, NotFound):
        out["reason"] = answer.reason.value
        note = not_found_note(answer, lang)
        if note:
            out["note"] = note
    return out


def source_json(source: SourceRef) -> dict[str, str | None]:
    return {"article_id": source.article_id, "title": source.title, "outlet": source.outlet,
            "url": source.url, "date": source.date}


def article_json(article: CleanArticle) -> dict[str, object]:
    """``index show --json``: the cleaned article as indexed, and what is known of it."""
    return {
        "article_id": article.article_id,
        "title": article.title,
        "date": article.date,
        "outlet": article.outlet,
        "author": article.author,
        "url": article.url,
        "file": article.file,
        "paragraphs": [{"text": p.text, "section": p.section} for p in article.paragraphs],
    }


def render_article(article: CleanArticle) -> str:
    """``index show``: the headline, what is known of the article, then its paragraphs under their sections."""
    lines = [f"《{article.title}》", f"id: {article.article_id}"]
    fields = (("date", article.date), ("outlet", article.outlet), ("author", article.author),
              ("url", article.url))
    lines.extend(f"{name}: {value}" for name, value in fields if value)
    if article.file is not None:
        lines.append(f"file: {article.file}")
    section: str | None = None
    for paragraph in article.paragraphs:
        if paragraph.section is not None and paragraph.section != section:
            lines.extend(["", f"## {paragraph.section}"])
        section = paragraph.section
        lines.extend(["", paragraph.text])
    return "\n".join(lines)
