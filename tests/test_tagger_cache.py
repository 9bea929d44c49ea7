"""jieba's tagger: its HMM tables come from a cache file of ours (built when missing, damaged or stale,
never half-written), its tags from the dictionary store, and it tags as jieba's own tagger does."""

from __future__ import annotations

import functools
import json
import marshal
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jieba
import pytest

from index import normalization, tagger, word_store
from index.word_store import LazyTokenizer, WordStore

TEXT = "新华社记者王小明报道，北京市市长李强说，青岛港今年的集装箱吞吐量再创新高。"


def _tags(pos: object) -> list[tuple[str, str]]:
    return [(p.word, p.flag) for p in pos.cut(TEXT)]  # type: ignore[attr-defined]


@functools.cache
def _reference() -> list[tuple[str, str]]:
    import jieba.posseg

    whole = jieba.Tokenizer()
    whole.FREQ, whole.total = whole.gen_pfdict(whole.get_dict_file())
    whole.initialized = True
    return _tags(jieba.posseg.POSTokenizer(whole))


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding jieba's prefix dictionary and the word store (built once: seconds)."""
    folder = tmp_path_factory.mktemp("dictionary")
    assert _store(folder) is not None
    return folder


def _store(folder: Path) -> WordStore | None:
    return word_store.open_store(folder, lambda: normalization.prefix_dictionary(jieba.Tokenizer(), folder))


def _base(dictionary: Path) -> LazyTokenizer:
    store = _store(dictionary)
    assert store is not None
    return LazyTokenizer(store)


def test_the_cache_is_written_then_read_and_tags_as_jieba_does(dictionary: Path, tmp_path: Path) -> None:
    base = _base(dictionary)
    built = tagger.load_tagger(base, tmp_path)
    path = tmp_path / tagger.TAGGER_CACHE
    assert path.is_file() and not list(tmp_path.glob("*.tmp"))
    key = tagger.cache_key(base)
    tables = tagger.read_tables(path, key)
    assert tables is not None and len(tables) == len(tagger.TABLES)
    stamp = path.stat().st_mtime_ns
    loaded = tagger.load_tagger(_base(dictionary), tmp_path)
    assert path.stat().st_mtime_ns == stamp  # read, not written again
    assert _tags(built) == _tags(loaded) == _reference()
    assert ("王小明", "nr") in _tags(loaded)


@pytest.mark.parametrize("damage", ["garbage", "cut", "stale", "wrong shape"])
def test_a_damaged_or_stale_cache_is_built_again(dictionary: Path, tmp_path: Path, damage: str) -> None:
    base = _base(dictionary)
    tagger.load_tagger(base, tmp_path)
    path = tmp_path / tagger.TAGGER_CACHE
    good = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not a marshal file")
    elif damage == "cut":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "stale":
        key, hmm = marshal.loads(good)
        path.write_bytes(marshal.dumps(("jieba 0.0 dictionary 00", hmm)))
    else:
        path.write_bytes(marshal.dumps([1, 2, 3]))
    assert tagger.read_tables(path, tagger.cache_key(base)) is None
    assert _tags(tagger.load_tagger(base, tmp_path)) == _reference()
    assert tagger.read_tables(path, tagger.cache_key(base)) is not None  # rewritten whole


def test_a_failed_write_leaves_neither_a_half_file_nor_a_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / tagger.TAGGER_CACHE
    path.write_bytes(b"old")

    def failing(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing)
    tagger.write_tables(path, "key", ({}, {}, {}, {"B": {"词": -1.0}}))
    assert path.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == [tagger.TAGGER_CACHE]
    monkeypatch.undo()
    tagger.write_tables(path, "key", ({}, {}, {}, {"B": {"词": -1.0}}))
    assert tagger.read_tables(path, "key") == ({}, {}, {}, {"B": {"词": -1.0}})


def test_a_fresh_process_takes_the_tables_from_the_cache_and_reads_few_words(dictionary: Path, tmp_path: Path) -> None:
    """With the caches, ``jieba.posseg``'s HMM modules are never imported, its dictionary never parsed,
    and only the entries the text needs are read from the store."""
    for name in (normalization.DICTIONARY_CACHE, word_store.WORDS_FILE):
        shutil.copy(dictionary / name, tmp_path / name)
    tagger.load_tagger(_base(tmp_path), tmp_path)
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from index.normalization import _BASE, name_tags\n"
        f"tags = name_tags({TEXT!r}, Path(sys.argv[1]))\n"
        "read = len(_BASE[0].FREQ)\n"
        "import jieba.posseg\n"
        "stubs = [getattr(sys.modules['jieba.posseg.' + n], '__file__', None) for n in "
        "('char_state_tab', 'prob_start', 'prob_trans', 'prob_emit')]\n"
        "print(json.dumps({'tags': tags, 'stubs': stubs, 'read': read,\n"
        "                  'global': len(jieba.posseg.dt.word_tag_tab)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent, timeout=120)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert [tuple(t) for t in found["tags"]] == _reference()
    assert found["stubs"] == [None, None, None, None]
    assert 0 < found["read"] < 1_000
    assert found["global"] > 300_000  # jieba's own module-level tagger reads the whole table when used


def test_learned_words_weigh_the_same_in_any_order_and_come_from_the_cache(tmp_path: Path) -> None:
    from index.normalization import Analyzer

    words = ["王大山", "胶东经济圈", "港口合作", "大山"]
    text = "王大山说胶东经济圈的港口合作让大山里的果农受益。"
    at_once = Analyzer(tmp_path / "a", words)
    one_by_one = Analyzer(tmp_path / "b")
    one_by_one.folded_terms("")  # jieba loaded first: the words arrive one at a time, in another order
    for word in reversed(words):
        one_by_one.add_words([word])
    assert at_once.tokens(text) == one_by_one.tokens(text)
    assert "王大山" in at_once.tokens(text) and "港口合作" in at_once.tokens(text)
    first, second = at_once._tokenizer(), one_by_one._tokenizer()
    assert first.total == second.total  # type: ignore[attr-defined]
    assert all(first.FREQ[w] == second.FREQ[w] for w in words)  # type: ignore[attr-defined]
    cache = tmp_path / "a" / tagger.WORDS_CACHE
    assert cache.is_file()
    key, freqs = marshal.loads(cache.read_bytes())
    assert set(words) <= set(freqs)
    # From the cache: the same weights without asking jieba; a damaged cache is computed again.
    again = Analyzer(tmp_path / "a", words)
    assert again.tokens(text) == at_once.tokens(text)
    cache.write_bytes(b"damaged")
    assert Analyzer(tmp_path / "a", words).tokens(text) == at_once.tokens(text)
    assert set(words) <= set(marshal.loads(cache.read_bytes())[1])
