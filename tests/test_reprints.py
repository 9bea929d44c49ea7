from __future__ import annotations

from index.reprints import ReprintIndex, collapse, minhash, reprint_groups, shingles, similarity

WIRE = "国务院新闻办公室14日举行新闻发布会，介绍今年一季度国民经济运行情况。发言人表示，面对复杂严峻的外部环境，各地区各部门坚持稳中求进工作总基调，经济运行总体平稳。"
OTHER = "记者注意到，高技术制造业增加值同比增长百分之七点五，快于全部规模以上工业，新动能持续壮大。专家认为，下阶段要继续巩固和增强经济回升向好态势。"


def test_the_same_wire_paragraph_from_several_outlets_is_one_group() -> None:
    xinhua = "新华社北京5月14日电 " + WIRE
    chinanews = "中新网5月14日电 " + WIRE.replace("，", ",").replace("。", ". ")
    trimmed = WIRE.replace("各地区各部门坚持稳中求进工作总基调，", "")
    groups = reprint_groups([xinhua, OTHER, chinanews, trimmed])
    assert groups == [0, 1, 0, 0]
    assert collapse([xinhua, OTHER, chinanews, trimmed]) == {0: [0, 2, 3], 1: [1]}


def test_different_paragraphs_on_the_same_topic_stay_apart() -> None:
    related = "国家统计局14日发布数据显示，一季度国内生产总值同比增长百分之五点三，市场销售保持增长，就业形势总体稳定，居民收入继续增加。"
    assert similarity(WIRE, related) < 0.3
    assert reprint_groups([WIRE, related]) == [0, 1]


def test_short_paragraphs_are_never_merged() -> None:
    assert reprint_groups(["他说。", "他说。", "好的，谢谢。"]) == [0, 1, 2]


def test_signatures_are_deterministic_and_normalised() -> None:
    assert minhash(shingles(WIRE)) == minhash(shingles(WIRE))
    assert shingles("A B，c。") == shingles("abc") == frozenset(["abc"])
    index = ReprintIndex(threshold=0.95)
    assert index.add(WIRE) == 0
    assert index.add(WIRE.replace("经济运行总体平稳", "国民经济稳中向好")) == 1  # a stricter threshold keeps it apart
