"""BM25 postings (index/postings.py): the same scores as bm25s, segments, tombstones, merges, files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.errors import IndexCorruptError
from index.postings import BM25_B, BM25_K1, Postings, merge, open_segment, write_segment

SENTENCES = [
    "市政府今天宣布新的公交线路将在下个月开通",
    "新线路连接火车站和大学城，全程约四十分钟",
    "",
    "市长在发布会上说，公交票价保持不变",
    "大学城的学生对新线路表示欢迎",
    "火车站附近的道路将在夜间施工",
    "施工期间，部分公交站点临时迁移",
    "天气预报说下周有雨",
]
QUESTIONS = [["公交"], ["线路", "火车站"], ["市长", "票价", "不存在"], ["大", "学", "大学"], ["雨"], ["施工", "施"]]


def terms(text: str) -> list[str]:
    """Characters and character pairs: the shape of our Analyzer's terms, without jieba."""
    chars = [c for c in text if c not in "，。"]
    return chars + [a + b for a, b in zip(chars, chars[1:], strict=False)]


def docs_of(sentences: list[str]) -> list[list[str]]:
    return [terms(s) for s in sentences]


def bm25s_scores(docs: list[list[str]], query: list[str]) -> np.ndarray:
    import bm25s

    retriever = bm25s.BM25(method="lucene", k1=BM25_K1, b=BM25_B)
    retriever.index([d or ["\u2205"] for d in docs], show_progress=False)
    vocab = retriever.vocab_dict
    known = [t for t in query if t in vocab]
    return np.asarray(retriever.get_scores(known), dtype=np.float32) if known else np.zeros(len(docs))


@pytest.mark.parametrize("query", QUESTIONS)
def test_scores_equal_bm25s_lucene(query: list[str]) -> None:
    docs = docs_of(SENTENCES)
    scores, best = Postings.build(docs).score(query)
    expected = bm25s_scores(docs, query)
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-6)
    # A term's best score is what its column of the bm25s matrix peaks at.
    for term, top in zip(query, best, strict=True):
        np.testing.assert_allclose(top, bm25s_scores(docs, [term]).max(), rtol=1e-5, atol=1e-6)


def test_repeated_terms_count_their_frequency() -> None:
    docs = [["雨", "雨", "雨", "天"], ["雨", "天"], ["晴", "天", "天"]]
    scores, _ = Postings.build(docs).score(["雨", "天"])
    np.testing.assert_allclose(scores, bm25s_scores(docs, ["雨", "天"]), rtol=1e-5)
    assert scores[0] > scores[1] > scores[2] > 0


def test_idf_and_document_frequency() -> None:
    p = Postings.build(docs_of(SENTENCES))
    assert p.df("公交") == 3 and p.df("不存在") == 0
    n = len(SENTENCES)
    assert p.idf("公交") == pytest.approx(np.log(1 + (n - 3 + 0.5) / (3 + 0.5)))
    assert "公交" in p and "不存在" not in p


def test_a_term_in_no_document_scores_nothing() -> None:
    p = Postings.build(docs_of(SENTENCES))
    scores, best = p.score(["鲸鱼"])
    assert not scores.any() and best == [0.0]


def test_empty_corpus() -> None:
    p = Postings.build([])
    scores, best = p.score(["公交"])
    assert len(p) == 0 and scores.shape == (0,) and best == [0.0]
    assert p.max_idf() == 1.0 and p.max_term_score() == 0.0


def test_added_segment_scores_as_a_build_of_the_union() -> None:
    docs = docs_of(SENTENCES)
    p = Postings.build(docs[:5])
    slots = p.add(docs[5:])
    assert list(slots) == [5, 6, 7] and len(p.segments) == 2
    whole = Postings.build(docs)
    for query in QUESTIONS:
        np.testing.assert_allclose(p.score(query)[0], whole.score(query)[0], rtol=1e-6)
        assert p.score(query)[1] == pytest.approx(whole.score(query)[1], rel=1e-6)
    assert p.max_idf() == pytest.approx(whole.max_idf())


def test_deleted_documents_score_zero_and_leave_the_statistics() -> None:
    docs = docs_of(SENTENCES)
    p = Postings.build(docs[:4])
    p.add(docs[4:])
    p.delete([1, 5])
    kept = [d for i, d in enumerate(docs) if i not in (1, 5)]
    without = Postings.build(kept)
    for query in QUESTIONS:
        scores, best = p.score(query)
        assert scores[1] == 0 and scores[5] == 0
        np.testing.assert_allclose(np.delete(scores, [1, 5]), without.score(query)[0], rtol=1e-6)
        assert best == pytest.approx(without.score(query)[1], rel=1e-6)
    assert p.df("施工") == without.df("施工") == 1 and "火车" not in p
    # Until merged, the ceiling for unknown terms may only be above the exact one.
    assert p.max_term_score() >= without.max_term_score() - 1e-6


def test_merge_equals_a_fresh_build(tmp_path: Path) -> None:
    docs = docs_of(SENTENCES)
    p = Postings.build(docs[:3])
    p.add(docs[3:6])
    p.add(docs[6:])
    p.delete([0, 4])
    merged = p.merged()
    kept = [d for i, d in enumerate(docs) if i not in (0, 4)]
    fresh = Postings.build(kept)
    assert len(merged.segments) == 1 and len(merged) == len(kept)
    for query in QUESTIONS:
        np.testing.assert_allclose(merged.score(query)[0], fresh.score(query)[0], rtol=1e-6)
    assert merged.max_term_score() == pytest.approx(fresh.max_term_score())
    assert merge(fresh.segments).arrays().keys() == fresh.segments[0].arrays().keys()
    for a, b in zip(merged.segments[0].arrays().values(), fresh.segments[0].arrays().values(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_saved_postings_open_memory_mapped_and_score_the_same(tmp_path: Path) -> None:
    docs = docs_of(SENTENCES)
    built = Postings.build(docs)
    paths = built.save(tmp_path, "seg")
    assert {p.name for p in paths} >= {"seg.indptr.npy", "seg.doc.npy", "seg.tf.npy", "seg.vocab.npy"}
    assert not list(tmp_path.glob("*.tmp"))
    opened = Postings.open(tmp_path, ["seg"])
    assert isinstance(opened.segments[0].doc.base, np.memmap)
    for query in QUESTIONS:
        np.testing.assert_array_equal(opened.score(query)[0], built.score(query)[0])
    assert opened.max_term_score() == pytest.approx(built.max_term_score())


def test_new_segments_and_tombstones_are_written_and_read_back(tmp_path: Path) -> None:
    docs = docs_of(SENTENCES)
    write_segment(tmp_path, "p-0", docs[:5])
    p = Postings.open(tmp_path, ["p-0"])
    p.add(docs[5:])
    written = p.write_new(tmp_path, "p")
    assert {w.name for w in written} >= {"p-1.doc.npy"}
    p.delete([2])
    assert [w.name for w in p.write_new(tmp_path, "p")] == ["p-0.dead.npy"]
    again = Postings.open(tmp_path, ["p-0", "p-1"])
    assert again.dead_mask().tolist() == [False, False, True] + [False] * 5
    np.testing.assert_allclose(again.score(["公交"])[0], p.score(["公交"])[0])


def test_a_short_file_is_reported_as_damage(tmp_path: Path) -> None:
    write_segment(tmp_path, "seg", docs_of(SENTENCES))
    target = tmp_path / "seg.doc.npy"
    target.write_bytes(target.read_bytes()[:-8])
    with pytest.raises(IndexCorruptError) as caught:
        Postings.open(tmp_path, ["seg"])
    message = str(caught.value)
    assert "seg.doc.npy" in message and message.endswith(".") and "\n" not in message


def test_garbage_and_inconsistent_files_are_reported_as_damage(tmp_path: Path) -> None:
    write_segment(tmp_path, "seg", docs_of(SENTENCES))
    (tmp_path / "seg.tf.npy").write_bytes(b"not a numpy file")
    with pytest.raises(IndexCorruptError, match="seg.tf.npy"):
        open_segment(tmp_path, "seg")
    write_segment(tmp_path, "seg", docs_of(SENTENCES))
    write_segment(tmp_path, "other", docs_of(SENTENCES[:2]))
    (tmp_path / "seg.indptr.npy").write_bytes((tmp_path / "other.indptr.npy").read_bytes())
    with pytest.raises(IndexCorruptError, match="inconsistent"):
        open_segment(tmp_path, "seg")


def test_a_merge_in_a_given_order_equals_a_build_in_that_order() -> None:
    docs = docs_of(SENTENCES)
    p = Postings.build(docs[:5])
    p.add(docs[5:])
    p.delete([3])
    order = [7, 0, 6, 2, 1, 5, 4]
    reordered = p.merged(order)
    fresh = Postings.build([docs[i] for i in order])
    for a, b in zip(reordered.segments[0].arrays().values(), fresh.segments[0].arrays().values(), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="live documents"):
        p.merged([0, 3])


def test_a_copy_keeps_the_original_tombstones_apart() -> None:
    p = Postings.build(docs_of(SENTENCES))
    p.delete([0])
    copy = p.copy()
    copy.delete([1])
    assert p.dead_mask().tolist()[:2] == [True, False] and copy.dead_mask().tolist()[:2] == [True, True]
    assert p.df("新线") == 2 and copy.df("新线") == 1


def test_every_term_of_a_large_vocabulary_is_found_and_no_other(tmp_path: Path) -> None:
    # More terms than one sampled block, so look-ups cross blocks and land on their edges.
    terms = [f"词{i:04d}" for i in range(0, 400, 2)]
    docs = [terms[i : i + 7] for i in range(0, len(terms), 5)]
    write_segment(tmp_path, "big", docs)
    postings = Postings.open(tmp_path, ["big"])
    assert all(t in postings for t in terms)
    assert not any(t in postings for t in ["词", "a", "词0001", "词0199", "词0399", "词9999", "龘"])
    assert postings.df(terms[0]) == 1 and postings.df(terms[5]) == 2
