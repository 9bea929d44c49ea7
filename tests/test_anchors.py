"""The places, names and numbers a question is anchored to, and articles that lack one."""

from __future__ import annotations

from index.anchors import anchors, chinese_number, chinese_reading, missing


def test_numbers_read_both_ways() -> None:
    assert chinese_number("十九") == "19"
    assert chinese_number("二〇一二") == "2012"
    assert chinese_number("三百零五") == "305"
    assert chinese_number("十") == "10"
    assert chinese_number("几十") is None
    assert chinese_reading("19") == "十九" and chinese_reading("10") == "十" and chinese_reading("2012") == "二〇一二"
    assert chinese_reading("7") == "七" and chinese_reading("123") is None


def test_a_place_the_article_never_names_is_missing() -> None:
    anchored = anchors("德国铁路罢工影响了多少列车")
    assert ("德国",) in anchored
    assert missing(anchored, "法国铁路工人罢工,全国列车停运一半")
    assert not missing(anchored, "德国铁路工人罢工,全国列车停运一半")


def test_a_numbered_name_must_be_that_one() -> None:
    anchored = anchors("长征十二号什么时候首飞")
    assert ("长征十二号", "长征12号") in anchored
    assert missing(anchored, "长征十一号和长征二号今年各飞了12次")
    assert not missing(anchored, "长征12号将于明年首飞")


def test_numbers_of_two_digits_or_more_are_anchors_a_lone_digit_is_not() -> None:
    assert ("2019", "二〇一九") in anchors("2019年的产量是多少")
    assert anchors("3名队员来自哪里") == ()
    assert not missing(anchors("2019年的产量是多少"), "二〇一九年,产量翻了一番")


def test_a_question_without_anchors_misses_nothing() -> None:
    assert anchors("这座桥有多长") == ()
    assert not missing((), "任何文字")
