from __future__ import annotations

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
