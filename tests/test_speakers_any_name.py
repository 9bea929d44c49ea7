"""Speakers beyond the surname list: tagged and dotted names, organisations, unnamed people, interviews,
traditional script, and the questions that ask about them. Every sentence here is written for the test."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from index.records import Paragraph
from index.speakers.attribution import extract as extract_dicts
from index.speakers.matching import find_statements, role_matches, speaks_for
from index.speakers.names import tagged_names
from index.speakers.people import extract_people
from index.speakers.questions import SpeakerQuestion, parse_speaker_question
from index.speakers.records import Person, Statement
from index.speakers.statements import extract_statements


def paragraphs(*texts: str) -> list[Paragraph]:
    result: list[Paragraph] = []
    offset = 0
    for number, text in enumerate(texts, start=1):
        result.append(Paragraph(number, text, None, offset, offset + len(text)))
        offset += len(text) + 2
    return result


def extract(*texts: str, tagged: Sequence[str] = ()) -> tuple[list[Person], list[Statement]]:
    paras = paragraphs(*texts)
    people = extract_people(paras, tagged)
    statements = extract_statements(paras, people)
    article = "\n\n".join(texts)
    assert all(article[s.start : s.end] == s.text for s in statements)
    return people, statements


def said(statements: Sequence[Statement]) -> list[tuple[str, str]]:
    return [(s.name, s.text) for s in statements]


def kinds(people: Sequence[Person]) -> dict[str, str]:
    return {p.name: p.kind for p in people}


# --- names ------------------------------------------------------------------------------------------


def test_a_tagged_name_after_a_title_is_read_whatever_its_surname() -> None:
    people, statements = extract("球队主教练那日松表示,下一场比赛会更加困难。", tagged=["那日松"])
    assert [(p.name, p.roles) for p in people] == [("那日松", ("球队主教练",))]
    assert said(statements) == [("那日松", "球队主教练那日松表示,下一场比赛会更加困难。")]


def test_a_tagged_name_only_mentioned_is_kept_as_a_mention() -> None:
    people, statements = extract("会场外停着那日松的白色汽车。", "赵刚说,会议开得很成功。", tagged=["那日松"])
    assert kinds(people) == {"赵刚": "person", "那日松": "mention"}
    assert [s.name for s in statements] == ["赵刚"]


def test_dotted_names_join_the_parts_the_tagger_cut() -> None:
    tokens = [("司法部长", "n"), ("梅里", "nrt"), ("克", "m"), ("·", "x"), ("加兰", "ns"), ("表示", "v")]
    assert tagged_names(tokens) == {"梅里克·加兰"}
    # A title before the first part is not part of the name; the tagged part is a name of its own.
    tokens = [("市长", "n"), ("简", "a"), ("·", "x"), ("卡斯特", "nrt"), ("在", "p")]
    assert tagged_names(tokens) == {"简·卡斯特"}
    # A dotted organisation is no name.
    assert tagged_names([("约翰斯", "nrt"), ("·", "x"), ("霍普金斯大学", "nt")]) == {"约翰斯"}


def test_a_dotted_name_is_quoted_by_its_last_part_too() -> None:
    _, statements = extract(
        "市长简·卡斯特周二表示,全市将推行新规。", "卡斯特还说,新规下月生效。", tagged=["简·卡斯特"]
    )
    assert [s.name for s in statements] == ["简·卡斯特", "简·卡斯特"]


# --- organisations and people without a name ----------------------------------------------------------


def test_an_organisation_speaks() -> None:
    people, statements = extract("苹果公司9日对记者表示,新款手机将于下月上市。", "警方通报称,嫌疑人已被抓获。")
    assert kinds(people) == {"苹果公司": "organisation", "警方": "organisation"}
    assert said(statements) == [
        ("苹果公司", "苹果公司9日对记者表示,新款手机将于下月上市。"),
        ("警方", "警方通报称,嫌疑人已被抓获。"),
    ]


def test_a_company_is_quoted_without_its_suffix_once_named() -> None:
    _, statements = extract("苹果公司周二表示,将对判决提出上诉。", "苹果在给法院的信中表示,指控没有依据。")
    assert [s.name for s in statements] == ["苹果公司", "苹果公司"]


def test_an_unnamed_person_speaks() -> None:
    people, statements = extract("工会负责人表示,罢工将持续到周末。", "一个小男孩对民警说,他找不到妈妈了。")
    assert kinds(people) == {"工会负责人": "unnamed", "一个小男孩": "unnamed"}
    assert [s.name for s in statements] == ["工会负责人", "一个小男孩"]


def test_a_clause_is_no_organisation() -> None:
    _, statements = extract("记者从市政府了解到,新规下月生效。", "正如习近平总书记所说,绿水青山就是金山银山。")
    assert statements == []


# --- quotes, interviews and first person ---------------------------------------------------------------


def test_traditional_script_is_read_in_simplified_and_quoted_in_its_own() -> None:
    people, statements = extract_dicts(paragraphs("隊長李華則說：「我們明天一定出發。」"))
    assert [(p["name"], p["roles"]) for p in people] == [("李华", ("队长",))]
    assert [(s["name"], s["text"]) for s in statements] == [("李华", "隊長李華則說：「我們明天一定出發。」")]


def test_a_line_naming_the_speaker_gives_them_the_first_person_text_after_it() -> None:
    _, statements = extract(
        "市政府新闻发言人 赵敏",
        "各位记者朋友，大家好。",
        "今天我向大家通报全市防汛工作的情况，各区已经完成堤防巡查。",
    )
    assert [s.name for s in statements] == ["赵敏", "赵敏"]


def test_interview_lines_belong_to_the_person_they_name() -> None:
    _, statements = extract(
        "记者专访了农场主王强。", "记者：今年的目标是什么？", "王强：我们要把产量翻一番。"
    )
    assert said(statements) == [("王强", "我们要把产量翻一番。")]


def test_a_clause_going_on_from_its_subject() -> None:
    _, statements = extract("庭审中，被告人赵刚进行了最后陈述，并当庭表示认罪悔罪。")
    assert [s.name for s in statements] == ["赵刚"]


# --- pronouns ----------------------------------------------------------------------------------------


def test_a_pronoun_after_two_people_is_not_attributed() -> None:
    _, statements = extract("市长李明和副市长王芳出席了会议。他表示,项目将按期完工。")
    assert statements == []


def test_a_pronoun_after_one_person_is_theirs() -> None:
    _, statements = extract("市长李明出席了会议。他表示,项目将按期完工。")
    assert [s.name for s in statements] == ["李明"]


# --- questions ---------------------------------------------------------------------------------------


def what(
    name: str | None = None, place: str | None = None, title: str | None = None, topic: str | None = None
) -> SpeakerQuestion:
    return SpeakerQuestion("what_said", name, place, title, topic)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("东港的书记讲了些什么", what(place="东港", title="市委书记")),
        ("阳新县委书记说了什么", what(place="阳新", title="县委书记")),
        ("西宁纪委书记说了什么", what(place="西宁", title="纪委书记")),
        ("西宁市纪委书记谈了些什么", what(place="西宁", title="市纪委书记")),
        ("东方集团董事长怎么说", what(place="东方集团", title="董事长")),
        ("李华对记者说了什么", what(name="李华", topic="记者")),
        ("李华在发布会上说了什么", what(name="李华", topic="发布会")),
        ("李华在签约仪式上提到了啥", what(name="李华", topic="签约仪式")),
        ("李华赛后发文讲了些什么", what(name="李华", topic="赛后发文")),
        ("李华有什么建议", what(name="李华", topic="建议")),
        ("李华是怎么回应批评的", what(name="李华", topic="批评")),
        ("李华怎么道歉的", what(name="李华", topic="道歉")),
        ("李华讲了些什么关于防汛的", what(name="李华", topic="防汛")),
        ("李华的讲话内容", what(name="李华")),
        ("李華說了什麼", what(name="李华")),
    ],
)
def test_what_said_in_its_common_forms(question: str, expected: SpeakerQuestion) -> None:
    assert parse_speaker_question(question) == expected


def test_subjects_without_a_name() -> None:
    apple = parse_speaker_question("苹果是怎么回应的", ["苹果公司"])
    assert apple is not None and apple.subject == "苹果"
    boy = parse_speaker_question("小男孩对民警说了什么")
    assert boy is not None and (boy.name, boy.subject, boy.topic) == (None, "小男孩", "民警")
    kin = parse_speaker_question("赵刚的女儿怎么看")
    assert kin is not None and (kin.place, kin.title) == ("赵刚", "女儿")


@pytest.mark.parametrize("question", ["东港提出了哪几个目标", "青岛说了什么", "李华和王芳说了什么", "人们希望得到什么"])
def test_not_speaker_questions(question: str) -> None:
    assert parse_speaker_question(question) is None


def test_a_guessed_name_ends_where_a_name_can() -> None:
    parsed = parse_speaker_question("武平发布会上通报的内容是什么")
    assert parsed is not None and parsed.name == "武平"


# --- matching ----------------------------------------------------------------------------------------


def test_an_organisation_asked_by_its_short_name_holds_its_role() -> None:
    chairman = Person("周明", ("浙江东方控股集团董事长",), None)
    assert role_matches(what(place="东方", title="董事长"), chairman)
    assert not role_matches(what(place="西方", title="董事长"), chairman)


def test_a_role_without_its_country_matches_when_the_article_names_the_country() -> None:
    minister = Person("孙莉", ("司法部长",), None)
    asked = what(place="美国司法", title="部长")
    assert role_matches(asked, minister, mentioned=lambda word: word == "美国")
    assert not role_matches(asked, minister, mentioned=lambda word: False)
    # A role with its own organisation is not another organisation's.
    ceo = Person("魏东", ("星旅网CEO",), None)
    assert not role_matches(what(place="京东", title="CEO"), ceo, mentioned=lambda word: True)


def test_speakers_without_a_name_are_matched_by_their_words() -> None:
    union = Person("法国总工会负责人", (), None, (), "unnamed")
    apple = Person("苹果公司", (), None, (), "organisation")
    managers = Person("上述中层管理人员", (), None, (), "unnamed")

    def asked(subject: str) -> SpeakerQuestion:
        return SpeakerQuestion("what_said", None, None, None, None, subject)

    assert speaks_for(asked("法国总工会负责人"), union)
    assert speaks_for(asked("苹果"), apple) and not speaks_for(asked("苹果"), union)
    assert speaks_for(asked("东光电子中层管理人员"), managers, mentioned=lambda word: word == "东光电子")
    assert not speaks_for(asked("东光电子中层管理人员"), managers, mentioned=lambda word: False)


def test_statements_dwelling_on_the_topic_come_first() -> None:
    person = Person("李华", (), None)
    statements = [
        Statement("李华", "", 1, 0, 10, "李华表示,防汛工作已经部署。", None),
        Statement("李华", "", 2, 0, 10, "李华指出,防汛要早,防汛要细,防汛要实。", None),
    ]
    found = find_statements(what(name="李华", topic="防汛"), [person], statements)
    assert [s.paragraph for s in found] == [2, 1]


def test_the_line_opening_the_first_section_names_who_speaks_in_a_transcript() -> None:
    # The cleaner makes the line under the headline ("发言人 …") the first section of the text.
    texts = ("各位记者朋友：大家好。今天由我来向大家介绍本次展会的筹备情况。", "我们共邀请了三百家企业参展，展期五天。")
    paras = [
        Paragraph(number, text, "临川市会展办新闻发言人 孟思远", offset, offset + len(text))
        for number, (text, offset) in enumerate(zip(texts, (0, 40), strict=True))
    ]
    people, statements = extract_dicts(paras)
    speaker = next(p for p in people if p["name"] == "孟思远")
    assert speaker["roles"] == ("临川市会展办新闻发言人",) and speaker["paragraphs"] == (0,)
    assert [(s["name"], s["paragraph"]) for s in statements] == [("孟思远", 0), ("孟思远", 1)]
    assert statements[1]["text"] == texts[1]


def test_a_salutation_under_the_speaker_line_is_no_statement() -> None:
    _, statements = extract(
        "市政府新闻发言人 赵敏",
        "女士们、先生们：",
        "今天我向大家通报全市防汛工作的情况，各区已经完成堤防巡查。",
    )
    assert [(s.name, s.paragraph) for s in statements] == [("赵敏", 3)]
