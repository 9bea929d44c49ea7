"""Split Chinese (and mixed English) text into sentences, as character spans.

A sentence ends at 。！？!?；; or an ellipsis (… or ……), and keeps the closing quotes and brackets that
follow it (”」』’）). A Latin full stop ends a sentence only before a space and a capital letter, so
decimals (3.5), dates (2020.5.14), abbreviations in CJK text and URLs stay whole.

A "sentence" longer than :data:`MAX_SENTENCE_CHARS` (a table flattened into one line, a list without
punctuation) is cut into pieces at clause breaks, or between characters when there are none: no chunk,
statement or quote can grow without bound.
"""

from __future__ import annotations

import re

from index.patterns import compiled

# Longer sentences are cut into pieces of at most this many characters.
MAX_SENTENCE_CHARS = 300
_TERMINATORS = "。！？!?；;"
# Where a sentence that is too long may be cut, best first.
_CLAUSE_BREAKS = ("，,、：:—", " \t\u3000")
_CLOSERS = "”’」』）)】》\"'"
# One terminator run (…… and ?! count once), then its closing quotes.
_END = compiled(
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
    while end - start > MAX_SENTENCE_CHARS:
        cut = cut_point(text, start, start + MAX_SENTENCE_CHARS)
        _append(spans, text, start, cut)
        start = cut
        while start < end and text[start].isspace():
            start += 1
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


def cut_point(text: str, start: int, limit: int) -> int:
    """Where to end a piece of ``text[start:]`` of at most ``limit - start`` characters.

    After the last clause break in the second half of the piece if there is one, else at the limit,
    moved back so as not to split a Latin word or a number.
    """
    half = start + (limit - start) // 2
    for breaks in _CLAUSE_BREAKS:
        at = max(text.rfind(ch, half, limit) for ch in breaks)
        if at >= half:
            return at + 1
    at = limit
    while at > half and text[at - 1].isascii() and text[at - 1].isalnum() and text[at : at + 1].isascii() \
            and text[at : at + 1].isalnum():
        at -= 1
    return at if at > half else limit


def bounded_end(text: str, limit: int) -> int:
    """The end of the longest run of whole sentences from the start of ``text`` within ``limit`` characters;
    a first sentence longer than the limit is cut (:func:`cut_point`)."""
    if len(text) <= limit:
        return len(text)
    end = 0
    for _, hi in split_sentences(text):
        if hi > limit:
            break
        end = hi
    return end or cut_point(text, 0, limit)


def pieces(text: str, limit: int) -> list[str]:
    """``text`` in consecutive pieces of whole sentences, each at most ``limit`` characters (a longer
    sentence is cut, :func:`cut_point`); joined, the pieces give ``text`` back without the spaces
    between pieces. Linear: the sentences are found once."""
    if len(text) <= limit:
        return [text] if text else []
    out: list[str] = []
    lo = hi = -1
    for start, end in split_sentences(text):
        while end - start > limit:
            if lo >= 0:
                out.append(text[lo:hi])
                lo = -1
            cut = cut_point(text, start, start + limit)
            out.append(text[start:cut].rstrip())
            start = cut
            while start < end and text[start].isspace():
                start += 1
        if lo < 0:
            lo, hi = start, end
        elif end - lo <= limit:
            hi = end
        else:
            out.append(text[lo:hi])
            lo, hi = start, end
    if lo >= 0:
        out.append(text[lo:hi])
    return [piece for piece in out if piece]
