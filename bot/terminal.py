"""The local terminal chat, and answers as plain text or JSON for the command line."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable

from bot.i18n import TEXTS, not_found_note
from bot.limits import from_terminal
from index import Answer, NotFound, Quote, QuoteEngine

EXIT_WORDS = frozenset({"exit", "quit", "q", ":q", "退出", "再见"})


def source_line(quote: Quote) -> str:
    parts = [f"《{quote.title}》"]
    if quote.section:
        parts.append(quote.section)
    if quote.speaker is not None:
        parts.append(f"{quote.speaker.role}{quote.speaker.name}")
    return " · ".join(parts)


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
        blocks.append(f"{body}\n    — {source_line(quote)}  ({quote.score:.2f})")
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
