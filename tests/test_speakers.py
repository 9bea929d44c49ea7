"""Who said what at index time: people with roles and places, and verbatim statements.

The sample paragraphs are copied from the bundled Jiaodong article (sections as the cleaner gives
them); the other tests use sentences written to exercise one pattern each.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from index.records import Paragraph
from index.speakers import (
    Person,
    Statement,
    best_role,
    extract_people,
    extract_statements,
    label,
    split_place,
)
from index.speakers.matching import find_statements
from index.speakers.questions import parse_speaker_question

WEIFANG = "潍坊:融入青岛都市圈"
YANTAI = "烟台:对接青岛就是对接世界"
WEIHAI = "威海:将积极接轨青岛"
RIZHAO = "日照:共享对外开放“一扇窗”"

SAMPLE: list[tuple[str, str | None]] = [
    ("潍烟威日四市党政考察团来青考察 座谈会上王清宪表示：", None),
    (
        "继5月9日潍坊市党政考察团来青考察之后,5月14日,烟台、威海、日照三市党政考察团同日来青考察,"
        "目的是完善合作机制,发挥各自特色,精诚合作,携手共赢,加快推进胶东经济圈一体化发展。",
        None,
    ),
    (
        "5月9日,由潍坊市委书记、市人大常委会主任惠新安,潍坊市委副书记、市长田庆盈率领的潍坊市党政考察"
        "团来青考察。上午,青岛市与潍坊市党政考察团座谈会在市级机关会议中心召开。省委常委、市委书记王清宪"
        "出席会议并讲话,市委副书记、市长孟凡利主持。",
        WEIFANG,
    ),
    (
        "王清宪介绍了本市经济社会发展情况。胶东半岛作为黄河流域九省区的经济出海口,在人口规模、经济体量、"
        "创新能力、产业竞争力、海洋经济等方面优势突出,有实力、有责任在山东城市群发展中当好先锋,抓住打造"
        "“一带一路”国际合作新平台的重大机遇,为山东新旧动能转换、黄河流域生态保护和高质量发展贡献更大力"
        "量。我们要立足当前、着眼长远,科学做好顶层设计,统筹考虑胶东经济圈一体化与工业化、城镇化、农业现"
        "代化深度融合,加快推动交通设施、产业布局、市场要素、公共服务、对外形象一体化,带动山东半岛城市群"
        "加快崛起。青岛作为牵头城市,一定发挥好自身平台作用,做好服务保障工作,带头多承担一体化的成本,让"
        "兄弟城市优先分享一体化的红利,把胶东经济圈打造成为产业共同体、利益共同体、命运共同体。",
        WEIFANG,
    ),
    (
        "惠新安说,潍坊、青岛两市地域相连、人缘相亲、文化相近、产业相融,有着良好的合作基础,下一步将围绕"
        "加快推进胶东经济圈一体化发展,接轨青岛、融入青岛都市圈,扎实推进基础设施、产业发展、对外开放、科"
        "教创新、公共服务一体化领域深度合作,携手并进,共谋发展,共创辉煌。",
        WEIFANG,
    ),
    (
        "5月14日,由烟台市委书记张术平,市委副书记、市长陈飞率领的烟台市党政考察团来青考察。上午,青岛"
        "市与烟台市党政考察团座谈会在市级机关会议中心召开。省委常委、市委书记王清宪出席会议并讲话,市委副"
        "书记、市长孟凡利主持,市委副书记王鲁明陪同考察。",
        YANTAI,
    ),
    (
        "王清宪介绍了本市经济社会发展情况。胶东五市无论是经济总量、对外开放、创新能力、辐射带动能力,理应"
        "承担起山东发展的龙头作用。希望青岛市与烟台市围绕加强基础设施互联互通、海洋协同创新、搞活半岛资本"
        "市场等方面加强合作,加快推进胶东经济圈一体化深入发展。当前青岛正加快打造世界工业互联网之都,支持"
        "烟台市和海尔的战略合作,欢迎烟台市组织更多企业加入到卡奥斯的发展生态中来,合力引进和培养一大批工"
        "业互联网、人工智能领域的高端人才和应用型人才,借助工业互联网的力量,为千行百业赋能,共同打造具有"
        "全球引领力的工业互联网平台。",
        YANTAI,
    ),
    (
        "张术平说,青岛是全省经济发展的“火车头”,是胶东经济圈一体化发展的“领头雁”,对接青岛就是对接世"
        "界,融",
        YANTAI,
    ),
    (
        "入青岛就是融入一体化发展。烟台、青岛两市地缘相近、人缘相亲、产业相融,合作空间广阔。烟台市积极参"
        "与、主动融入胶东经济圈建设,共同打造区域经济一体化发展的山东样板。",
        YANTAI,
    ),
    (
        "5月14日,威海市委书记张海波,市委副书记、代市长闫剑波率领的威海市党政考察团来青考察。下午,青"
        "岛市与威海市党政考察团座谈会在市级机关会议中心召开。省委常委、市委书记王清宪出席会议并讲话,市委"
        "副书记、市长孟凡利主持。",
        WEIHAI,
    ),
    (
        "王清宪表示,胶东经济圈既有人口和经济体量的优势,也有创新能力、产业发展、海洋经济等方面的优势,加"
        "快一体化发展,对于提高胶东半岛要素资源配置效率、昂起山东发展的龙头、推动我国南北经济均衡发展和形"
        "成东西双向互济、陆海内外联动的开放格局,具有重要意义。作为牵头城市,青岛将更多承担一体化的责任,"
        "为兄弟城市服好务,努力把胶东五市真正打造成为产业共同体、利益共同体、命运共同体。",
        WEIHAI,
    ),
    (
        "张海波说,威海与青岛合作基础扎实,前景广阔,将积极接轨青岛,深度融入青岛都市圈,在交通网、创新链"
        "、产业链、旅游带、生态圈和对外开放等重点领域加强合作,与青岛携手并进,共谋发展。",
        WEIHAI,
    ),
    (
        "14日下午,青岛市与日照市党政考察团座谈会在市级机关会议中心召开。省委常委、市委书记王清宪出席会"
        "议并讲话,市委副书记、市长孟凡利主持。",
        RIZHAO,
    ),
    (
        "王清宪表示,我们谋划胶东经济圈的发展,必须按照习近平总书记对山东半岛城市群的定位和省省委省政府部"
        "署要求,以世界眼光、国际坐标来谋划未来,发挥协同优势,释放发展潜能,带动胶东城市群快速崛起,努力"
        "把胶东经济圈打造成为中国新的增长极、中国长江以北地区更高水平对外开放的新支点、黄河流域生态保护和"
        "高质量发展的龙头、中国北方的创新高地、山东对外开放的桥头堡。下一步,希望两市围绕推进“六稳”工作"
        "、落实“六保”任务,统筹推进工业化、城镇化、农业现代化、信息化“四化联动”,争取在基础设施、产业"
        "发展、公共服务、文化旅游等领域率先实现突破。在胶东经济圈这个大家庭中,五市情同手足、情谊深厚,大"
        "家都是主角,没有配角,只要发挥各自特色,精诚合作,就一定可以携手共赢。",
        RIZHAO,
    ),
    (
        "日照市委书记张惠说,胶东经济圈一体化对日照是一次重大发展机遇,我们将按照省委、省政府部署安排,做"
        "好对标学习、接轨融入、依托服务三篇文章,共同下活基础设施联通“一盘棋”、拧紧产业协调发展“一股绳"
        "”,共享对外开放“一扇窗”,筑牢民生保障“一张网”,携手推进胶东经济圈一体化发展进程。",
        RIZHAO,
    ),
    ("◀王岳洲代表", None),
    ("□文/半岛记者 刘鑫 崔璞\n图/受访者提供", None),
]


def paragraphs(*items: str | tuple[str, str | None]) -> list[Paragraph]:
    """Paragraphs numbered from 1 whose offsets index ``"\\n\\n".join`` of their texts, as the cleaner's do."""
    result: list[Paragraph] = []
    offset = 0
    for number, item in enumerate(items, start=1):
        text, section = (item, None) if isinstance(item, str) else item
        result.append(Paragraph(number, text, section, offset, offset + len(text)))
        offset += len(text) + 2
    return result


def article_text(paras: Sequence[Paragraph]) -> str:
    return "\n\n".join(p.text for p in paras)


def extract(*items: str | tuple[str, str | None]) -> tuple[list[Person], list[Statement]]:
    paras = paragraphs(*items)
    people = extract_people(paras)
    statements = extract_statements(paras, people)
    text = article_text(paras)
    for statement in statements:
        assert text[statement.start : statement.end] == statement.text
    return people, statements


def person(people: Sequence[Person], name: str) -> Person:
    matches = [p for p in people if p.name == name]
    assert matches, f"{name} not among {[p.name for p in people]}"
    return matches[0]


def said(statements: Sequence[Statement]) -> list[tuple[str, str]]:
    return [(s.name, s.text) for s in statements]


@pytest.fixture(scope="module")
def sample() -> tuple[list[Paragraph], list[Person], list[Statement]]:
    paras = paragraphs(*SAMPLE)
    people = extract_people(paras)
    return paras, people, extract_statements(paras, people)


# --- the sample article -----------------------------------------------------------------------------

SAMPLE_FILE = Path(__file__).resolve().parents[1] / "articles" / "jiaodong-economic-circle.txt"


def test_sample_constants_are_verbatim_from_the_bundled_article():
    source = SAMPLE_FILE.read_text(encoding="utf-8")
    assert all(text in source for text, _ in SAMPLE)


def test_sample_finds_exactly_the_people_named_with_a_role(sample):
    _, people, _ = sample
    assert [p.name for p in people] == [
        "惠新安", "田庆盈", "王清宪", "孟凡利", "张术平", "陈飞", "王鲁明", "张海波", "闫剑波", "张惠",
        "王岳洲", "刘鑫", "崔璞",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "roles", "place"),
    [
        ("张海波", ("威海市委书记",), "威海"),
        # Same enumeration as 张海波: the delegation's city, not the host's.
        ("闫剑波", ("威海市委副书记", "威海代市长"), "威海"),
        ("惠新安", ("潍坊市委书记", "潍坊市人大常委会主任"), "潍坊"),
        ("田庆盈", ("潍坊市委副书记", "潍坊市长"), "潍坊"),
        ("陈飞", ("烟台市委副书记", "烟台市长"), "烟台"),
        ("张惠", ("日照市委书记",), "日照"),
        # Unqualified roles in a paper reporting visits "来青考察" belong to the host, 青岛, even in the
        # 威海 section.
        ("王清宪", ("省委常委", "青岛市委书记"), "青岛"),
        ("孟凡利", ("青岛市委副书记", "青岛市长"), "青岛"),
        ("王鲁明", ("青岛市委副书记",), "青岛"),
        ("王岳洲", ("代表",), None),
        ("刘鑫", ("半岛记者",), None),
        ("崔璞", ("半岛记者",), None),
    ],
)
def test_sample_roles_carry_their_place(sample, name, roles, place):
    _, people, _ = sample
    found = person(people, name)
    assert (found.roles, found.place) == (roles, place)


def test_sample_person_lists_the_paragraphs_naming_them(sample):
    _, people, _ = sample
    assert person(people, "王清宪").paragraphs == (3, 6, 10, 13)
    assert person(people, "张海波").paragraphs == (10,)


def test_sample_statements_are_the_speeches_in_article_order(sample):
    _, _, statements = sample
    assert [(s.name, s.paragraph, s.role) for s in statements] == [
        ("王清宪", 4, "青岛市委书记"),
        ("惠新安", 5, "潍坊市委书记"),
        ("王清宪", 7, "青岛市委书记"),
        ("张术平", 8, "烟台市委书记"),
        ("王清宪", 11, "青岛市委书记"),
        ("张海波", 12, "威海市委书记"),
        ("王清宪", 14, "青岛市委书记"),
        ("张惠", 15, "日照市委书记"),
    ]


def test_sample_statement_offsets_index_the_article_text(sample):
    paras, _, statements = sample
    text = article_text(paras)
    by_number = {p.number: p for p in paras}
    for statement in statements:
        assert text[statement.start : statement.end] == statement.text
        paragraph = by_number[statement.paragraph]
        assert paragraph.start <= statement.start < statement.end <= paragraph.end
        assert statement.section == paragraph.section


def test_sample_statement_runs_from_the_speech_verb_to_the_paragraph_end(sample):
    paras, _, statements = sample
    zhang = next(s for s in statements if s.name == "张海波")
    assert zhang.text.startswith("张海波说,威海与青岛合作基础扎实")
    assert zhang.text == paras[11].text


def test_sample_indirect_speech_after_jieshao_is_the_speakers(sample):
    paras, _, statements = sample
    first = statements[0]
    assert first.text == paras[3].text
    assert first.text.startswith("王清宪介绍了本市经济社会发展情况。胶东半岛")
    assert first.text.endswith("命运共同体。")


def test_sample_role_before_the_name_is_part_of_the_sentence(sample):
    _, _, statements = sample
    assert statements[-1].text.startswith("日照市委书记张惠说,胶东经济圈一体化对日照")


def test_sample_host_who_only_presides_says_nothing(sample):
    _, _, statements = sample
    assert "孟凡利" not in {s.name for s in statements}
    assert "王鲁明" not in {s.name for s in statements}


def test_sample_speech_verb_with_nothing_said_is_no_statement(sample):
    _, _, statements = sample
    assert all(s.paragraph != 1 for s in statements)


@pytest.mark.parametrize(
    ("question", "speaker", "starts"),
    [
        ("威海书记说了什么", "张海波", "张海波说,威海与青岛合作基础扎实"),
        ("烟台市委书记说了什么", "张术平", "张术平说,青岛是全省经济发展的"),
        ("日照市委书记张惠说了什么", "张惠", "日照市委书记张惠说"),
        ("惠新安说了什么", "惠新安", "惠新安说,潍坊、青岛两市"),
        ("王清宪对威海说了什么", "王清宪", "王清宪表示,胶东经济圈既有人口"),
        ("谁说对接青岛就是对接世界", "张术平", "张术平说"),
        ("對接青島就是對接世界是誰說的", "张术平", "张术平说"),
        ("威海書記講了甚麼？", "张海波", "张海波说"),
        ("潍坊人大常委会主任说了什么", "惠新安", "惠新安说"),
    ],
)
def test_sample_questions_find_the_speakers_statement(sample, question, speaker, starts):
    _, people, statements = sample
    parsed = parse_speaker_question(question, [p.name for p in people])
    assert parsed is not None
    found = find_statements(parsed, people, statements)
    assert found, question
    assert found[0].name == speaker
    assert found[0].text.startswith(starts)


def test_sample_topic_picks_the_statement_in_that_section(sample):
    _, people, statements = sample
    parsed = parse_speaker_question("王清宪对威海说了什么", [p.name for p in people])
    assert parsed is not None
    assert [s.section for s in find_statements(parsed, people, statements)] == [WEIHAI]


@pytest.mark.parametrize("question", ["青岛市长说了什么", "威海市长说了什么", "刘鑫说了什么"])
def test_sample_role_holder_without_a_statement_gets_nothing(sample, question):
    _, people, statements = sample
    parsed = parse_speaker_question(question, [p.name for p in people])
    assert parsed is not None
    assert find_statements(parsed, people, statements) == []


# --- people -----------------------------------------------------------------------------------------


def test_leading_words_are_not_part_of_the_role():
    people, _ = extract("会议由市委书记王清宪主持。会上,市长孟凡利作报告。")
    assert [(p.name, p.roles) for p in people] == [("王清宪", ("市委书记",)), ("孟凡利", ("市长",))]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("市长陈飞率领考察团来访。", "陈飞"),
        ("市委书记王清宪出席会议。", "王清宪"),
        ("日照市委书记张惠说,要抓好落实,推动发展。", "张惠"),
        ("副市长李强等人参加。", "李强"),
        ("副市长王志强表示,要抓好安全生产。", "王志强"),
        # Two readings, neither ending cleanly: the article's other use decides.
        ("市长陈飞视察了项目现场。陈飞强调,要确保工程质量。", "陈飞"),
    ],
)
def test_name_length_stops_before_the_verb(text, name):
    people, _ = extract(text)
    assert [p.name for p in people] == [name]


def test_a_role_held_by_two_people_gives_each_the_role():
    people, _ = extract("青岛市副市长张三、副市长李四出席会议。")
    assert [(p.name, p.place) for p in people] == [("张三", "青岛"), ("李四", "青岛")]
    assert all(split_place(p.roles[0])[1].endswith("副市长") for p in people)


def test_byline_names_separated_by_spaces_share_the_role():
    people, _ = extract("本报记者 张伟 王磊")
    assert [(p.name, p.roles) for p in people] == [("张伟", ("本报记者",)), ("王磊", ("本报记者",))]


def test_title_after_the_name():
    people, _ = extract("◀刘世明代表", "樊平燕委员说,要加快推进一体化,共享发展成果。")
    assert [(p.name, p.roles) for p in people] == [("刘世明", ("代表",)), ("樊平燕", ("委员",))]


def test_organisation_roles_have_no_place():
    people, _ = extract("据海尔集团董事长周云杰介绍,卡奥斯平台已经连接了大量企业。")
    assert (people[0].name, people[0].roles, people[0].place) == ("周云杰", ("海尔集团董事长",), None)


def test_section_heading_places_an_unqualified_role_when_there_is_no_host():
    people, _ = extract(("市委书记李强说,烟台将主动融入胶东经济圈建设。", "烟台:主动融入"))
    assert (people[0].roles, people[0].place) == (("烟台市委书记",), "烟台")


def test_nearest_preceding_place_places_an_unqualified_role():
    people, _ = extract("威海市召开项目推进会。", "会议由市长王伟主持。")
    assert person(people, "王伟").roles == ("威海市长",)


def test_enumerated_delegation_members_share_the_first_members_city():
    # Not a visit sentence, and the paper has a host (青岛): the enumeration still decides.
    people, _ = extract(
        "烟台市党政考察团来青考察,青岛市与烟台市签署合作协议。",
        "烟台市委书记张术平,市委副书记、市长陈飞出席签约仪式。市委书记王清宪致辞。",
    )
    assert person(people, "陈飞").roles == ("烟台市委副书记", "烟台市长")
    assert person(people, "王清宪").roles == ("青岛市委书记",)


def test_an_explicit_place_elsewhere_beats_a_contextual_guess():
    people, _ = extract(
        ("威海市委书记张海波率队来青考察。", "威海:接轨青岛"),
        ("青岛市委书记王清宪主持座谈。市委书记张海波说,威海将积极接轨青岛,加强合作。", "威海:接轨青岛"),
    )
    assert person(people, "张海波").roles == ("威海市委书记",)


def test_a_province_is_not_a_city_for_unqualified_roles():
    people, _ = extract("山东省委书记李干杰说,要加快推进胶东经济圈一体化。", "会议由市委书记王伟主持。")
    assert [(p.name, p.roles, p.place) for p in people] == [
        ("李干杰", ("山东省委书记",), "山东"),
        ("王伟", ("市委书记",), None),
    ]


def test_common_words_after_a_title_are_not_names():
    people, _ = extract("市长高度重视此事。记者了解到,书记出席了会议。记者从市政府获悉,项目进展顺利。")
    assert people == []


def test_person_is_frozen_and_json_serialisable():
    people, statements = extract("威海市委书记张海波说,威海将积极接轨青岛,深度融入青岛都市圈。")
    encoded = json.loads(json.dumps([dataclasses.asdict(p) for p in people]))
    assert encoded == [{"name": "张海波", "roles": ["威海市委书记"], "place": "威海", "paragraphs": [1], "kind": "person"}]
    assert json.loads(json.dumps(dataclasses.asdict(statements[0])))["name"] == "张海波"
    with pytest.raises(dataclasses.FrozenInstanceError):
        people[0].name = "王清宪"  # type: ignore[misc]


# --- statements -------------------------------------------------------------------------------------


def test_ju_name_jieshao():
    _, statements = extract("据李明介绍,该项目总投资10亿元,预计明年投产。")
    assert said(statements) == [("李明", "据李明介绍,该项目总投资10亿元,预计明年投产。")]


def test_quotation_before_its_speaker():
    _, statements = extract("记者来到现场。“我们一定会按时完成任务,”王芳说。")
    assert said(statements) == [("王芳", "“我们一定会按时完成任务,”王芳说。")]


def test_quotation_split_around_its_speaker():
    _, statements = extract("“今年的收成很好。”村支书刘建国告诉记者,今年亩产提高了两成。")
    assert said(statements) == [("刘建国", "“今年的收成很好。”村支书刘建国告诉记者,今年亩产提高了两成。")]
    assert statements[0].role == "村支书"


def test_quotation_introduced_by_the_previous_speaker_stays_theirs():
    _, statements = extract("李明说:“我们准备好了。”王芳笑着说,“我们也是,随时可以出发。”")
    assert said(statements) == [
        ("李明", "李明说:“我们准备好了。”"),
        ("王芳", "王芳笑着说,“我们也是,随时可以出发。”"),
    ]


def test_pronoun_follow_up_continues_the_same_statement():
    _, statements = extract("王芳说,今年的目标已经完成。她还表示,明年将继续扩大规模。")
    assert said(statements) == [("王芳", "王芳说,今年的目标已经完成。她还表示,明年将继续扩大规模。")]


def test_pronoun_follow_up_after_another_speaker():
    _, statements = extract("李明表示,合作前景广阔。“我们要抓紧,”王芳说。她强调,时间不等人,必须马上行动。")
    assert said(statements) == [
        ("李明", "李明表示,合作前景广阔。"),
        ("王芳", "“我们要抓紧,”王芳说。她强调,时间不等人,必须马上行动。"),
    ]


def test_pronoun_opening_a_paragraph_continues_the_previous_speaker():
    _, statements = extract(
        "青岛大学教授王立新表示,一体化需要制度创新。", "他说,关键在于打破行政壁垒,实现要素自由流动。"
    )
    assert [(s.name, s.paragraph, s.role) for s in statements] == [
        ("王立新", 1, "青岛大学教授"),
        ("王立新", 2, "青岛大学教授"),
    ]


def test_pronoun_opening_a_paragraph_refers_to_the_only_person_named_before():
    _, statements = extract("副市长张三出席会议。", "他说,要加快项目建设进度,确保年底完工。")
    assert said(statements) == [("张三", "他说,要加快项目建设进度,确保年底完工。")]


def test_pronoun_with_nobody_to_refer_to_is_dropped():
    _, statements = extract("会议在市政府召开。", "他说,要加快项目建设进度,确保年底完工。")
    assert statements == []


def test_two_speakers_in_one_paragraph_split_where_the_second_starts():
    paras = paragraphs("李明表示,合作前景广阔。张华则认为,还需要进一步加强沟通。")
    people = extract_people(paras)
    statements = extract_statements(paras, people)
    assert said(statements) == [("李明", "李明表示,合作前景广阔。"), ("张华", "张华则认为,还需要进一步加强沟通。")]
    assert statements[0].end + 0 <= statements[1].start


def test_two_speakers_in_one_sentence_split_at_the_clause():
    _, statements = extract("李明说,甲项目进展顺利,王芳则表示,乙项目还要再等等。")
    assert said(statements) == [("李明", "李明说,甲项目进展顺利"), ("王芳", "王芳则表示,乙项目还要再等等。")]


@pytest.mark.parametrize("verb", ["指出", "强调", "认为", "透露", "坦言", "称"])
def test_speech_verbs(verb):
    _, statements = extract(f"市长陈飞率队调研。陈飞{verb},要把项目建设作为头等大事来抓。")
    assert said(statements) == [("陈飞", f"陈飞{verb},要把项目建设作为头等大事来抓。")]


def test_adverbials_between_speaker_and_verb():
    _, statements = extract("会上,李明在接受记者采访时表示,企业对前景充满信心。")
    assert said(statements) == [("李明", "会上,李明在接受记者采访时表示,企业对前景充满信心。")]


def test_name_at_paragraph_start_without_title_is_a_person():
    people, statements = extract("刘强说,今年的收成不错,价格也比较稳定。")
    assert people == [Person("刘强", (), None, (1,))]
    assert [(s.name, s.role) for s in statements] == [("刘强", "")]
    assert label(statements[0]) == "刘强"


def test_compound_surname():
    people, statements = extract("欧阳明华说,这是一次难得的机会。")
    assert [p.name for p in people] == ["欧阳明华"]
    assert statements[0].name == "欧阳明华"


def test_surname_and_title_refer_back_to_the_person():
    _, statements = extract("烟台市委书记张术平出席活动。张书记说,烟台将主动融入胶东经济圈。")
    assert said(statements) == [("张术平", "张书记说,烟台将主动融入胶东经济圈。")]


def test_ambiguous_surname_reference_is_not_attributed():
    _, statements = extract(
        "烟台市委书记张术平、威海市委书记张海波出席活动。", "张书记说,要主动融入胶东经济圈。"
    )
    assert statements == []


@pytest.mark.parametrize(
    "text",
    [
        "文件指出,要稳住经济基本盘。",
        "他们认为应当加大投入力度。",
        "正如习近平总书记所说,绿水青山就是金山银山。",
        "王清宪出席会议并讲话,孟凡利主持会议。",
        "古巴称,将继续加强双边合作。",
    ],
)
def test_no_speaker_no_statement(text):
    _, statements = extract(text)
    assert statements == []


def test_statement_offsets_in_later_paragraphs():
    paras = paragraphs(
        ("开头一段没有人说话。", None),
        ("第二段也没有。", "甲"),
        ("威海市委书记张海波说,威海将积极接轨青岛。“我们有信心,”他说。", "乙"),
    )
    people = extract_people(paras)
    (statement,) = extract_statements(paras, people)
    assert statement.start == paras[2].start
    assert statement.end == paras[2].end
    assert article_text(paras)[statement.start : statement.end] == statement.text
    assert statement.section == "乙"


# --- helpers ----------------------------------------------------------------------------------------


def test_label_uses_the_main_job():
    assert label(Person("王清宪", ("省委常委", "青岛市委书记"), "青岛")) == "青岛市委书记王清宪"
    assert label(Person("孟凡利", ("青岛市委副书记", "青岛市长"), "青岛")) == "青岛市长孟凡利"
    assert label(Statement("张海波", "威海市委书记", 1, 0, 3, "张海波", None)) == "威海市委书记张海波"


def test_best_role_falls_back_to_the_first():
    assert best_role(("市委副书记",)) == "市委副书记"
    assert best_role(()) == ""


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("威海市委书记", ("威海", "市委书记")),
        ("潍坊代市长", ("潍坊", "代市长")),
        ("青岛市副市长", ("青岛", "市副市长")),
        ("山东省委书记", ("山东", "省委书记")),
        ("市委副书记", (None, "市委副书记")),
        ("省委常委", (None, "省委常委")),
        ("海尔集团董事长", (None, "海尔集团董事长")),
    ],
)
def test_split_place(role, expected):
    assert split_place(role) == expected
