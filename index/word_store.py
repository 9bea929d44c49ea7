"""jieba's dictionary looked up on demand in an SQLite file of the cache folder, instead of loaded whole.

Loading jieba's prefix dictionary (498k entries) and its tagger's word → tag table (349k) costs a
fresh process about 0.45 s of CPU, to cut one article of a few thousand characters (issue 13: a fresh
``quotebot index add``). jieba only looks its dictionary up at substrings of the text it cuts: for
each position ``get_DAG`` extends the substring while the dictionary holds it, and the dictionary
holds every prefix of every word (at frequency 0 when the prefix is no word), so every later look-up
(the route's frequencies, a run of single characters, a word's tag) is of a substring that walk met
or of one whose prefix the dictionary lacks. :class:`LazyTokenizer` walks each text against the file
before jieba does and copies what it finds into jieba's own dict: jieba then answers exactly as with
the whole dictionary (the same words, frequencies and tags), having read a few thousand entries.

Past :data:`WHOLE_AFTER` strings looked up (a build's batch, not an add) it loads the whole dictionary
instead: one look-up in the file costs a few times what loading one entry costs.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from index.normalization import import_jieba

jieba = import_jieba()
_Tokenizer: Any = jieba.Tokenizer

WORDS_FILE = "jieba-words.sqlite"
# Distinct strings looked up in the file, over the process, after which the whole dictionary is loaded.
WHOLE_AFTER = 150_000
_BATCH = 500  # strings per query (SQLite allows 32,766 parameters)

Whole = tuple[dict[str, int], dict[str, str]]
"""The whole prefix dictionary (word → frequency) and the tagger's table (word → tag)."""

_KEY: list[str] = []


def dictionary_key() -> str:
    """jieba's version and the SHA-256 of its default dictionary file (once per process)."""
    if not _KEY:
        digest = hashlib.sha256()
        with contextlib.closing(jieba.Tokenizer().get_dict_file()) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        _KEY.append(f"jieba {jieba.__version__} dictionary {digest.hexdigest()}")
    return _KEY[0]


def word_tags(dictionary: Any) -> dict[str, str]:
    """word → tag of a jieba dictionary file (bytes, one "word freq tag" a line), read as
    ``jieba.posseg.POSTokenizer.load_word_tag`` reads it."""
    tags: dict[str, str] = {}
    with contextlib.closing(dictionary) as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.strip().decode("utf-8")
            if not line:
                continue
            try:
                word, _, tag = line.split(" ")
            except ValueError as exc:
                raise ValueError(f"invalid POS dictionary entry at line {lineno}: {line}") from exc
            tags[word] = tag
    return tags


class WordStore:
    """The dictionary's words (with their prefixes), frequencies and tags, read from ``path`` in batches.

    What was looked up is remembered, found or not, for every tokenizer of the process."""

    def __init__(self, path: Path, whole_freq: Callable[[], dict[str, int]]) -> None:
        # Read-only; the file is replaced whole (os.replace), never written in place.
        self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._found: dict[str, tuple[int, str | None]] = {}
        self._missing: set[str] = set()
        self._whole_freq = whole_freq
        self._whole: Whole | None = None
        try:
            row = self._db.execute("SELECT key, total FROM meta").fetchone()
        except sqlite3.DatabaseError:
            row = None
        self.key = str(row[0]) if row else ""
        self.total = int(row[1]) if row else 0

    def close(self) -> None:
        self._db.close()

    @property
    def looked_up(self) -> int:
        return len(self._found) + len(self._missing)

    @property
    def is_whole(self) -> bool:
        return self._whole is not None

    def lookup(self, words: Iterable[str]) -> dict[str, tuple[int, str | None]]:
        """The frequency and tag (None for a prefix that is no word) of each of ``words`` the dictionary holds."""
        with self._lock:
            wanted = list(words)
            new = [w for w in wanted if w not in self._found and w not in self._missing]
            for start in range(0, len(new), _BATCH):
                part = new[start : start + _BATCH]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(f"SELECT word, freq, tag FROM words WHERE word IN ({marks})", part)
                for word, freq, tag in rows:
                    self._found[word] = (int(freq), tag)
                self._missing.update(w for w in part if w not in self._found)
            return {w: self._found[w] for w in wanted if w in self._found}

    def whole(self) -> Whole:
        """The whole dictionary, loaded once (shared: callers copy what they change)."""
        with self._lock:
            if self._whole is None:
                self._whole = (self._whole_freq(), self._tags())
                self._found.clear()
                self._missing.clear()
            return self._whole

    def all_tags(self) -> dict[str, str]:
        """The tagger's whole table."""
        with self._lock:
            return self._tags()

    def _tags(self) -> dict[str, str]:
        return {str(w): str(t) for w, t in self._db.execute("SELECT word, tag FROM words WHERE tag IS NOT NULL")}


def write_store(path: Path, key: str, freq: dict[str, int], total: int, tags: dict[str, str]) -> None:
    """The store file, written through a temporary file and ``os.replace`` (never half-written)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(tmp)) as db:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute("CREATE TABLE meta (key TEXT NOT NULL, total INTEGER NOT NULL)")
            db.execute("INSERT INTO meta VALUES (?, ?)", (key, total))
            db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER NOT NULL, tag TEXT) WITHOUT ROWID")
            db.executemany("INSERT INTO words VALUES (?, ?, ?)", ((w, f, tags.get(w)) for w, f in sorted(freq.items())))
            db.commit()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except (OSError, sqlite3.Error):
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


class LazyTokenizer(_Tokenizer):
    """A ``jieba.Tokenizer`` whose dictionary entries come from a :class:`WordStore` as texts need them.

    ``tags`` fills with the tagger's tags of the words met (``index.tagger`` shares it). Words added
    with ``add_word`` keep jieba's meaning: they override the dictionary, and their prefixes the
    dictionary lacks count as prefixes of frequency 0.
    """

    def __init__(self, store: WordStore) -> None:
        super().__init__()
        self.store = store
        self.FREQ: dict[str, int] = {}
        self.total = store.total
        self.initialized = True
        self.tags: dict[str, str] = {}
        self._seen: set[str] = set()
        self._added: dict[str, int] = {}
        self._prefixes: set[str] = set()
        self._resolving = threading.Lock()
        self._is_whole = False
        if store.is_whole:
            self._become_whole()

    def resolve(self, text: str) -> None:
        """Copy into ``FREQ`` (and ``tags``) every entry jieba's walk over ``text`` will ask for."""
        if self._is_whole:
            return
        with self._resolving:
            if self.store.looked_up > WHOLE_AFTER or self.store.is_whole:
                self._become_whole()
                return
            freq, seen, n = self.FREQ, self._seen, len(text)
            frontier = list(range(n))
            size = 1
            while frontier:
                new = list({text[k : k + size] for k in frontier} - seen)
                if new and self.store.looked_up + len(new) > WHOLE_AFTER:
                    self._become_whole()
                    return
                if new:
                    found = self.store.lookup(new)
                    for gram in new:
                        entry = found.get(gram)
                        if gram in self._added:
                            freq[gram] = self._added[gram]
                        elif entry is not None:
                            freq[gram] = entry[0]
                        elif gram in self._prefixes:
                            freq[gram] = 0
                        if entry is not None and entry[1] is not None:
                            self.tags[gram] = entry[1]
                        seen.add(gram)  # after FREQ: another thread that sees it seen finds it there
                frontier = [k for k in frontier if k + size < n and text[k : k + size] in freq]
                size += 1

    def _become_whole(self) -> None:
        whole_freq, whole_tags = self.store.whole()
        freq = dict(whole_freq)
        for word, value in self._added.items():
            freq[word] = value
        for prefix in self._prefixes:
            freq.setdefault(prefix, 0)
        self.FREQ = freq
        self.tags.update(whole_tags)
        self._seen = set()
        self._is_whole = True

    def cut(self, sentence: str, cut_all: bool = False, HMM: bool = True, use_paddle: bool = False) -> Any:  # noqa: N803
        self.resolve(sentence)  # the whole text at once: a few queries instead of a few per block
        yield from super().cut(sentence, cut_all, HMM, use_paddle)

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:  # noqa: N802  (jieba's name)
        self.resolve(sentence)
        return super().get_DAG(sentence)  # type: ignore[no-any-return]

    def suggest_freq(self, segment: Any, tune: bool = False) -> int:
        self.resolve(segment if isinstance(segment, str) else "".join(segment))
        return super().suggest_freq(segment, tune)  # type: ignore[no-any-return]

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """jieba's ``add_word``, its prefixes of frequency 0 set where the dictionary lacks them."""
        value = int(freq) if freq is not None else self.suggest_freq(word, False)
        self._added[word] = value
        self.FREQ[word] = value
        self.total += value
        if tag:
            self.user_word_tag_tab[word] = tag
        for end in range(1, len(word) + 1):
            prefix = word[:end]
            self._prefixes.add(prefix)
            if prefix not in self.FREQ and (self._is_whole or prefix in self._seen):
                self.FREQ[prefix] = 0
        if value == 0:
            jieba.finalseg.add_force_split(word)

    def add_words(self, words: Iterable[tuple[str, int]]) -> None:
        """:meth:`add_word` of each (word, frequency) in turn, without a call per word: every process
        that opens an index adds its learned names (9,893 at 100k chunks), 30 ms of a fresh add."""
        freq, added, prefixes, seen, whole = self.FREQ, self._added, self._prefixes, self._seen, self._is_whole
        total = self.total
        for word, given in words:
            value = int(given)
            added[word] = value
            freq[word] = value
            total += value
            for end in range(1, len(word) + 1):
                prefix = word[:end]
                prefixes.add(prefix)
                if prefix not in freq and (whole or prefix in seen):
                    freq[prefix] = 0
            if value == 0:
                jieba.finalseg.add_force_split(word)
        self.total = total


def open_store(cache_dir: Path, whole_freq: Callable[[], tuple[dict[str, int], int]]) -> WordStore | None:
    """The store of ``cache_dir``, built first when it is missing, damaged or of another dictionary;
    None when it cannot be written there (the caller loads the whole dictionary instead).
    ``whole_freq``: jieba's whole prefix dictionary and its total (``index.normalization``'s cache)."""
    path = cache_dir / WORDS_FILE
    key = dictionary_key()

    def freq() -> dict[str, int]:
        return whole_freq()[0]

    if path.is_file():
        store = WordStore(path, freq)
        if store.key == key:
            return store
        store.close()
    try:
        words, total = whole_freq()
        write_store(path, key, words, total, word_tags(jieba.Tokenizer().get_dict_file()))
    except (OSError, sqlite3.Error) as exc:
        logging.getLogger(__name__).warning("Cannot write jieba's dictionary to %s: %s", path, exc)
        return None
    store = WordStore(path, freq)
    return store if store.key == key else None
