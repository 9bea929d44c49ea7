"""The local terminal chat, and plain-text rendering of answers for the terminal."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

from index.engine import QuoteEngine
from index.records import Answer, Quote

EXIT_WORDS = frozenset({"exit", "quit", "q", ":q", "退出", "再见"})


def source_line(quote: Quote) -> str:
    parts = [f"《{quote.title}》"]
    if quote.section:
        parts.append(quote.section)
    if quote.speaker is not None:
        parts.append(f"{quote.speaker.role}{quote.speaker.name}")
    return " · ".join(parts)


def render_answer(answer: Answer, width: int = 40) -> str:
    """Quotes as indented blocks, each followed by its source; or a not-found line.

    ``width`` counts characters, and CJK characters take two columns: 40 fits an 80-column terminal.
    """
    if not answer.found:
        lead = "没有找到能回答这个问题的原文。(Nothing in the indexed articles answers this.)"
        return f"{lead}\n{answer.note}" if answer.note else lead
    blocks = []
    for i, quote in enumerate(answer.quotes, 1):
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
            question = read("> ").strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if not question:
            continue
        if question.lower() in EXIT_WORDS:
            return
        write(render_answer(engine.ask(question, top_k)))
