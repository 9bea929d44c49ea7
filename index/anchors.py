"""What a question is anchored to: the places, organisations, people and numbers it names.

"德国铁路罢工影响了多少列车" is not answered by an article about a French strike, however well its
words match, and "神舟十九号什么时候发射" not by one about 神舟九号 and 神舟十八号. A passage answers
only if its article names every anchor of the question somewhere (title or text): a check on the
article, not the passage, because a news passage often leaves the place or the person to its lead
("他说…", "当天…"). Like the rest of the not-found evidence, it does not depend on the corpus.

Names come from jieba's part-of-speech tags (places ns, organisations nt, people nr/nrt/nrfg, other
proper nouns nz), numbers from the question's digits and Chinese numerals; a Chinese number may be
written with digits in the article ("十九" as 19) and the other way round.
"""

from __future__ import annotations

import re
import unicodedata

from index.normalization import name_tags

# Part-of-speech tags of proper nouns; two characters at least (a one-character "name" is mostly a
# tagging slip).
_PROPER = frozenset({"ns", "nt", "nr", "nrt", "nrfg", "nz"})
# A number the question names: two digits or more, a Chinese numeral of two characters or more, or
# one before a counter that makes it a name ("九号", "十届"). A lone digit is left out: "3名" is as
# often written 三名.
_NUMBER_RE = re.compile(
    r"(?<![0-9.])[0-9]{2,}(?:\.[0-9]+)?|[0-9]\.[0-9]+|[零〇一二两三四五六七八九十百千]{2,}"
    r"|[零〇一二两三四五六七八九十百千]+(?=[号届期代])"
)
_SERIES_RE = re.compile(r"([0-9]+|[零〇一二两三四五六七八九十百千]+)([号届期代])")
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> str | None:
    """A Chinese numeral as digits: "十九" → "19", "二〇一二" → "2012", "三百零五" → "305"; None if
    it is no plain number (万 and larger are left alone)."""
    if any(c not in _DIGITS and c not in _UNITS for c in text):
        return None
    if not any(c in _UNITS for c in text):
        return "".join(str(_DIGITS[c]) for c in text)  # read digit by digit, as years are
    total, digit = 0, None
    for c in text:
        if c in _DIGITS:
            digit = _DIGITS[c]
        else:
            total += (1 if digit is None else digit) * _UNITS[c]
            digit = None
    return str(total + (digit or 0))


def chinese_reading(digits: str) -> str | None:
    """Digits as a Chinese numeral, as articles write them: "19" → "十九", "2012" → "二〇一二" (a
    year, digit by digit), "9" → "九"; None for other numbers."""
    names = "〇一二三四五六七八九"
    if len(digits) == 1 and digits.isdigit():
        return names[int(digits)]
    if len(digits) == 2 and digits.isdigit():
        tens, ones = int(digits[0]), int(digits[1])
        return f"{'' if tens == 1 else names[tens]}十{names[ones] if ones else ''}"
    if len(digits) == 4 and digits.isdigit():
        return "".join(names[int(d)] for d in digits)
    return None


def anchors(question: str, topic: str | None = None) -> tuple[tuple[str, ...], ...]:
    """The anchors of a simplified, lower-cased question: each as the forms any of which will do.

    ``topic`` is the question's first content segment (question words removed): its first noun is
    what the question is about ("百度" of "百度发布的AI芯片叫什么"), an anchor whatever its tag.

    A word followed by a numbered counter is one anchor, whatever its tag ("神舟十九号", also as
    神舟19号; "长征十二号"): the article must name that one, not another of the series.
    """
    found: list[tuple[str, ...]] = []
    if topic:
        noun = next((w for w, f in name_tags(topic) if f.startswith("n") and len(w) >= 2 and not w.isascii()), None)
        if noun is not None:
            found.append((noun,))
    rest = question
    at = 0
    for word, flag in name_tags(question):
        at += len(word)
        if len(word) < 2 or word.isascii():
            continue
        series = _SERIES_RE.match(question, at)
        if series is None:
            if flag in _PROPER:
                found.append((word,))
            continue
        number, counter = series.groups()
        other = chinese_reading(number) if number.isdigit() else chinese_number(number)
        found.append(tuple(dict.fromkeys(f"{word}{n}{counter}" for n in (number, other) if n)))
        rest = rest.replace(series.group(), " " * len(series.group()), 1)
    for number in _NUMBER_RE.findall(unicodedata.normalize("NFKC", rest)):
        other = chinese_reading(number) if number[0].isdigit() else chinese_number(number)
        found.append((number,) if other is None or other == number else (number, other))
    return tuple(dict.fromkeys(found))


def missing(anchored: tuple[tuple[str, ...], ...], article_text: str) -> bool:
    """Whether an article (simplified, lower-cased, NFKC) lacks one of the question's anchors."""
    return any(not any(form in article_text for form in forms) for forms in anchored)
