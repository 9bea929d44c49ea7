from __future__ import annotations

import numpy as np

from index.quoting import QuoteWeights, answer_type, matched_spans, select_run
from index.records import Calibration, Paragraph
from index.search import Query

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
