"""index.viterbi decodes jieba's part-of-speech HMM to exactly the path jieba's own Viterbi finds."""

from __future__ import annotations

import random
from typing import Any

import jieba
import jieba.posseg
import pytest
from jieba.posseg.viterbi import viterbi as jieba_viterbi

from index import viterbi

TABLES = (jieba.posseg.char_state_tab_P, jieba.posseg.start_P, jieba.posseg.trans_P, jieba.posseg.emit_P)

SENTENCES = [
    "新华社记者王小明报道，北京市市长李强说，青岛港今年的集装箱吞吐量再创新高。",
    "欧阳娜娜和司马光在青岛市崂山区参观了海尔集团的智能工厂。",
    "美国司法部长梅里克·加兰周二表示，调查将继续进行。",
    "据悉，张三丰当天下午在接受记者采访时透露，公司计划2025年上市。",
    "台灣新北市長侯友宜昨日表示，將加強防汛準備。",
    "小李和老王都说，这家店的饺子比去年好吃多了。",
    "诸葛亮草船借箭的故事家喻户晓",
    "阿卜杜勒·拉赫曼在迪拜发表讲话",
    "OpenAI发布了GPT-5模型，微软CEO纳德拉称之为里程碑。",
    "龘靐齉爩",  # characters the HMM has never seen: every state is possible
    "一",
]


def _runs(count: int, seed: int) -> list[str]:
    """Runs of CJK characters, some the HMM knows and some it does not, of many lengths."""
    rng = random.Random(seed)
    known = sorted(jieba.posseg.char_state_tab_P)
    unknown = [chr(c) for c in range(0x9F00, 0x9FA0)]
    return ["".join(rng.choice(known if rng.random() < 0.9 else unknown) for _ in range(rng.randint(1, 12)))
            for _ in range(count)]


@pytest.mark.parametrize("text", SENTENCES)
def test_the_path_and_its_score_are_jiebas(text: str) -> None:
    assert viterbi.best_path(text, *TABLES) == tuple(jieba_viterbi(text, *TABLES))


def test_on_random_runs_the_path_and_its_score_are_jiebas() -> None:
    for text in _runs(300, seed=13):
        assert viterbi.best_path(text, *TABLES) == tuple(jieba_viterbi(text, *TABLES)), text


def test_ties_go_to_the_larger_state_as_in_jieba() -> None:
    # Two ways into each state that score exactly the same: jieba's max over (score, state) keeps the
    # larger previous state, and so must the faster search.
    states = {"x": [("B", "a"), ("B", "b")], "y": [("E", "a"), ("E", "b")]}
    start = {("B", "a"): -1.0, ("B", "b"): -1.0, ("E", "a"): -1.0, ("E", "b"): -1.0}
    trans = {("B", "a"): {("E", "a"): -0.5, ("E", "b"): -0.5}, ("B", "b"): {("E", "a"): -0.5, ("E", "b"): -0.5},
             ("E", "a"): {}, ("E", "b"): {}}
    emit = {s: {"x": -2.0, "y": -2.0} for s in start}
    expected = tuple(jieba_viterbi("xy", states, start, trans, emit))
    assert viterbi.best_path("xy", states, start, trans, emit) == expected
    assert expected[1] == [("B", "b"), ("E", "b")]


def test_a_state_that_leads_nowhere_fails_as_in_jieba() -> None:
    states = {"x": [("S", "a")], "y": [("S", "a")]}
    start = {("S", "a"): -1.0}
    trans: dict[Any, dict[Any, float]] = {("S", "a"): {}}
    emit = {("S", "a"): {"x": -1.0, "y": -1.0}}
    with pytest.raises(ValueError):
        jieba_viterbi("xy", states, start, trans, emit)
    with pytest.raises(ValueError):
        viterbi.best_path("xy", states, start, trans, emit)


def test_the_taggers_words_and_tags_are_jiebas() -> None:
    whole = jieba.Tokenizer()
    whole.FREQ, whole.total = whole.gen_pfdict(whole.get_dict_file())
    whole.initialized = True
    reference = jieba.posseg.POSTokenizer(whole)
    fast = viterbi.fast_tagger_class(jieba.posseg)
    ours = fast.__new__(fast)
    ours.tokenizer, ours.word_tag_tab = whole, reference.word_tag_tab
    assert isinstance(ours, jieba.posseg.POSTokenizer)
    for text in SENTENCES:
        assert [(p.word, p.flag) for p in ours.cut(text)] == [(p.word, p.flag) for p in reference.cut(text)]
    # The index's tagger (index.tagger) is this one.
    assert viterbi.fast_tagger_class(jieba.posseg) is fast
