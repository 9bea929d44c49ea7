"""The places, organisations and numbered series a question is about, and articles that lack one."""

from __future__ import annotations

from index.anchors import Anchor, anchors, chinese_number, chinese_reading, missing, tagged


def words(question: str) -> list[str]:
    return [a.word for a in anchors(question, question.split("的")[0])]


def test_numbers_read_both_ways() -> None:
    assert chinese_number("十九") == "19"
    assert chinese_number("二〇一二") == "2012"
    assert chinese_number("三百零五") == "305"
    assert chinese_number("十") == "10"
    assert chinese_number("几十") is None
    assert chinese_reading("19") == "十九" and chinese_reading("10") == "十" and chinese_reading("2012") == "二〇一二"
    assert chinese_reading("7") == "七" and chinese_reading("123") is None


def test_words_are_read_from_the_end_with_the_dictionary_tags() -> None:
    # Read forward, "战役中法国" would give 中法 / 国; a Latin run stays whole.
    assert ("法国", "ns") in tagged("这次战役中法国军队由谁指挥")
    assert [w for w, _ in tagged("iphone15卖多少钱")][0] == "iphone15"
    assert "".join(w for w, _ in tagged("狗尾巴草长在哪里")) == "狗尾巴草长在哪里"


def test_a_place_the_question_opens_with_must_be_in_the_article() -> None:
    anchored = anchors("德国铁路罢工影响了多少列车", "德国铁路罢工影响")
    assert [a.word for a in anchored] == ["德国"]
    assert missing(anchored, "法国铁路工人罢工,全国列车停运一半")
    assert not missing(anchored, "德国铁路工人罢工,全国列车停运一半")


def test_names_later_in_the_question_are_left_to_the_passage() -> None:
    # Past the opening, jieba tags common words as places as often as places.
    assert anchors("为何从海边寄东西到内地不需要额外费用", "从海边寄东西到内地不需要额外费用") == ()
    assert anchors("这座桥建成后与德国的哪座城市相连", None) == ()


def test_a_noun_after_a_question_word_is_the_kind_of_answer_not_an_anchor() -> None:
    assert anchors("哪个城市举办了本届运动会", "城市举办") == ()


def test_the_opening_noun_that_owns_what_is_asked_is_an_anchor() -> None:
    anchored = anchors("百度发布的ai芯片叫什么", "百度发布")
    assert [(a.word, a.kind) for a in anchored] == [("百度", "topic")]
    assert missing(anchored, "阿里巴巴发布了一款ai芯片,名为含光")
    # A first noun that is no owner ("专家认为…") is not what the question is about.
    assert anchors("专家认为这条路线有什么问题", "专家认为这条路线") == ()


def test_a_numbered_name_must_be_that_one() -> None:
    anchored = anchors("长征十二号什么时候首飞", "长征十二号")
    assert [a.forms for a in anchored] == [("长征十二", "长征12")]
    assert missing(anchored, "长征十一号和长征二号今年各飞了12次")
    assert not missing(anchored, "长征12号将于明年首飞")
    # 长征1号 is not in 长征12号.
    assert missing(anchors("长征1号什么时候首飞", "长征1号"), "长征12号将于明年首飞")


def test_counts_and_plain_numbers_are_no_anchors() -> None:
    assert anchors("两国的边界有多长", "两国") == ()
    assert anchors("2019年的产量是多少", "2019年") == ()
    assert anchors("3名队员来自哪里", "3名队员来自") == ()


def test_a_place_written_at_more_length_or_abbreviated_is_found() -> None:
    # "香港地区" by 香港; "北大" in 北京大学, but not across a sentence.
    anchored = anchors("香港地区的哪位演员主演了这部戏", "香港地区")
    assert anchored and not missing(anchored, "主演是香港演员陈明")
    assert Anchor("北大", ("北大",), "nt").found_in("他毕业于北京大学中文系")
    assert not Anchor("北大", ("北大",), "nt").found_in("他来自北方。大学毕业后")
    # A tagger's extra character ("侯景封" of "侯景封了谁") does not hide the name.
    assert Anchor("侯景封", ("侯景封",), "ns").found_in("侯景起兵后自立为王")


def test_lenient_name_forms_count_only_chinese_characters_in_between() -> None:
    spread = Anchor("北大", ("北大",), "nt")
    assert spread.found_in("北京大学") and spread.found_in("北京市立大学")  # one to four characters apart
    assert not spread.found_in("北京市立人民大学") and not spread.found_in("北a大")
    # A first match that fails does not hide a later one.
    assert spread.found_in("北,大与北京大学")
    one_off = Anchor("毕加索", ("毕加索",), "nr")
    assert one_off.found_in("画家毕卡索的作品") and not one_off.found_in("毕-索") and not one_off.found_in("毕卡")


def test_a_transliterated_name_may_differ_by_one_character_or_be_given_by_one_part() -> None:
    anchored = anchors("卡斯蒂利亚的首府在哪里", "卡斯蒂利亚")
    assert anchored and not missing(anchored, "卡斯提利亚地区的首府是巴利亚多利德")
    dotted = anchors("韦斯·昂塞尔德在场上打什么位置", "韦斯·昂塞尔德在场上")
    assert [a.kind for a in dotted] == ["dotted"]
    assert not missing(dotted, "华斯·昂塞尔德是一名中锋")
    assert missing(dotted, "他是一名中锋")


def test_a_question_without_anchors_misses_nothing() -> None:
    assert anchors("这座桥有多长", "这座桥") == ()
    assert not missing((), "任何文字")
