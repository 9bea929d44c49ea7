"""Time in a question: "最近", "昨天", "上周", "5月14日", "2019年10月" → a date range, and the rest of the question.

How a range is used (:func:`article_tiers`), by what a user means:

- A period counted back from today ("今天", "昨天", "上周", "本月", "近三天", "三天前", "今年") asks for
  the news of that period: when the index holds articles dated in it, only those (and undated ones,
  after them) answer. When it holds none, the words cannot mean the index's articles ("今年" in a
  question about an archive mirrors the article's own wording), and every article answers.
- A date or month or year ("5月14日", "2019年10月", "2018年") usually names when something happened,
  which the article may report days later, or a year it looks back on; "最近" names no period at all.
  These prefer: articles dated in the range come first, the others still answer after them.

An article counts as in a range until :data:`GRACE_DAYS` after its end: yesterday's events are
reported today. Words counted from today ("昨天", "最近") leave the question before it is searched;
a calendar date, month or year stays in the searched text too, because articles state them in the
same words ("2018年我国进口芯片…"): removing "2018年" lost a news-set question that keeping it answers
(benchmarks/README.md). Who-said-what questions are parsed without any time words.

Rules, not a library: dateparser was measured on such questions (benchmarks/README.md) and returns a
single instant, not a range ("上周" → one day), misreads "5月14日" and "2019年10月" when given a base
date, misses "最近", "近一周", "三天前", and takes ~50 ms a question. The rules below return ranges
(inclusive), relative to the ``today`` they are given, in microseconds.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# "最近" names no span: read it as the last month, and as a preference for newer articles, not a filter.
RECENT_DAYS = 30
# An article published this many days after a range still reports on it.
GRACE_DAYS = 2
# Kinds of expression counted back from today: they filter (see the module docstring).
_FILTERING = ("span", "ago", "relative")
# Kinds of expression an article states in the same words ("2018年进口芯片…"): searched for as well.
_LITERAL = ("ymd", "ym", "md", "y", "m")
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = r"(?:\d{1,3}|[一二两三四五六七八九十]{1,3}|几)"
_UNIT_DAYS = {"天": 1, "日": 1, "周": 7, "星期": 7, "个星期": 7, "个月": 30, "月": 30, "年": 365}


@dataclass(frozen=True)
class Timeframe:
    """Articles dated ``start``…``end`` (inclusive); ``recent`` asks to prefer new ones rather than filter."""

    start: dt.date
    end: dt.date
    words: str
    recent: bool = False
    # The kind of expression (see _PATTERNS): a period counted back from today filters, others prefer.
    kind: str = ""

    def contains(self, date: dt.date) -> bool:
        return self.start <= date <= self.end

    @property
    def filters(self) -> bool:
        return self.kind in _FILTERING

    @property
    def literal(self) -> bool:
        """A calendar date, month or year ("2018年", "9月9日"): words the article itself may use."""
        return self.kind in _LITERAL

    def covers(self, date: dt.date) -> bool:
        """Whether an article of ``date`` is about the range: published in it or just after it."""
        return self.start <= date <= self.end + dt.timedelta(days=GRACE_DAYS)


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "几":
        return 3
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0)
    return _DIGITS.get(text, 0)


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def _past(year: int | None, month: int, day: int | None, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """A month (and day) without a year is the latest one not after today."""
    years = [year] if year is not None else [today.year, today.year - 1]
    for y in years:
        try:
            start = dt.date(y, month, day or 1)
        except ValueError:
            return None
        end = start if day else _month_end(y, month)
        if year is not None or start <= today:
            return start, end
    return None


def _relative(word: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    monday = today - dt.timedelta(days=today.weekday())
    first = today.replace(day=1)
    last_month_end = first - dt.timedelta(days=1)
    table = {
        "今天": (today, today), "今日": (today, today),
        "昨天": (today - dt.timedelta(days=1),) * 2, "昨日": (today - dt.timedelta(days=1),) * 2,
        "前天": (today - dt.timedelta(days=2),) * 2,
        "本周": (monday, today), "这周": (monday, today), "这个星期": (monday, today), "本星期": (monday, today),
        "上周": (monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)),
        "上个星期": (monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)),
        "上星期": (monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)),
        "本月": (first, today), "这个月": (first, today),
        "上个月": (last_month_end.replace(day=1), last_month_end),
        "上月": (last_month_end.replace(day=1), last_month_end),
        "今年": (today.replace(month=1, day=1), today), "本年": (today.replace(month=1, day=1), today),
        "去年": (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
        "前年": (dt.date(today.year - 2, 1, 1), dt.date(today.year - 2, 12, 31)),
    }
    found = table.get(word)
    return (found[0], found[1]) if found else None


_RELATIVE_WORDS = (
    "今天|今日|昨天|昨日|前天|本周|这周|这个星期|本星期|上周|上个星期|上星期|本月|这个月|上个月|上月|今年|本年|去年|前年"
)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("ymd", re.compile(r"((?:19|20)\d\d)\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*[日号]?")),
    ("ym", re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月份?")),
    ("md", re.compile(r"(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")),
    ("span", re.compile(rf"(?:最近|近|过去|这)\s*({_NUMBER})\s*(天|日|周|个星期|星期|个月|年)(?:内|以来|里|来)?")),
    ("ago", re.compile(rf"({_NUMBER})\s*(天|周|个星期|个月|年)(?:前|之前)")),
    ("relative", re.compile(rf"(?:{_RELATIVE_WORDS})")),
    ("y", re.compile(r"((?:19|20)\d\d)\s*年(?!\s*\d{1,2}\s*月)(?:度)?")),
    ("m", re.compile(r"(?<![\d年])(\d{1,2})\s*月份?(?!\s*\d)")),
    ("recent", re.compile(r"最近|近期|近来|这几天|这些天|最新")),
]


def _range(kind: str, match: re.Match[str], today: dt.date) -> tuple[dt.date, dt.date] | None:
    groups = match.groups()
    if kind == "ymd":
        return _past(int(groups[0]), int(groups[1]), int(groups[2]), today)
    if kind == "ym":
        return _past(int(groups[0]), int(groups[1]), None, today) if 1 <= int(groups[1]) <= 12 else None
    if kind == "md":
        return _past(None, int(groups[0]), int(groups[1]), today) if 1 <= int(groups[0]) <= 12 else None
    if kind == "m":
        return _past(None, int(groups[0]), None, today) if 1 <= int(groups[0]) <= 12 else None
    if kind == "y":
        year = int(groups[0])
        return dt.date(year, 1, 1), min(dt.date(year, 12, 31), max(today, dt.date(year, 1, 1)))
    if kind == "span":
        days = _number(groups[0]) * _UNIT_DAYS[groups[1]]
        return today - dt.timedelta(days=max(days - 1, 0)), today
    if kind == "ago":
        day = today - dt.timedelta(days=_number(groups[0]) * _UNIT_DAYS[groups[1]])
        return day, day
    if kind == "relative":
        return _relative(match.group(0), today)
    if kind == "recent":
        return today - dt.timedelta(days=RECENT_DAYS - 1), today
    return None


def find_timeframe(question: str, today: dt.date) -> tuple[Timeframe | None, str]:
    """The first time expression of ``question`` as a date range, and the question without it."""
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(question):
            span = _range(kind, match, today)
            if span is None:
                continue
            rest = (question[:match.start()] + question[match.end():]).strip()
            # "昨天的新闻" → "新闻": a 的 left hanging after the time words goes with them.
            rest = re.sub(r"^[的，,、\s]+", "", rest).strip()
            return Timeframe(span[0], span[1], match.group(0), kind == "recent", kind), rest or question
    return None, question


def parse_iso(text: str | None) -> dt.date | None:
    """An article's stored date (YYYY-MM-DD), or None."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def article_tiers(frame: Timeframe, dates: dict[str, dt.date | None]) -> dict[str, int] | None:
    """Article id → its tier for ``frame`` (0 answers first, then 1; absent: left out), or None when the
    range changes nothing because no article is dated in it."""
    inside = {aid for aid, date in dates.items() if date is not None and frame.covers(date)}
    if not inside:
        return None
    if frame.filters:
        return {aid: 0 if aid in inside else 1 for aid, date in dates.items() if aid in inside or date is None}
    return {aid: 0 if aid in inside else 1 for aid in dates}
