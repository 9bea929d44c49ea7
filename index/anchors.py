"""What a question is anchored to: the places, organisations and numbered series it is about.

"德国铁路罢工影响了多少列车" is not answered by an article about a French strike, however well its
words match, and "神舟十九号什么时候发射" not by one about 神舟九号 and 神舟十八号. A passage answers
only if its article names every anchor of the question somewhere (title or text): a check on the
article, not the passage, because a news passage often leaves the place or the person to its lead
("他说…", "当天…"). Like the rest of the not-found evidence, it does not depend on the corpus.

It is a veto, so it must be precise: a question's own article must name its anchors, and
``benchmarks/anchors.py`` counts the CMRC 2018 and DRCD questions for which it does not. Hence:

- the anchors are what the question opens with, the phrase it is about: its places (tag ns in
  jieba's dictionary) and organisations (nt), and its first noun when that owns what is asked
  ("百度发布的…", "德国的…"). Further on, and for people (nr) and other proper nouns (nz), the
  dictionary tags common words as names too often (波及 ns, 籍贯 nr, 登基 nrt); a noun right after a
  question word is the kind of answer asked for ("哪个城市"), and a count is no name ("两国");
- a numbered series anywhere in the question is exact ("神舟十九号", also as 神舟19号, never 神舟十八号);
  plain numbers are left to the passage's evidence (index.evidence): questions restate them
  ("百分之75", "2000多年") more often than they name them;
- a dotted foreign name anywhere is found by any of its parts ("昂塞尔德" of "韦斯·昂塞尔德");
- names are matched leniently, because articles write them otherwise: a longer one by any two of its
  characters in a row (香港 for "香港地区", 侯景 of a tagger's "侯景封") or with one character
  written otherwise (卡斯提利亚 for 卡斯蒂利亚), a two-character one also with up to four characters
  between its two ("北大" in 北京大学).
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass

# Part-of-speech tags of the names that are anchors: places (ns) and organisations (nt), two characters
# at least. People (nr, nrt, nrfg) and other proper nouns (nz) are not: jieba's dictionary gives those
# tags to many common words (籍贯 nr, 登基 nrt, 追朔 nz), which refused 1.0% of the dev sets' answerable
# questions on their own article; a person the articles never quote is the speaker path's to refuse.
_PROPER = frozenset({"ns", "nt"})
_NUMERAL = "零〇一二两三四五六七八九十百千"
# A numbered member of a series: a number and the counter that makes it a name ("十九号", "第十届").
_SERIES_RE = re.compile(f"([0-9]+|[{_NUMERAL}]+)([号届])")
# What asks for the noun after it: "哪(一)个城市", "什么东西", "何种制度".
_ASKING_RE = re.compile(
    "(?:哪|什么|甚么|何|啥)(?:一|些|几)?[个位座种家所部本条项国类只名场支件样门片首间段届次位份]?$"
)
# A dotted foreign name ("朱利安·尼尔斯"): its parts are the name.
_DOTTED_RE = re.compile("[\u4e00-\u9fff]+(?:[·•・][\u4e00-\u9fff]+)+")
# What follows a noun that owns the thing asked about: "百度发布的…", "德国的…".
_OWNER_RE = re.compile("[\u4e00-\u9fff]{0,2}的")
# The most characters between the two of a two-character name written out ("二战" in 第二次世界大战).
_SPREAD = 4


@dataclass(frozen=True)
class Anchor:
    """One thing the question names, with the forms any of which an article may use for it."""

    word: str
    forms: tuple[str, ...]
    # Where it comes from: "series", "dotted", "topic" or the part-of-speech tag of a name (ns, nr…).
    kind: str

    def found_in(self, text: str) -> bool:
        """Whether ``text`` (simplified, lower-cased, NFKC) names it."""
        if self.kind == "series":
            # The number must end where the form does: 神舟1号 is not in "神舟19号".
            return any(re.search(f"{re.escape(f)}(?![0-9{_NUMERAL}])", text) for f in self.forms)
        return any(_names(form, text) for form in self.forms)


def _names(form: str, text: str) -> bool:
    if form in text:
        return True
    if len(form) >= 3:
        if any(form[i : i + 2] in text for i in range(len(form) - 1) if _is_cjk(form[i])):
            return True
        return _one_off(form, text)
    if len(form) == 2:
        return _spread(form, text)
    return False


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


# The checks below match any character and test it afterwards: a regular expression with the CJK range
# as a character class costs 1.5 ms to compile, and every question brings new names to compile.
def _one_off(form: str, text: str) -> bool:
    """One character of ``form`` written otherwise, as transliterations are (毕卡索 for 毕加索)."""
    for i in range(len(form)):
        pattern = f"(?=({re.escape(form[:i])})(.){re.escape(form[i + 1 :])})"
        if any(_is_cjk(m.group(2)) for m in re.finditer(pattern, text)):
            return True
    return False


def _spread(form: str, text: str) -> bool:
    """Both characters of a two-character name, one to _SPREAD Chinese characters apart (北大: 北京大学)."""
    first, last = form[0], form[1]
    start = text.find(first)
    while start >= 0:
        for gap in range(1, _SPREAD + 1):
            at = start + gap
            if at + 1 >= len(text) or not _is_cjk(text[at]):
                break
            if text[at + 1] == last:
                return True
        start = text.find(first, start + 1)
    return False


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


_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}


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


def anchors(question: str, topic: str | None = None) -> tuple[Anchor, ...]:
    """The anchors of a simplified, lower-cased question.

    ``topic`` is the question's first content segment (question words removed). When the question
    opens with it, it is what the question is about: its places and organisations are anchors, and
    so is its first noun when it owns what is asked ("百度发布的AI芯片叫什么", "德国铁路罢工…"). Names
    later in the question are left to the passage's evidence: there jieba's place tags mark common
    words as often as places (东西, 海港, 波及 are ns in its dictionary).
    """
    found: list[Anchor] = []
    dotted = [(m.start(), m.end()) for m in _DOTTED_RE.finditer(question)]
    for m in _DOTTED_RE.finditer(question):
        parts = tuple(p for p in re.split("[·•・]", m.group()) if len(p) >= 2)
        if parts:
            found.append(Anchor(m.group(), parts, "dotted"))
    opening = len(topic) if topic and question.startswith(topic) else 0
    at = 0
    for word, flag in tagged(question):
        start, at = at, at + len(word)
        if len(word) < 2 or word.isascii() or any(a <= start < b for a, b in dotted):
            continue
        series = _SERIES_RE.match(question, at)
        if series is not None:
            number = series.group(1)
            other = chinese_reading(number) if number.isdigit() else chinese_number(number)
            forms = tuple(f"{word}{n}" for n in dict.fromkeys((number, other)) if n)
            found.append(Anchor(f"{word}{series.group()}", forms, "series"))
        elif start < opening and word[0] not in "两几" and _ASKING_RE.search(question[:start]) is None:
            if flag in _PROPER:
                found.append(Anchor(word, (word,), flag))
            elif start == 0 and flag.startswith("n") and _OWNER_RE.match(question, at):
                found.append(Anchor(word, (word,), "topic"))
    return tuple({a.word: a for a in found}.values())


_DICTIONARY: list[dict[str, str]] = []
_DICTIONARY_LOCK = threading.Lock()


def _dictionary() -> dict[str, str]:
    """jieba's dictionary as word → part-of-speech tag, words of two characters or more.

    Read once per process (about 0.3 s, 40 MB), under a lock so that the bot's search threads do not
    read it twice: jieba's own tagger needs over a second to load (its prefix dictionary and its HMM
    tables) and a millisecond a question, and the anchors only need the dictionary's tags of the
    words a question opens with.
    """
    with _DICTIONARY_LOCK:
        if not _DICTIONARY:
            import jieba

            words: dict[str, str] = {}
            with jieba.Tokenizer().get_dict_file() as fh:
                for raw in fh:
                    parts = raw.decode("utf-8").split()
                    if len(parts) == 3 and len(parts[0]) >= 2:
                        words[parts[0]] = sys.intern(parts[2])
            _DICTIONARY.append(words)
        return _DICTIONARY[0]


_LONGEST = 8  # longer dictionary words are idioms and phrases, no names
_RUN_END_RE = re.compile("[0-9a-z.]+$")


def tagged(text: str) -> list[tuple[str, str]]:
    """``text`` as (word, tag) pairs: the longest dictionary word ending at each position, read from
    the end (backward maximum matching, which cuts "战役中法国" as 中 / 法国 where reading forward
    gives 中法 / 国), runs of Latin letters and digits whole, any other character alone (tag "x")."""
    words = _dictionary()
    found: list[tuple[str, str]] = []
    end = len(text)
    while end > 0:
        run = _RUN_END_RE.search(text, 0, end)
        if run is not None:
            found.append((run.group(), "eng"))
            end = run.start()
            continue
        for size in range(min(_LONGEST, end), 1, -1):
            tag = words.get(text[end - size : end])
            if tag is not None:
                found.append((text[end - size : end], tag))
                end -= size
                break
        else:
            found.append((text[end - 1], "x"))
            end -= 1
    return found[::-1]


def missing(anchored: tuple[Anchor, ...], article_text: str) -> bool:
    """Whether an article (simplified, lower-cased, NFKC) lacks one of the question's anchors."""
    return any(not a.found_in(article_text) for a in anchored)
