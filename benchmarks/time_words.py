"""Time words in questions: QuoteBot's rules vs dateparser (install dateparser by hand to compare).

Usage (from the project root):

    python benchmarks/time_words.py

Each question names a period relative to a fixed 'today'. A reader passes a question when the
period it returns holds the expected start and end date (for dateparser, which returns one instant,
when that instant lies in the expected period; it gets the benefit of the doubt on ranges).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.timeframe import find_timeframe  # noqa: E402

TODAY = dt.date(2024, 5, 22)
CASES = [
    ("今天发生了什么", "2024-05-22", "2024-05-22"), ("昨天的新闻", "2024-05-21", "2024-05-21"),
    ("前天威海书记说了什么", "2024-05-20", "2024-05-20"), ("上周的会议谁主持", "2024-05-13", "2024-05-19"),
    ("本周有什么新闻", "2024-05-20", "2024-05-22"), ("本月的进口数据", "2024-05-01", "2024-05-22"),
    ("上个月谁说了什么", "2024-04-01", "2024-04-30"), ("今年的经济增长", "2024-01-01", "2024-05-22"),
    ("去年的经济增长", "2023-01-01", "2023-12-31"), ("5月14日发布会说了什么", "2024-05-14", "2024-05-14"),
    ("10月4日长江网报道了什么", "2023-10-04", "2023-10-04"), ("2019年10月的罢工", "2019-10-01", "2019-10-31"),
    ("2019年的报道", "2019-01-01", "2019-12-31"), ("三天前的新闻", "2024-05-19", "2024-05-19"),
    ("近一周的消息", "2024-05-16", "2024-05-22"), ("最近张三说了什么", "2024-04-23", "2024-05-22"),
    ("过去三天有什么消息", "2024-05-20", "2024-05-22"), ("最近十天谁谈到芯片", "2024-05-13", "2024-05-22"),
]


def rules(question: str) -> tuple[dt.date, dt.date] | None:
    frame, _ = find_timeframe(question, TODAY)
    return (frame.start, frame.end) if frame else None


def dateparser_point(question: str) -> tuple[dt.date, dt.date] | None:
    from dateparser.search import search_dates

    base = dt.datetime.combine(TODAY, dt.time(12))
    found = search_dates(question, languages=["zh"], settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"})
    if not found:
        return None
    day = found[0][1].date()
    return day, day


def main() -> None:
    print("| reader | questions passed | ms/question |")
    print("|---|---|---|")
    for name, read in (("QuoteBot rules", rules), ("dateparser", dateparser_point)):
        passed = 0
        try:
            started = time.perf_counter()
            for question, start, end in CASES:
                got = read(question)
                lo, hi = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
                if got is not None and (got == (lo, hi) or (name == "dateparser" and lo <= got[0] <= hi)):
                    passed += 1
            ms = (time.perf_counter() - started) * 1000 / len(CASES)
        except ImportError:
            print(f"| {name} | not installed | |")
            continue
        print(f"| {name} | {passed}/{len(CASES)} | {ms:.1f} |")


if __name__ == "__main__":
    main()
