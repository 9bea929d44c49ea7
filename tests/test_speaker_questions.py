"""Recognising questions about speakers, matching roles, and picking the statements that answer them."""

from __future__ import annotations

import pytest

from index.speakers.matching import find_statements, role_matches
from index.speakers.questions import SpeakerQuestion, normalise_question, parse_speaker_question
from index.speakers.records import Person, Statement

KNOWN = ("张海波", "张术平", "张惠", "惠新安", "王清宪", "孟凡利", "闫剑波")


def what(
    name: str | None = None, place: str | None = None, title: str | None = None, topic: str | None = None
) -> SpeakerQuestion:
    return SpeakerQuestion("what_said", name, place, title, topic)


def who(claim: str, place: str | None = None, title: str | None = None) -> SpeakerQuestion:
    return SpeakerQuestion("who_said", None, place, title, claim)


# --- parsing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("威海书记说了什么", what(place="威海", title="市委书记")),
        ("威海市委书记说了什么？", what(place="威海", title="市委书记")),
        ("威海市书记讲了什么", what(place="威海", title="市委书记")),
        ("烟台市长说了什么", what(place="烟台", title="市长")),
        ("青岛市长表示了什么", what(place="青岛", title="市长")),
        ("日照市委书记说什么", what(place="日照", title="市委书记")),
        ("山东书记怎么评价", what(place="山东", title="省委书记")),
        ("威海市委副书记提出了什么", what(place="威海", title="市委副书记")),
        ("潍坊人大常委会主任说了什么", what(place="潍坊", title="人大常委会主任")),
        ("书记说了什么", what(title="市委书记")),
        ("张海波说了什么", what(name="张海波")),
        ("请问惠新安说了什么?", what(name="惠新安")),
        ("日照市委书记张惠说了什么", what(name="张惠", place="日照", title="市委书记")),
        ("张海波书记讲了什么", what(name="张海波", title="市委书记")),
        ("王清宪对威海说了什么", what(name="王清宪", topic="威海")),
        ("王清宪关于胶东经济圈说了什么", what(name="王清宪", topic="胶东经济圈")),
        ("王清宪在威海座谈会上说了什么", what(name="王清宪", topic="威海座谈会")),
        ("张海波怎么看青岛", what(name="张海波", topic="青岛")),
        ("张海波对青岛怎么看", what(name="张海波", topic="青岛")),
        ("张术平如何评价青岛", what(name="张术平", topic="青岛")),
        ("王清宪的讲话", what(name="王清宪")),
        ("孟凡利的讲话内容是什么", what(name="孟凡利")),
        ("王清宪同志都说了些什么", what(name="王清宪")),
    ],
)
def test_what_said(question, expected):
    assert parse_speaker_question(question, KNOWN) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("谁说对接青岛就是对接世界", who("对接青岛就是对接世界")),
        ("谁说过“对接青岛就是对接世界”？", who("对接青岛就是对接世界")),
        ("对接青岛就是对接世界是谁说的", who("对接青岛就是对接世界")),
        ("“对接青岛就是对接世界”这句话是谁说的", who("对接青岛就是对接世界")),
        ("谁表示要把胶东经济圈打造成为产业共同体", who("要把胶东经济圈打造成为产业共同体")),
        ("哪位书记说对接青岛就是对接世界", who("对接青岛就是对接世界", title="市委书记")),
        ("谁强调：发挥各自特色", who("发挥各自特色")),
        ("是谁说的对接青岛就是对接世界", who("对接青岛就是对接世界")),
    ],
)
def test_who_said(question, expected):
    assert parse_speaker_question(question, KNOWN) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("威海書記說了甚麼？", what(place="威海", title="市委书记")),
        ("煙臺市委書記講了什麼", what(place="烟台", title="市委书记")),
        ("張海波說了什麼", what(name="张海波")),
        ("王清憲對威海說了什麼", what(name="王清宪", topic="威海")),
        ("誰說對接青島就是對接世界", who("对接青岛就是对接世界")),
    ],
)
def test_traditional_script(question, expected):
    assert parse_speaker_question(question, KNOWN) == expected


@pytest.mark.parametrize(
    "question",
    [
        "烟台市委书记是谁",
        "谁是烟台市委书记",
        "座谈会由谁主持",
        "谁主持了座谈会",
        "谁率领了烟台市党政考察团",
        "火星上有没有水",
        "胶东经济圈包括哪些城市",
        "他说了什么",
        "文章说了什么",
        "谁说了什么",
        "青岛说了什么",
        "谁称霸了胶东半岛",
        # Two people: answering for either alone would misquote the question.
        "张海波和张术平说了什么",
        "",
        "   ",
        "？",
    ],
)
def test_not_a_speaker_question(question):
    assert parse_speaker_question(question, KNOWN) is None


def test_known_names_recognise_names_with_rare_surnames():
    assert parse_speaker_question("哈斯说了什么") is None
    assert parse_speaker_question("哈斯说了什么", ["哈斯"]) == what(name="哈斯")


def test_known_names_in_traditional_script_still_match():
    assert parse_speaker_question("王清宪说了什么", ["王清憲"]) == what(name="王清宪")


def test_normalise_question():
    assert normalise_question(" 请问，威海書記說了甚麼？ ") == "威海书记说了什么"


# --- role matching ----------------------------------------------------------------------------------

ZHANG = Person("张海波", ("威海市委书记",), "威海")
YAN = Person("闫剑波", ("威海市委副书记", "威海代市长"), "威海")
WANG = Person("王清宪", ("省委常委", "青岛市委书记"), "青岛")
MENG = Person("孟凡利", ("青岛市委副书记", "青岛市长"), "青岛")
DEPUTY = Person("张三", ("青岛市副市长",), "青岛")
HUI = Person("惠新安", ("潍坊市委书记", "潍坊市人大常委会主任"), "潍坊")
REPORTER = Person("刘鑫", ("半岛记者",), None)


@pytest.mark.parametrize(
    ("place", "title", "person", "matches"),
    [
        ("威海", "市委书记", ZHANG, True),
        ("威海市", "市委书记", ZHANG, True),
        (None, "市委书记", ZHANG, True),
        ("烟台", "市委书记", ZHANG, False),
        ("威海", "市长", ZHANG, False),
        # A deputy secretary is not the secretary; an acting mayor is the mayor.
        ("威海", "市委书记", YAN, False),
        ("威海", "市委副书记", YAN, True),
        ("威海", "市长", YAN, True),
        ("威海", "代市长", YAN, True),
        ("青岛", "市委书记", WANG, True),
        (None, "常委", WANG, True),
        ("青岛", "市长", WANG, False),
        ("青岛", "市长", MENG, True),
        ("青岛", "市长", DEPUTY, False),
        ("青岛", "副市长", DEPUTY, True),
        ("潍坊", "人大常委会主任", HUI, True),
        ("潍坊", "主任", HUI, True),
        (None, "记者", REPORTER, True),
        ("威海", None, ZHANG, True),
        (None, None, ZHANG, False),
    ],
)
def test_role_matches(place, title, person, matches):
    assert role_matches(what(place=place, title=title), person) is matches


def test_role_matches_from_a_parsed_question():
    question = parse_speaker_question("威海书记说了什么")
    assert question is not None
    assert [p.name for p in (ZHANG, YAN, WANG, MENG) if role_matches(question, p)] == ["张海波"]


# --- finding statements -----------------------------------------------------------------------------


def statement(name: str, role: str, text: str, section: str | None = None, paragraph: int = 1) -> Statement:
    return Statement(name, role, paragraph, 0, len(text), text, section)


DEPUTY_A = Person("张三", ("青岛市副市长",), "青岛")
DEPUTY_B = Person("李四", ("青岛市副市长",), "青岛")
PEOPLE = [ZHANG, WANG, MENG, DEPUTY_A, DEPUTY_B]
STATEMENTS = [
    statement("王清宪", "青岛市委书记", "王清宪表示,青岛将更多承担一体化的责任。", "威海:接轨青岛", 1),
    statement("张海波", "威海市委书记", "张海波说,威海将积极接轨青岛,深度融入青岛都市圈。", "威海:接轨青岛", 2),
    statement("王清宪", "青岛市委书记", "王清宪表示,五市情同手足,大家都是主角。", "日照:共享一扇窗", 3),
    statement("张三", "青岛市副市长", "张三说,要加快项目建设进度。", None, 4),
    statement("李四", "青岛市副市长", "李四表示,将全力做好服务保障。", None, 5),
]


def test_find_by_role():
    found = find_statements(what(place="威海", title="市委书记"), PEOPLE, STATEMENTS)
    assert [s.paragraph for s in found] == [2]


def test_find_by_a_role_two_people_hold():
    found = find_statements(what(place="青岛", title="副市长"), PEOPLE, STATEMENTS)
    assert [s.name for s in found] == ["张三", "李四"]


def test_role_holder_without_statements_gets_none_of_anyone_elses():
    assert find_statements(what(place="青岛", title="市长"), PEOPLE, STATEMENTS) == []


def test_topic_prefers_the_statement_in_that_section():
    found = find_statements(what(name="王清宪", topic="日照"), PEOPLE, STATEMENTS)
    assert [s.paragraph for s in found] == [3]


def test_unmatched_topic_keeps_all_of_the_speakers_statements():
    found = find_statements(what(name="王清宪", topic="火星"), PEOPLE, STATEMENTS)
    assert [s.paragraph for s in found] == [1, 3]


def test_who_said_matches_verbatim_ignoring_punctuation():
    found = find_statements(who("五市情同手足大家都是主角"), PEOPLE, STATEMENTS)
    assert [s.paragraph for s in found] == [3]


def test_who_said_matches_a_paraphrase_closely_enough():
    found = find_statements(who("威海要积极接轨青岛"), PEOPLE, STATEMENTS)
    assert [s.name for s in found] == ["张海波"]


def test_who_said_something_nobody_said():
    assert find_statements(who("火星上有水"), PEOPLE, STATEMENTS) == []


def test_who_said_with_a_role_filters_speakers():
    assert find_statements(who("青岛将更多承担一体化的责任", title="市长"), PEOPLE, STATEMENTS) == []
    found = find_statements(who("青岛将更多承担一体化的责任", title="市委书记"), PEOPLE, STATEMENTS)
    assert [s.paragraph for s in found] == [1]


def test_name_without_a_person_record_still_finds_their_statements():
    untitled = [statement("刘强", "", "刘强说,今年的收成不错。")]
    assert find_statements(what(name="刘强"), [], untitled) == untitled


@pytest.mark.parametrize(
    ("question", "name", "topic"),
    [
        ("王清宪希望把胶东经济圈建成什么", "王清宪", "把胶东经济圈建成"),
        ("张海波提出要加强哪些合作", "张海波", "要加强合作"),
    ],
)
def test_speech_verb_questions_ask_for_statements(question: str, name: str, topic: str) -> None:
    parsed = parse_speaker_question(question, ["王清宪", "张海波"])
    assert parsed is not None and parsed.kind == "what_said"
    assert (parsed.name, parsed.topic) == (name, topic)


@pytest.mark.parametrize("question", ["青岛作为牵头城市要做什么", "人们希望得到什么", "大家认为哪个方案好"])
def test_speech_verbs_without_a_speaker_are_not_speaker_questions(question: str) -> None:
    assert parse_speaker_question(question, ["王清宪"]) is None


def test_prepared_names_are_simplified_once_and_taken_as_they_are(monkeypatch):
    from index.speakers import names as names_module
    from index.speakers import questions

    calls = []
    real = names_module.simplify_many

    def counting(texts):
        calls.append(len(texts))
        return real(texts)

    # Names are converted by index.speakers.names (the index's name tables use it without the questions).
    monkeypatch.setattr(names_module, "simplify_many", counting)
    names = questions.prepared_names(["王清憲", "哈斯", "張海波"])
    assert names == frozenset({"王清宪", "哈斯", "张海波"}) and calls == [3]  # one batch for every name
    for question in ("王清宪说了什么", "哈斯说了什么", "張海波講了些什麼"):
        assert parse_speaker_question(question, names) is not None
    assert calls == [3]  # questions convert no name again
    assert parse_speaker_question("哈斯说了什么", names) == what(name="哈斯")


def test_many_known_names_still_parse_like_few():
    # A thousand written names around the ones asked about: the lookups are set lookups.
    many = {f"{s}{g}" for s in "王李张刘陈杨黄赵吴周" for g in (f"{a}{b}" for a in "伟芳娜秀英敏静丽强磊" for b in "军洋勇艳杰娟涛明超兰")}
    names = frozenset(many | {"哈斯", "王清宪"})
    assert len(names) > 1000
    assert parse_speaker_question("哈斯说了什么", names) == what(name="哈斯")
    assert parse_speaker_question("王清宪说了什么", names) == parse_speaker_question("王清宪说了什么", ["王清宪"])
    assert parse_speaker_question("青岛说了什么", names) is None
