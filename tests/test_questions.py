"""Question analysis: content segments without question words, the asked-for type, quoted words."""

from __future__ import annotations

import pytest

from index.normalization import normalise_question
from index.questions import analyse, answer_type, content_segments


@pytest.mark.parametrize(
    ("question", "content"),
    [
        ("滨江市长叫什么名字", ("滨江市长",)),
        ("李明远做了什么", ("李明远",)),
        # A speech verb before the question word frames the question: 提出 is not what to find.
        ("东港提出了哪几个目标", ("东港", "目标")),
        ("东港提出了哪些目标", ("东港", "目标")),
        ("那座大桥有多长", ("那座大桥",)),
        ("新机场是哪一年建成的", ("新机场", "建成")),
        ("为啥要推迟开学", ("要推迟开学",)),
        ("水库的蓄水量是多少", ("水库", "蓄水量")),
        ("会议是谁主持的", ("会议", "主持")),
        ("那个工厂一共有多少名员工", ("工厂一共", "员工")),
        ("咱们省去年粮食产量多少吨", ("省去年粮食产量", "吨")),
        ("他们在哪里签的合同", ("签", "合同")),
        ("请问，新校区什么时候启用？", ("新校区", "启用")),
        ("这种病毒有没有疫苗", ("病毒", "疫苗")),
        ("西湖大桥能不能通车了", ("西湖大桥", "通车")),
        # 的 and 了 inside words stay: 目的, 了解.
        ("这次调研的目的是什么", ("调研", "目的")),
        ("市民了解新政策吗", ("市民了解新政策",)),
        # 任何 and 如何 hold no question: 任何地方 is content.
        ("任何地方都能买到吗", ("任何地方都能买到",)),
        # Numbers, Latin words and decimals are content.
        ("PM2.5浓度下降了多少", ("PM2.5浓度下降",)),
        ("iPhone 15卖多少钱", ("iPhone 15卖",)),
        ("Quantum chromodynamics lattice", ("Quantum chromodynamics lattice",)),
        # Traditional script is simplified first.
        ("臺北市長說了什麼", ("台北市长",)),
    ],
)
def test_content_segments_leave_out_question_words(question: str, content: tuple[str, ...]) -> None:
    assert analyse(question).content == content


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("滨江市长叫什么名字", "person"),
        ("这项发明是谁做出的", "person"),
        ("担任组长的是哪位工程师", "person"),
        ("新机场是哪一年建成的", "date"),
        ("新校区什么时候启用", "date"),
        ("大桥几月几号通车", "date"),
        ("工程持续了多久", "duration"),
        ("男方可以休几天假", "duration"),
        ("货物是从哪里运来的", "place"),
        ("这种茶叶产自什么地方", "place"),
        ("那个工厂一共有多少名员工", "number"),
        ("大坝有多高", "number"),
        ("决赛比分是多少", "number"),
        ("东港提出了哪几个目标", "list"),
        ("试点城市有哪些", "list"),
        ("为什么要推迟开学", "reason"),
        ("他当过哪些官", "role"),
        ("她担任什么职务", "role"),
        ("这个问题怎么解决", "manner"),
        ("北京明天会下雨吗", "yesno"),
        ("居民能不能免费乘车", "yesno"),
        ("这款芯片叫什么", "definition"),
        ("新政策", None),
    ],
)
def test_answer_type(question: str, asks: str | None) -> None:
    assert analyse(question).asks == asks


def test_speaker_questions_ask_for_a_statement_or_a_person() -> None:
    said = analyse("李明远说了什么", ["李明远"])
    assert said.speaker is not None and said.speaker.name == "李明远"
    assert said.asks == "statement" and said.content == ("李明远",)
    who = analyse("谁说“明年一定建成”")
    assert who.speaker is not None and who.speaker.kind == "who_said"
    assert who.asks == "person" and who.quoted == ("明年一定建成",)
    assert who.content == ("明年一定建成",)


def test_quoted_words_in_any_quotation_marks() -> None:
    assert analyse("「一起向未来」是谁提出的").quoted == ("一起向未来",)
    assert analyse("‘绿色通道’开通了吗").quoted == ("绿色通道",)


def test_terms_never_pair_across_a_question_word() -> None:
    question = analyse("滨江市长叫什么名字")
    terms = question.terms({"滨江市"})
    assert {"滨江", "市长", "滨江市"} <= set(terms)
    assert not {"长叫", "叫", "什么", "名字", "名", "字"} & set(terms)
    worker = analyse("李明远做了什么").terms(set())
    assert "远做" not in worker and "做" not in worker and "李明" in worker


def test_terms_of_a_question_made_only_of_question_words_fall_back_to_the_whole() -> None:
    question = analyse("是什么")
    assert question.content == ()
    assert question.terms(set()) == []  # nothing to match: no term is better than a question word
    assert analyse("说了什么").terms(set()) == []


def test_helpers_work_on_normalised_text() -> None:
    text = normalise_question("請問，新機場是哪一年建成的？")
    assert text == "新机场是哪一年建成的"
    assert content_segments(text) == ("新机场", "建成")
    assert answer_type(text) == "date"


def test_normalise_keeps_one_space_between_latin_words() -> None:
    assert normalise_question("  What   is  含光 800 ？") == "What is含光800"
