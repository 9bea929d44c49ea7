from __future__ import annotations

import pytest

from index.chunking import chunk_article, pack_sentences
from index.records import CleanArticle, Paragraph
from index.sentences import MAX_SENTENCE_CHARS, bounded_end, split_sentences


def _split(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("他说：“我们赢了！”然后走了。", ["他说：“我们赢了！”", "然后走了。"]),
        ("「你好嗎？」她問。", ["「你好嗎？」", "她問。"]),
        ("增长3.5%。利率为4.35%；下降0.5个百分点！", ["增长3.5%。", "利率为4.35%；", "下降0.5个百分点！"]),
        ("2020.5.14召开会议。2021年1月1日施行。", ["2020.5.14召开会议。", "2021年1月1日施行。"]),
        ("他犹豫了……最后同意了。", ["他犹豫了……", "最后同意了。"]),
        ("他说“不……”，然后走了。", ["他说“不……”，然后走了。"]),
        ("真的吗？！不会吧。", ["真的吗？！", "不会吧。"]),
        ("Hello world! How are you? I am fine. Thanks.", ["Hello world!", "How are you?", "I am fine.", "Thanks."]),
        ("He paid $3.5 million. Then he left.", ["He paid $3.5 million.", "Then he left."]),
        ("没有结尾标点", ["没有结尾标点"]),
        ("", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert _split(text) == expected


def test_spans_cover_the_text_without_gaps() -> None:
    text = "第一句。 第二句！“第三句？”第四句"
    spans = split_sentences(text)
    assert "".join(text[a:b] for a, b in spans) == text.replace(" ", "")


def test_pack_sentences_respects_target_and_max() -> None:
    spans = [(0, 50), (50, 100), (100, 150), (150, 160)]
    runs = pack_sentences(spans, target_chars=100, max_chars=200)
    assert runs == [(0, 100), (100, 160)]
    # One sentence longer than max stays whole.
    assert pack_sentences([(0, 500)], 100, 200) == [(0, 500)]


def test_chunks_are_whole_sentences_of_one_paragraph_with_offsets() -> None:
    p1 = "第一段第一句话比较长一些，用来测试。第一段第二句。第一段第三句话也在这里。"
    p2 = "第二段只有一句。"
    paragraphs = [Paragraph(0, p1, "甲", 0, len(p1)), Paragraph(1, p2, "乙", len(p1) + 2, len(p1) + 2 + len(p2))]
    article = CleanArticle("a", "标题", "a.txt", paragraphs)
    chunks = chunk_article(article, target_chars=20, max_chars=40)
    assert [c.paragraph for c in chunks] == [0, 0, 1]
    for chunk in chunks:
        assert article.text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.endswith("。")
        assert chunk.section == ("甲" if chunk.paragraph == 0 else "乙")
        assert chunk.title == "标题" and chunk.article_id == "a"


def test_a_sentence_without_end_is_cut_into_bounded_pieces() -> None:
    table = "，".join(f"第{i}项数据为{i * 7}" for i in range(200))
    spans = split_sentences(table)
    assert all(hi - lo <= MAX_SENTENCE_CHARS for lo, hi in spans) and len(spans) > 3
    # Cut at clause breaks: every piece but the last ends with one.
    assert all(table[hi - 1] == "，" for _, hi in spans[:-1])
    assert "".join(table[lo:hi] for lo, hi in spans) == table
    blob = "甲" * 1000
    assert [hi - lo for lo, hi in split_sentences(blob)] == [300, 300, 300, 100]
    words = "port city trade " * 60
    assert all(words[hi - 1] in "tye" for _, hi in split_sentences(words)[:-1])


def test_bounded_end_keeps_whole_sentences() -> None:
    text = "第一句话。第二句话也不短。" + "第三句" * 100 + "。"
    assert text[: bounded_end(text, 20)] == "第一句话。第二句话也不短。"
    assert bounded_end("短。", 20) == 2
    long_first = "长" * 50 + "，" + "长" * 50 + "。"
    assert long_first[: bounded_end(long_first, 60)] == "长" * 50 + "，"
