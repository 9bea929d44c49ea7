from __future__ import annotations

import pytest

from index.normalization import Analyzer, character_terms, cjk_bigrams, query_terms, to_simplified


def test_to_simplified() -> None:
    assert to_simplified("威海市委書記是誰") == "威海市委书记是谁"
    assert to_simplified("already simplified 简体") == "already simplified 简体"


def test_character_terms_drop_stopwords_and_question_pairs() -> None:
    terms = character_terms("威海书记说了什么")
    assert "威海" in terms and "书记" in terms and "威" in terms
    assert "什么" not in terms and "了什" not in terms and "了" not in terms


def test_cjk_bigrams_stay_inside_runs() -> None:
    assert cjk_bigrams("青岛a烟台") == ["青岛", "烟台"]


def test_analyzer_terms_and_user_words() -> None:
    analyzer = Analyzer()
    text = "王清宪对烟台市提出希望"
    before = analyzer.tokens(text)
    analyzer.add_words(["王清宪"])
    after = analyzer.tokens(text)
    assert "王清宪" in after and "王清宪" not in before
    assert {"王清宪", "王", "王清"} <= set(analyzer.terms(text))
    # A second analyzer does not see the first one's words.
    assert "王清宪" not in Analyzer().tokens(text)


def test_query_terms_match_indexed_words_without_jieba() -> None:
    vocabulary = {"胶东经济圈", "王清宪", "经济"}
    terms = query_terms("王清宪怎么看胶東經濟圈", vocabulary)
    assert "王清宪" in terms and "胶东经济圈" in terms
    assert "怎么" not in terms
    # Latin words and numbers count even when unknown: they are evidence against an answer.
    assert "2026" in query_terms("2026年的iPhone", vocabulary) and "iphone" in query_terms("iPhone", set())


def test_quoted_terms() -> None:
    from index.normalization import quoted_terms

    text = "青岛是“火车头”和“领头雁”，「一帶一路」倡议；“这是一句很长很长的引语不算术语”。"
    assert quoted_terms(text) == ["火车头", "领头雁", "一带一路"]


# Sentences written for these tests: traditional and simplified script, Latin words and numbers,
# stopwords, question words, a name jieba does not know, punctuation, a line break and nothing at all.
_SENTENCES = [
    "威海市委書記王清憲在會上說，要把胶东经济圈的合作基础打扎实。",
    "青岛今天天气很好，2026年的iPhone在哪里卖？",
    "他们计划明年再建两座码头，投资约三亿元；谁说了什么？",
    "「一帶一路」倡議提出十周年，專家認為前景廣闊。",
    "第一行\n第二行：烟台港的集装箱吞吐量增长了百分之十二。",
    "",
    "ABC Company 的 CEO 表示 Q3 revenue 增长 15%。",
]


def _old_character_terms(simplified: str) -> list[str]:
    """character_terms as it was before it was made faster: the reference it must still equal."""
    import re

    from index.normalization import _QUESTION_CHARS, STOPWORDS

    chars = [c for c in simplified if re.match(r"[\u3400-\u9fff]", c) and c not in STOPWORDS]
    pairs = [g for g in cjk_bigrams(simplified) if g not in STOPWORDS and not _QUESTION_CHARS & set(g)]
    return chars + pairs


def test_character_terms_equal_the_former_definition() -> None:
    for text in _SENTENCES:
        folded = to_simplified(text).lower()
        assert character_terms(folded) == _old_character_terms(folded)


def test_simplify_many_converts_each_text_as_alone() -> None:
    from index import normalization

    assert normalization.simplify_many(_SENTENCES) == [to_simplified(t) for t in _SENTENCES]
    assert normalization.simplify_many([]) == []


def test_simplify_many_groups_long_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    from index import normalization

    monkeypatch.setattr(normalization, "_GROUP_CHARS", 30)  # several groups out of these sentences
    texts = _SENTENCES * 3
    assert normalization.simplify_many(texts) == [to_simplified(t) for t in texts]


def test_terms_many_equal_terms_one_by_one() -> None:
    analyzer = Analyzer(user_words=["王清宪"])
    expected = [analyzer.terms(t) for t in _SENTENCES]
    assert analyzer.terms_many(_SENTENCES) == expected
    assert "王清宪" in expected[0] and "iphone" in expected[1] and "什么" not in expected[2]


def test_simplifying_never_reaches_across_a_line_break() -> None:
    # index.search checks a passage's anchors on its own line of the article's folded text; that holds
    # only if converting lines together equals converting them apart, phrases included.
    lines = ["頭髮乾了，他說：「這個問題", "」很複雜。乾隆年間的著作", "裡面提到瞭解決辦法", "後來，發現"]
    assert to_simplified("\n".join(lines)) == "\n".join(to_simplified(line) for line in lines)
    assert to_simplified("頭髮") == "头发" and to_simplified("瞭解") == "了解"
