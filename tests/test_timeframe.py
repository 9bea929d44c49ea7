from __future__ import annotations

import datetime as dt

import pytest

from index.timeframe import find_timeframe

TODAY = dt.date(2024, 5, 22)  # a Wednesday


@pytest.mark.parametrize(
    ("question", "start", "end", "rest"),
    [
        ("今天发生了什么", "2024-05-22", "2024-05-22", "发生了什么"),
        ("昨天的新闻", "2024-05-21", "2024-05-21", "新闻"),
        ("前天威海书记说了什么", "2024-05-20", "2024-05-20", "威海书记说了什么"),
        ("上周的会议谁主持", "2024-05-13", "2024-05-19", "会议谁主持"),
        ("本周有什么新闻", "2024-05-20", "2024-05-22", "有什么新闻"),
        ("本月的进口数据", "2024-05-01", "2024-05-22", "进口数据"),
        ("上个月谁说了什么", "2024-04-01", "2024-04-30", "谁说了什么"),
        ("去年的经济增长", "2023-01-01", "2023-12-31", "经济增长"),
        ("5月14日发布会说了什么", "2024-05-14", "2024-05-14", "发布会说了什么"),
        ("10月4日长江网报道了什么", "2023-10-04", "2023-10-04", "长江网报道了什么"),
        ("2019年10月的罢工", "2019-10-01", "2019-10-31", "罢工"),
        ("2019年的报道", "2019-01-01", "2019-12-31", "报道"),
        ("2019-10-23环球网的消息", "2019-10-23", "2019-10-23", "环球网的消息"),
        ("三天前的新闻", "2024-05-19", "2024-05-19", "新闻"),
        ("近一周的消息", "2024-05-16", "2024-05-22", "消息"),
        ("最近十天谁谈到芯片", "2024-05-13", "2024-05-22", "谁谈到芯片"),
    ],
)
def test_time_words_become_a_range_and_leave_the_question(question: str, start: str, end: str, rest: str) -> None:
    frame, remaining = find_timeframe(question, TODAY)
    assert frame is not None
    assert (frame.start.isoformat(), frame.end.isoformat(), remaining) == (start, end, rest)
    assert not frame.recent


def test_recent_is_a_preference_for_new_articles() -> None:
    frame, rest = find_timeframe("最近张三说了什么", TODAY)
    assert frame is not None and frame.recent and rest == "张三说了什么"
    assert frame.contains(TODAY) and frame.contains(TODAY - dt.timedelta(days=29))
    assert not frame.contains(TODAY - dt.timedelta(days=31))


@pytest.mark.parametrize("question", ["威海书记说了什么", "含光800是几月发布的", "一分钱被改成了什么", "13月40日是什么"])
def test_questions_without_a_time_are_left_alone(question: str) -> None:
    assert find_timeframe(question, TODAY) == (None, question)
