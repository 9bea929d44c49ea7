"""Split Chinese (and mixed English) text into sentences, as character spans.

A sentence ends at 。！？!?；; or an ellipsis (… or ……), and keeps the closing quotes and brackets that
follow it (”」』’）). A Latin full stop ends a sentence only before a space and a capital letter, so
decimals (3.5), dates (2020.5.14), abbreviations in CJK text and URLs stay whole.
"""

from __future__ import annotations

import re

_TERMINATORS = "。！？!?；;"
_CLOSERS = "”’」』）)】》\"'"
# One terminator run (…… and ?! count once), then its closing quotes.
_END = re.compile(
    rf"(?:[{_TERMINATORS}…]++|\.{{3,}}|(?<=[a-z\)\]\"'’”])\.(?=\s+[A-Z\"“]))[{re.escape(_CLOSERS)}]*+"
    # Quoted speech that ends in 。！？… but goes on with a comma is one sentence: “不……”，他说。
    r"(?![，,、：:])"
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of the sentences of ``text``, without surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end()
        _append(spans, text, start, end)
        start = end
    _append(spans, text, start, len(text))
    return spans


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))


def sentence_of(text: str, pos: int) -> tuple[int, int]:
    """The span of the sentence that holds ``text[pos]``; (pos, pos) between sentences."""
    for start, end in split_sentences(text):
        if start <= pos < end:
            return start, end
    return pos, pos


def sentence_start(text: str, pos: int) -> int:
    """Where the sentence holding ``text[pos]`` starts (its first non-space character)."""
    start = sentence_of(text, pos)[0]
    while start < pos and text[start].isspace():
        start += 1
    return start
