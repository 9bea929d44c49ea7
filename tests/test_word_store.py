"""jieba's dictionary read on demand from the cache folder's store cuts and tags exactly as the whole one."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import jieba
import jieba.posseg
import pytest

from index import normalization, tagger, word_store
from index.word_store import LazyTokenizer, WordStore, open_store

TEXTS = [
    "新华社记者王小明报道，北京市市长李强说，青岛港今年的集装箱吞吐量再创新高。",
    "威海市委書記張海波說，威海與青島合作基礎紮實，前景廣闊。",
    "iPhone 15在2024年9月发布，售价5999元；华为Mate60同比增长37.5%。",
    "约翰·史密斯和玛丽亚·冯·特拉普在联合国大会上发言，呼吁加强多边合作。",
    "胶东经济圈一体化发展，港口合作让大山里的果农受益匪浅。",
    "",
    "abc",
]
# Learned words: names (one whose prefix 王大 is no dictionary entry), a word that extends a dictionary
# word, a dictionary word given a new weight, and one with a character jieba splits blocks at.
WORDS = {"王大山": 12, "胶东经济圈": 30, "港口合作": 8, "大山": 5, "合作": 3, "冯·特拉普": 4}


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("jieba-cache")
    assert _store(folder) is not None
    return folder


def _store(folder: Path) -> WordStore | None:
    return open_store(folder, lambda: normalization.prefix_dictionary(jieba.Tokenizer(), folder))


def _whole(folder: Path) -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total = normalization.prefix_dictionary(tokenizer, folder)
    tokenizer.initialized = True
    return tokenizer


def _cuts(tokenizer: jieba.Tokenizer) -> list[list[str]]:
    return [list(tokenizer.cut(t, HMM=hmm)) for t in TEXTS for hmm in (True, False)]


def test_cuts_and_tags_as_the_whole_dictionary(cache: Path) -> None:
    store = _store(cache)
    assert store is not None
    whole, lazy = _whole(cache), LazyTokenizer(store)
    assert lazy.total == whole.total
    assert _cuts(lazy) == _cuts(whole)
    tagged = tagger.load_tagger(LazyTokenizer(store), cache)
    reference = jieba.posseg.POSTokenizer(whole)
    for text in TEXTS:
        assert [(p.word, p.flag) for p in tagged.cut(text)] == [(p.word, p.flag) for p in reference.cut(text)]
    assert ("王小明", "nr") in [(p.word, p.flag) for p in tagged.cut(TEXTS[0])]
    # Only what those texts needed was read.
    assert 0 < len(lazy.FREQ) < 5_000 and store.looked_up < 20_000 and not store.is_whole


@pytest.mark.parametrize("added_first", [True, False])
def test_learned_words_mean_what_they_mean_to_jieba(cache: Path, added_first: bool) -> None:
    store = _store(cache)
    assert store is not None
    whole, lazy = _whole(cache), LazyTokenizer(store)
    if not added_first:
        assert _cuts(lazy) == _cuts(whole)  # entries read before the words arrive
    words = [w for w in WORDS if w != "大山"]
    assert [lazy.suggest_freq(w) for w in [*words, "大山"]] == [whole.suggest_freq(w) for w in [*words, "大山"]]
    for word, freq in WORDS.items():
        whole.add_word(word, freq=freq)
        lazy.add_word(word, freq=freq)
    assert lazy.total == whole.total
    assert _cuts(lazy) == _cuts(whole)
    assert all(lazy.FREQ[w] == whole.FREQ[w] for w in WORDS)
    assert lazy.FREQ.get("王大") == whole.FREQ.get("王大") == 0  # a prefix the dictionary lacks


@pytest.mark.parametrize("added_first", [True, False])
def test_words_added_at_once_mean_what_they_mean_one_by_one(cache: Path, added_first: bool) -> None:
    store = _store(cache)
    assert store is not None
    one, many, whole = LazyTokenizer(store), LazyTokenizer(store), _whole(cache)
    if not added_first:
        assert _cuts(one) == _cuts(many)  # entries read before the words arrive
    many.add_words(WORDS.items())
    for word, freq in WORDS.items():
        one.add_word(word, freq=freq)
        whole.add_word(word, freq=freq)
    assert (many.FREQ, many.total, many._added, many._prefixes) == (one.FREQ, one.total, one._added, one._prefixes)
    assert _cuts(many) == _cuts(one) == _cuts(whole)


def test_past_its_limit_it_reads_the_whole_dictionary(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(word_store, "WHOLE_AFTER", 200)
    store = _store(cache)
    assert store is not None
    whole, lazy = _whole(cache), LazyTokenizer(store)
    for word, freq in WORDS.items():
        whole.add_word(word, freq=freq)
        lazy.add_word(word, freq=freq)
    assert _cuts(lazy) == _cuts(whole)
    assert store.is_whole and len(lazy.FREQ) == len(whole.FREQ)
    assert LazyTokenizer(store).FREQ.keys() == _whole(cache).FREQ.keys()  # later tokenizers start whole


def test_the_store_is_read_not_rebuilt_and_a_stale_or_damaged_one_is_built_again(cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / normalization.DICTIONARY_CACHE).write_bytes((cache / normalization.DICTIONARY_CACHE).read_bytes())
    assert _store(folder) is not None
    path = folder / word_store.WORDS_FILE
    stamp = path.stat().st_mtime_ns
    assert _store(folder) is not None and path.stat().st_mtime_ns == stamp
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET key = 'jieba 0.0 dictionary 00'")
    db.close()
    store = _store(folder)
    assert store is not None and store.key == word_store.dictionary_key() and path.stat().st_mtime_ns != stamp
    path.write_bytes(b"not a database" * 100)
    store = _store(folder)
    assert store is not None and store.lookup(["北京市"]) == {"北京市": (store.lookup(["北京市"])["北京市"][0], "ns")}
    assert sorted(p.name for p in folder.iterdir()) == [normalization.DICTIONARY_CACHE, word_store.WORDS_FILE]


def test_a_store_that_cannot_be_written_leaves_no_temporary_and_means_the_whole_dictionary(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing)
    folder = tmp_path / "cache"
    folder.mkdir()
    assert open_store(folder, lambda: normalization.prefix_dictionary(jieba.Tokenizer(), cache)) is None
    assert list(folder.iterdir()) == []
