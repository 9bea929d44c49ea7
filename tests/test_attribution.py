"""Who said what, through the engine: the issue's questions on the sample, and updates."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import NotFound, QuoteEngine, Reason


@pytest.mark.parametrize(
    ("question", "starts", "name", "role"),
    [
        ("威海书记说了什么", "张海波说,威海与青岛合作基础扎实", "张海波", "威海市委书记"),
        ("威海書記說了什麼", "张海波说,威海与青岛合作基础扎实", "张海波", "威海市委书记"),
        ("张海波说了什么", "张海波说,威海与青岛合作基础扎实", "张海波", "威海市委书记"),
        ("烟台市委书记说了什么", "张术平说,青岛是全省经济发展的“火车头”", "张术平", "烟台市委书记"),
        ("日照市委书记张惠说了什么", "日照市委书记张惠说,胶东经济圈一体化对日照是一次重大发展机遇", "张惠", "日照市委书记"),
        ("惠新安说了什么", "惠新安说,潍坊、青岛两市地域相连", "惠新安", "潍坊市委书记"),
        ("谁说对接青岛就是对接世界", "张术平说,青岛是全省经济发展的“火车头”", "张术平", "烟台市委书记"),
    ],
)
def test_speaker_questions_on_the_sample(engine: QuoteEngine, question: str, starts: str, name: str, role: str) -> None:
    answer = engine.ask(question)
    assert answer.found
    top = answer.quotes[0]
    assert top.text.startswith(starts)
    assert top.speaker is not None and (top.speaker.name, top.speaker.role) == (name, role)
    # Every quote of a speaker answer is that speaker's own words.
    assert all(q.speaker is not None and q.speaker.name == name for q in answer.quotes)


def test_words_to_one_city_come_from_that_section(engine: QuoteEngine) -> None:
    top = engine.ask("王清宪对威海说了什么").quotes[0]
    assert top.speaker is not None and top.speaker.name == "王清宪"
    assert top.section == "威海:将积极接轨青岛"
    assert top.text.startswith("王清宪表示,胶东经济圈既有人口和经济体量的优势")


def test_a_silent_office_holder_is_never_quoted(engine: QuoteEngine) -> None:
    answer = engine.ask("青岛市长说了什么")
    assert isinstance(answer, NotFound) and answer.reason is Reason.PERSON_NOT_QUOTED
    assert answer.asked == "青岛市长"
    assert [(m.name, m.role, m.article_id) for m in answer.mentions] == [
        ("孟凡利", "青岛市长", "jiaodong-economic-circle")
    ]
    nobody = engine.ask("济南市委书记说了什么")
    assert isinstance(nobody, NotFound) and nobody.reason is Reason.ROLE_NOT_HELD and nobody.mentions == []


def test_plain_quotes_are_labelled_when_inside_a_statement(engine: QuoteEngine) -> None:
    answer = engine.ask("威海与青岛合作基础扎实前景广阔")
    top = answer.quotes[0]
    assert "威海与青岛合作基础扎实" in top.text
    assert top.speaker is not None and top.speaker.name == "张海波"


def test_people_follow_index_add_and_remove(engine: QuoteEngine, tmp_path: Path) -> None:
    path = tmp_path / "jinan.txt"
    path.write_text(
        "济南召开座谈会\n\n　　6月1日，济南市委书记刘强主持召开座谈会。\n\n"
        "　　刘强表示，济南将全力支持胶东经济圈建设，加强省会经济圈与胶东经济圈的联动。\n",
        encoding="utf-8",
    )
    engine.add_files([path])
    answer = engine.ask("济南市委书记说了什么")
    assert answer.found and answer.quotes[0].speaker is not None
    assert answer.quotes[0].speaker.name == "刘强"
    assert answer.quotes[0].text.startswith("刘强表示，济南将全力支持胶东经济圈建设")
    engine.remove("jinan")
    assert not engine.ask("济南市委书记说了什么").found


def test_a_name_no_article_mentions_is_explained_as_such(engine: QuoteEngine) -> None:
    answer = engine.ask("欧阳振华说了什么")
    assert isinstance(answer, NotFound) and answer.reason is Reason.NOT_MENTIONED
    assert answer.asked == "欧阳振华" and answer.mentions == []
