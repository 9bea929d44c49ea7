from __future__ import annotations

import random

import numpy as np

from index.quoting import QuoteWeights, RunMemo, answer_type, matched_spans, select_run
from index.records import Calibration, Paragraph
from index.search import Query
from index.sentences import split_sentences

TEXT = (
    "黑褐新箭雀鲷，俗名厚壳仔，为雀鲷科的其中一种。"
    "本鱼分布于印度太平洋区，包括红海、琉球群岛等海域。"
    "体长可达10公分。"
    "本鱼栖息在珊瑚礁密生的礁湖，以摄食藻类为生。"
)


def _query(text: str, weights: dict[str, float]) -> Query:
    return Query(text, list(weights), weights, np.zeros(4, dtype=np.float32))


def _quote(query: Query, topic: str = "", weights: QuoteWeights | None = None) -> str:
    paragraph = Paragraph(0, TEXT, None, 0, len(TEXT))
    lo, hi = select_run(paragraph, query, {}, Calibration(0.8, 0.95), weights or QuoteWeights(), topic=topic)
    return TEXT[lo:hi]


def test_answer_types() -> None:
    assert answer_type("这条鱼分布在哪里")[0] == "place"  # type: ignore[index]
    assert answer_type("哪一年成立")[0] == "time"  # type: ignore[index]
    assert answer_type("體長有多少公分")[0] == "number"  # type: ignore[index]
    assert answer_type("它又叫什么")[0] == "alias"  # type: ignore[index]
    assert answer_type("为什么关闭")[0] == "cause"  # type: ignore[index]
    assert answer_type("小说的作者是谁")[0] == "creator"  # type: ignore[index]
    assert answer_type("座谈会由谁主持")[0] == "creator"  # type: ignore[index]
    assert answer_type("今天天气好") is None


def test_topic_words_find_the_paragraph_not_the_sentence() -> None:
    query = _query("黑褐新箭雀鲷栖息在什么环境", {"黑褐新箭雀鲷": 8.0, "栖息": 3.0, "环境": 2.0})
    # Without the discount the name in the first sentence outweighs everything else.
    undiscounted = _quote(query, topic="", weights=QuoteWeights(max_run_chars=30))
    assert undiscounted.startswith("黑褐新箭雀鲷")
    assert _quote(query, topic="黑褐新箭雀鲷", weights=QuoteWeights(max_run_chars=30)) == (
        "本鱼栖息在珊瑚礁密生的礁湖，以摄食藻类为生。"
    )


def test_a_run_grows_only_with_new_evidence() -> None:
    query = _query("分布于哪些海域，体长多少", {"分布": 3.0, "海域": 2.0, "体长": 3.0})
    quote = _quote(query)
    assert quote == "本鱼分布于印度太平洋区，包括红海、琉球群岛等海域。体长可达10公分。"
    # With a budget too small for both, the better single sentence wins.
    assert _quote(query, weights=QuoteWeights(max_run_chars=20)).startswith("本鱼分布于")


def test_matched_spans_in_the_texts_own_script() -> None:
    assert matched_spans("張海波說，威海與青島合作", ["张海波", "威海", "青岛", "x"]) == ("張海波", "威海", "青島")


def test_a_run_never_starts_inside_the_dateline() -> None:
    lead = "新华社北京5月14日电（记者 王小明）"
    text = lead + "国务院新闻办公室14日举行新闻发布会。发言人表示，经济运行总体平稳。"
    paragraph = Paragraph(0, text, None, 0, len(text), len(lead))
    # The dateline's own words are asked for: still, the run starts after it.
    query = _query("新华社记者王小明报道了什么发布会", {"新华社": 5.0, "王小明": 5.0, "发布会": 2.0})
    lo, _ = select_run(paragraph, query, {}, Calibration(0.8, 0.95))
    assert lo == len(lead) and text[lo:].startswith("国务院新闻办公室")
    single = Paragraph(0, lead + "发布会14日举行", None, 0, len(lead) + 8, len(lead))
    assert select_run(single, query, {}, Calibration(0.8, 0.95)) == (len(lead), len(single.text))


def test_after_lead_cuts_a_statement_that_opens_with_the_dateline() -> None:
    from index.quoting import after_lead
    from index.records import Quote

    lead = "新华社北京5月14日电 "
    text = lead + "发言人付凌晖说，经济运行总体平稳。"
    paragraph = Paragraph(2, text, None, 100, 100 + len(text), len(lead) - 1)
    quote = Quote(text, "a", "标题", None, 2, 100, 100 + len(text), 1.0, text, matched=("新华社", "付凌晖"))
    cut = after_lead(quote, paragraph)
    assert cut is not None and cut.text == "发言人付凌晖说，经济运行总体平稳。"
    assert (cut.start, cut.end) == (100 + len(lead), quote.end) and cut.matched == ("付凌晖",)
    inside = Quote("新华社北京", "a", "标题", None, 2, 100, 105, 1.0, text)
    assert after_lead(inside, paragraph) is None
    later = Quote("经济运行总体平稳。", "a", "标题", None, 2, quote.end - 9, quote.end, 1.0, text)
    assert after_lead(later, paragraph) is later


def test_a_long_statement_keeps_the_part_about_the_question() -> None:
    from index.quoting import bound_quote
    from index.records import Quote

    text = ("周明远介绍了全市的情况。" + "临川的工业基础扎实,港口条件优越,人口规模较大。" * 4
            + "今后要把临川港打造成为区域航运中心。")
    quote = Quote(text=text, article_id="a", title="t", section=None, paragraph=0, start=10, end=10 + len(text),
                  score=1.0, context=text)
    lead = bound_quote(quote, 120)
    assert lead.text.startswith("周明远介绍了全市的情况。") and len(lead.text) <= 120
    focused = bound_quote(quote, 120, ("临川", "川港", "航运", "打造"))
    assert focused.text.endswith("今后要把临川港打造成为区域航运中心。") and len(focused.text) <= 120
    assert text[focused.start - 10 : focused.end - 10] == focused.text  # still a verbatim span


def test_term_masks_say_which_terms_lie_whole_inside_each_sentence() -> None:
    rng = random.Random(7)
    alphabet = "威海青岛港口合作。！"
    for _ in range(100):
        terms = ["".join(rng.choice(alphabet[:6]) for _ in range(rng.randint(1, 3))) for _ in range(6)]
        memo = RunMemo(_query("", dict.fromkeys(terms, 1.0)))
        for _ in range(5):  # one memo serves every passage of a question
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
            spans = split_sentences(text)
            expected = [sum(b for t, b in memo.bits.items() if t in text[lo:hi]) for lo, hi in spans]
            assert memo.masks(text, spans) == expected


def test_a_shared_memo_chooses_the_runs_a_fresh_one_does() -> None:
    query = _query("黑褐新箭雀鲷的体长可达多少", {"体长": 2.0, "可达": 1.5, "雀鲷": 3.0, "多少": 0.5, "公分": 1.0})
    memo = RunMemo(query)
    rotated = "体长可达10公分。黑褐新箭雀鲷，俗名厚壳仔，为雀鲷科的其中一种。本鱼分布于印度太平洋区。"
    for text, topic in ((TEXT, ""), (rotated, "雀鲷"), (TEXT, "体长"), (rotated[::-1], ""), (rotated, "")):
        paragraph = Paragraph(0, text, None, 0, len(text))
        shared = select_run(paragraph, query, {}, Calibration(0.8, 0.95), topic=topic, memo=memo)
        assert shared == select_run(paragraph, query, {}, Calibration(0.8, 0.95), topic=topic)
