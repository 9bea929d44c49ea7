"""Text normalisation for matching: traditional → simplified (OpenCC), and jieba word tokens for BM25.

Matching happens in simplified script so a traditional question finds a simplified article and back;
quotes are always cut from the article's own text, never from the normalised copy.
"""

from __future__ import annotations

import contextlib
import logging
import marshal
import os
import re
import sys
import threading
from collections.abc import Container, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from index.lazy import lazy_pattern
from index.patterns import compiled

# Question words and particles carry no topic, yet are rare in news prose: left in, BM25 would reward
# any passage that happens to contain 谁 or 什么.
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 也 都 就 还 又 而 并 把 被 将 对 向 从 于 以 之 其 这 那 这个 那个 这些 那些 "
    "吗 呢 吧 啊 呀 么 嘛 哦 什么 啥 谁 哪 哪里 哪儿 哪个 哪些 哪位 哪年 哪一年 怎么 怎么样 怎样 如何 为什么 为何 "
    "多少 几 何 何时 何地 是否 有没有 是不是 请问 一下 有 没有 个 位 我 你 他 她 它 我们 你们 他们 "
    "the a an of to in on and or is are was were what who which when where why how".split()
)
_TOKEN_OK = compiled(r"[\w\u3400-\u9fff]", re.UNICODE)
_CJK_RUN = compiled(r"[\u3400-\u9fff]+")
_CJK_CHAR = compiled(r"[\u3400-\u9fff]")
_WORD_RUN = compiled(r"[\u3400-\u9fff]+|[a-z0-9][a-z0-9._-]*[a-z0-9]|[a-z0-9]")


@lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese; other text is returned unchanged."""
    converter = _t2s()
    return converter.convert(text)  # type: ignore[attr-defined, no-any-return]


# OpenCC converts by longest dictionary match, and no dictionary entry holds a line break: texts joined
# by one convert exactly as they do one by one, for one call's overhead per group instead of per text.
_JOINER = "\n"
_GROUP_CHARS = 200_000


def simplify_many(texts: Sequence[str]) -> list[str]:
    """:func:`to_simplified` of each text, converted in groups joined by line breaks."""
    out: list[str] = []
    group: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal size
        if group:
            converted = to_simplified(_JOINER.join(group)).split(_JOINER)
            # A text with a line break of its own would come back cut in two: convert each alone.
            out.extend(converted if len(converted) == len(group) else [to_simplified(t) for t in group])
            group.clear()
            size = 0

    for text in texts:
        if _JOINER in text:
            flush()
            out.append(to_simplified(text))
            continue
        group.append(text)
        size += len(text)
        if size >= _GROUP_CHARS:
            flush()
    flush()
    return out


@lru_cache(maxsize=1)
def _s2t() -> object:
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    """Simplified → traditional Chinese, to look a simplified word up in traditional text."""
    converter = _s2t()
    return converter.convert(text)  # type: ignore[attr-defined, no-any-return]


# Below this many texts a batch's terms stay in-process: starting the workers (and jieba in each)
# costs about what jieba takes for that many paragraphs.
POOL_MIN_TEXTS = 2000

_BASE_LOCK = threading.Lock()
_BASE: list[Any] = []
DICTIONARY_CACHE = "jieba-dictionary.marshal"


def import_jieba() -> Any:
    """The jieba module, imported without ``pkg_resources``.

    jieba imports ``pkg_resources`` (0.1 s of a fresh process, and deprecated) only to open its own
    dictionary file, and opens it directly when that import fails: the same file, the same bytes.
    """
    with _IMPORT_LOCK:
        if "jieba" not in sys.modules and "pkg_resources" not in sys.modules:
            sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes its import fail
            try:
                import jieba
            finally:
                del sys.modules["pkg_resources"]
    import jieba

    return jieba


_IMPORT_LOCK = threading.Lock()


def _base_dictionary(cache_dir: str | None) -> Any:
    """jieba's tokenizer without user words, made once per process.

    With a cache folder its entries are read from the folder's store as texts need them
    (:mod:`index.word_store`: a few thousand for an article, instead of 0.45 s loading all of them);
    without one, or when the store cannot be written, the whole dictionary is loaded (about a second,
    less from the prefix cache). Either way jieba cuts and tags the same.
    """
    jieba = import_jieba()

    with _BASE_LOCK:
        if not _BASE:
            jieba.setLogLevel(logging.WARNING)
            tokenizer: Any = None
            if cache_dir:
                # Entries read from a file of the cache folder as texts need them (index.word_store).
                from index.word_store import LazyTokenizer, open_store

                folder = Path(cache_dir)
                store = open_store(folder, lambda: prefix_dictionary(jieba.Tokenizer(), folder))
                tokenizer = LazyTokenizer(store) if store is not None else None
            if tokenizer is None:
                tokenizer = jieba.Tokenizer()
                tokenizer.FREQ, tokenizer.total = prefix_dictionary(tokenizer, Path(cache_dir) if cache_dir else None)
                tokenizer.initialized = True
            _BASE.append(tokenizer)
        return _BASE[0]


def load_whole_dictionary(cache_dir: Path | None) -> None:
    """Read jieba's whole dictionary now rather than entries as texts need them: for a process that
    cuts thousands of texts (an index build's worker), where looking entries up would cost more."""
    base = _base_dictionary(str(cache_dir) if cache_dir is not None else None)
    store = getattr(base, "store", None)
    if store is not None:
        store.whole()
        base.resolve("")  # it takes the whole dictionary; tokenizers made from now on start with it


_TAGGER: list[Any] = []


def name_tags(text: str, cache_dir: Path | None = None) -> list[tuple[str, str]]:
    """jieba's part-of-speech tags of ``text`` as (word, flag) pairs: at index time, to find personal
    names whatever their surname (flags nr, nrfg, nrt). Loads the dictionary on first use."""
    from index.tagger import load_tagger

    base = _base_dictionary(str(cache_dir) if cache_dir is not None else None)
    prepare(base, [text])
    with _BASE_LOCK:
        if not _TAGGER:
            # Its tables from our cache file under cache_dir (index.tagger): a second less per process.
            _TAGGER.append(load_tagger(base, cache_dir))
        tagger = _TAGGER[0]
    return [(pair.word, pair.flag) for pair in tagger.cut(text)]


def prepare(tokenizer: Any, texts: Sequence[str]) -> None:
    """Read the dictionary entries that cutting ``texts`` needs in one go, when ``tokenizer`` reads them
    as texts need them (index.word_store): a few queries for a batch instead of a few per text."""
    resolve = getattr(tokenizer, "resolve", None)
    if resolve is not None and texts:
        resolve(_JOINER.join(texts))


def prepare_tags(texts: Sequence[str], cache_dir: Path | None) -> None:
    """:func:`prepare` the tagger's dictionary (:func:`name_tags`) for ``texts``, as written and simplified."""
    base = _base_dictionary(str(cache_dir) if cache_dir is not None else None)
    prepare(base, [*texts, *simplify_many(texts)])


def prefix_dictionary(tokenizer: Any, cache_dir: Path | None) -> tuple[dict[str, int], int]:
    """jieba's prefix dictionary, from our cache file when there is a good one.

    jieba caches it itself through a temporary file that a full disk leaves behind on every run, so
    the cache is written here instead: through a temporary file that is removed when the write fails.
    """
    cache = cache_dir / DICTIONARY_CACHE if cache_dir is not None else None
    if cache is not None and cache.is_file():
        try:
            # One read, then loads: marshal.load on a file object reads it a few bytes at a time
            # (about 1 s more for this 9 MB file).
            freq, total = marshal.loads(cache.read_bytes())
            if isinstance(freq, dict) and isinstance(total, int):
                return freq, total
        except (OSError, EOFError, ValueError, TypeError):
            pass  # unreadable (another Python, a cut-off write): build it again
    freq, total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
    if cache is not None:
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("wb") as fh:
                marshal.dump((freq, total), fh)
            os.replace(tmp, cache)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            logging.getLogger(__name__).warning("Cannot cache jieba's dictionary in %s: %s", cache_dir, exc)
    return freq, total


class Analyzer:
    """Turns text into BM25 tokens: simplified, lower-cased jieba words without stopwords.

    jieba takes about a second to load its dictionary, so it loads on first use and caches the
    prefix dictionary under ``cache_dir``. Words added with :meth:`add_words` (names, terms learned
    from the corpus) stay whole.
    """

    def __init__(self, cache_dir: Path | None = None, user_words: Iterable[str] = (), workers: int = 1) -> None:
        self._cache_dir = cache_dir
        self._user_words = sorted(set(user_words))
        # Worker processes for the terms of a large batch (index.text_workers); 1 keeps it in-process.
        self.workers = workers
        self._jieba: object | None = None
        self._lock = threading.Lock()

    @property
    def user_words(self) -> list[str]:
        return list(self._user_words)

    @property
    def cache_dir(self) -> Path | None:
        return self._cache_dir

    def _tokenizer(self) -> object:
        with self._lock:
            if self._jieba is None:
                jieba = import_jieba()
                base = _base_dictionary(str(self._cache_dir) if self._cache_dir is not None else None)
                store = getattr(base, "store", None)
                # A dictionary of its own: user words must not leak between analyzers.
                if store is not None:
                    from index.word_store import LazyTokenizer

                    tokenizer = LazyTokenizer(store)
                else:
                    tokenizer = jieba.Tokenizer()
                    tokenizer.FREQ = dict(base.FREQ)
                    tokenizer.total = base.total
                    tokenizer.initialized = True
                pairs = zip(self._user_words, self._freqs(base, self._user_words), strict=True)
                if store is not None:
                    tokenizer.add_words(pairs)  # the same as add_word in turn, without a call per word
                else:
                    for word, freq in pairs:
                        tokenizer.add_word(word, freq=freq)
                self._jieba = tokenizer
            return self._jieba

    def add_words(self, words: Iterable[str]) -> None:
        new = sorted(set(words) - set(self._user_words))
        if not new:
            return
        self._user_words = sorted(set(self._user_words) | set(new))
        if self._jieba is not None:
            base = _base_dictionary(str(self._cache_dir) if self._cache_dir is not None else None)
            for word, freq in zip(new, self._freqs(base, new), strict=True):
                self._jieba.add_word(word, freq=freq)  # type: ignore[attr-defined]

    def _freqs(self, base: Any, words: list[str]) -> list[int]:
        """Each word's frequency as jieba suggests it against the plain dictionary (index.tagger: cached
        under the cache folder, and the same in every process whatever order words come in)."""
        from index.tagger import word_freqs

        with _BASE_LOCK:  # the plain dictionary is shared; suggest_freq only reads it
            return word_freqs(base, words, self._cache_dir)

    def words(self, text: str) -> list[str]:
        """jieba words of the simplified text, punctuation dropped, stopwords kept."""
        tokenizer = self._tokenizer()
        simplified = to_simplified(text).lower()
        return [w for w in tokenizer.cut(simplified, HMM=True) if _TOKEN_OK.search(w)]  # type: ignore[attr-defined]

    def tokens(self, text: str) -> list[str]:
        """The jieba words of ``text`` without stopwords."""
        return [w for w in self.words(text) if w not in STOPWORDS]

    def terms(self, text: str) -> list[str]:
        """BM25 terms of a passage: jieba words, plus CJK characters and character pairs.

        Words alone miss where jieba splits a name or term differently in question and passage;
        characters and pairs alone blur words together. Measured on CMRC 2018 and DRCD dev, the
        union retrieves the right paragraph more often than either (benchmarks/README.md).
        """
        return self.folded_terms(to_simplified(text).lower())

    def terms_many(self, texts: Sequence[str]) -> list[list[str]]:
        """:meth:`terms` of each text: OpenCC over the batch at once, and, for a large batch with
        ``workers`` above 1, jieba in worker processes (index.text_workers)."""
        folded = [t.lower() for t in simplify_many(texts)]
        if self.workers > 1 and len(folded) >= POOL_MIN_TEXTS:
            from index.text_workers import terms_in_workers

            return terms_in_workers(self._cache_dir, self._user_words, folded, self.workers)
        prepare(self._tokenizer(), folded)
        return [self.folded_terms(t) for t in folded]

    def folded_terms(self, folded: str) -> list[str]:
        """:meth:`terms` of text that is simplified and lower-cased already."""
        tokenizer = self._tokenizer()
        words = [w for w in tokenizer.cut(folded, HMM=True) if _TOKEN_OK.search(w) and w not in STOPWORDS]  # type: ignore[attr-defined]
        return words + character_terms(folded)


# Characters that only questions use: pairs holding them ("什么", "是谁") match nothing useful.
_QUESTION_CHARS = frozenset("什么谁哪吗呢吧啥")


def character_terms(simplified: str) -> list[str]:
    """CJK characters and overlapping character pairs, without stopwords and question words."""
    chars = [c for c in _CJK_CHAR.findall(simplified) if c not in STOPWORDS]
    pairs = [
        g for g in cjk_bigrams(simplified)
        if g not in STOPWORDS and g[0] not in _QUESTION_CHARS and g[1] not in _QUESTION_CHARS
    ]
    return chars + pairs


def query_terms(question: str, vocabulary: Container[str], longest: int = 8) -> list[str]:
    """The BM25 terms of a question, without jieba: characters, pairs, and indexed words it contains.

    Any substring of the question that the index knows as a word counts as one; the index's own
    vocabulary is the dictionary, so names learned at index time match whole, and the question path
    does not pay jieba's second of start-up.
    """
    simplified = to_simplified(question).lower()
    terms = character_terms(simplified)
    for run in _WORD_RUN.findall(simplified):
        if not _CJK_CHAR.match(run[0]):
            # Latin words and numbers count even when the index lacks them: a year or a name the
            # articles never mention is evidence that they do not answer.
            if run not in STOPWORDS:
                terms.append(run)
            continue
        for size in range(3, min(longest, len(run)) + 1):
            terms.extend(
                run[i : i + size] for i in range(len(run) - size + 1) if run[i : i + size] in vocabulary
            )
    return list(dict.fromkeys(terms))


_LEAD_IN = compiled(r"^(?:请问|请告诉我|告诉我|我想知道|想知道|你知道|问一下)[，,：:\s]*")
_SPACE_NEAR_CJK = lazy_pattern(r"\s+(?=[\u3400-\u9fff“”「」，。？！：；])|(?<=[\u3400-\u9fff“”「」，。？！：；])\s+")


def normalise_question(question: str) -> str:
    """Simplified script, no polite lead-in, no trailing punctuation: "请问，威海書記說了甚麼？" → "威海书记说了什么".

    Spaces go where they touch Chinese text; between Latin words one space stays.
    """
    text = to_simplified(question.strip())
    text = text.replace("甚么", "什么").replace("甚麽", "什么").replace("什麽", "什么")
    text = _SPACE_NEAR_CJK().sub("", re.sub(r"[\s\u3000]+", " ", text)).strip()
    text = _LEAD_IN.sub("", text)
    return text.rstrip("？?。.！!~～ ")


_QUOTED = compiled(r"[“「『\"]([\u3400-\u9fff]{2,8})[”」』\"]")


def quoted_terms(text: str) -> list[str]:
    """Short terms an article puts in quotation marks (“火车头”, “一带一路”): whole words for jieba."""
    return list(dict.fromkeys(to_simplified(term) for term in _QUOTED.findall(text)))


def cjk_bigrams(text: str) -> list[str]:
    """Overlapping character pairs of each CJK run: robust to words jieba splits differently."""
    grams: list[str] = []
    for run in _CJK_RUN.findall(text):
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams
