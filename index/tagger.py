"""jieba's part-of-speech tagger (people extraction at index time), its HMM tables from a cache file of ours.

``import jieba.posseg`` builds its word → tag table by parsing jieba's dictionary (350k lines, about
0.5 s) for a module-level tagger, imports its HMM tables from large Python modules, and every
``POSTokenizer`` parses the dictionary again. The HMM tables depend only on jieba's version and
dictionary, so they are kept in one marshal file under the cache folder, keyed by both, written
through a temporary file and ``os.replace`` (never half-written; a missing, damaged or stale file is
built again); the word → tag table is the tokenizer's own, read with its entries as texts need them
(:mod:`index.word_store`). With both, jieba's own parse runs on an empty dictionary.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import marshal
import os
import sys
import threading
import types
from pathlib import Path
from typing import Any

from index.viterbi import fast_tagger_class

TAGGER_CACHE = "jieba-tagger-hmm.marshal"
# jieba.posseg's HMM tables: the modules it imports them from, each holding one dict ``P``.
TABLES = ("char_state_tab", "prob_start", "prob_trans", "prob_emit")

Tables = tuple[Any, ...]
"""The HMM tables, in the order of :data:`TABLES`."""

_LOCK = threading.Lock()


_KEYS: dict[int, str] = {}


def cache_key(base: Any) -> str:
    """jieba's version and the SHA-256 of the dictionary ``base`` (a jieba Tokenizer) reads (once per
    tokenizer object)."""
    from index.normalization import import_jieba

    if getattr(base, "store", None) is not None:
        from index.word_store import dictionary_key

        return dictionary_key()  # jieba's default dictionary, hashed once per process
    jieba = import_jieba()
    key = _KEYS.get(id(base))
    if key is None:
        digest = hashlib.sha256()
        with contextlib.closing(base.get_dict_file()) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        key = _KEYS[id(base)] = f"jieba {jieba.__version__} dictionary {digest.hexdigest()}"
    return key


def read_tables(path: Path, key: str) -> Tables | None:
    """The cached tables when ``path`` holds good ones for ``key``; None when missing, damaged or stale."""
    try:
        found = marshal.loads(path.read_bytes())  # not marshal.load: it reads a file a few bytes at a time
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(found, tuple) and len(found) == 2 and found[0] == key and isinstance(found[1], tuple)
            and len(found[1]) == len(TABLES) and all(isinstance(t, dict) for t in found[1])):
        return None
    return tuple(found[1])


def write_tables(path: Path, key: str, tables: Tables) -> None:
    """Write the cache file (see :func:`write_cache`)."""
    write_cache(path, (key, tuple(tables)))


def write_cache(path: Path, value: Any) -> None:
    """Marshal ``value`` into ``path`` through a temporary file of this process and thread, then
    ``os.replace`` (several worker processes may write it at once); a failure leaves no temporary behind
    and is only logged (the cache saves time, nothing depends on it)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as fh:
            marshal.dump(value, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        logging.getLogger(__name__).warning("Cannot write the cache file %s: %s", path, exc)


WORDS_CACHE = "jieba-word-freqs.marshal"


def word_freqs(base: Any, words: list[str], cache_dir: Path | None) -> list[int]:
    """The frequency jieba gives each of ``words`` when it is added to the dictionary, each computed
    against ``base`` alone (jieba's ``suggest_freq`` on the plain dictionary): the same whatever other
    words were added before, in any order, in any process. Remembered in a cache file keyed by the
    dictionary, so a process adding thousands of learned names (about 60 µs each) computes only new ones."""
    path = cache_dir / WORDS_CACHE if cache_dir is not None else None
    key = cache_key(base)
    known: dict[str, int] = {}
    if path is not None:
        try:
            found = marshal.loads(path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            found = None
        if isinstance(found, tuple) and len(found) == 2 and found[0] == key and isinstance(found[1], dict):
            known = found[1]
    missing = [w for w in words if not isinstance(known.get(w), int)]
    for word in missing:
        known[word] = int(base.suggest_freq(word, False))
    if missing and path is not None:
        write_cache(path, (key, known))
    return [known[w] for w in words]


def _import_posseg(tables: Tables | None, store: Any = None) -> types.ModuleType:
    """``jieba.posseg``, imported with the cached tables when given (its own parse and imports skipped);
    its module-level tagger then reads its tags from ``store`` (:mod:`index.word_store`) when first used."""
    if "jieba.posseg" in sys.modules or tables is None:
        import jieba.posseg

        return jieba.posseg
    from index.normalization import import_jieba

    jieba = import_jieba()
    stubs = {}
    for name, table in zip(TABLES, tables, strict=True):
        stub = types.ModuleType(f"jieba.posseg.{name}")
        stub.P = table  # type: ignore[attr-defined]
        stubs[stub.__name__] = stub
    sys.modules.update(stubs)
    # The module-level tagger jieba.posseg makes at import parses an empty dictionary, and gets ours.
    jieba.dt.get_dict_file = lambda: io.BytesIO(b"")  # type: ignore[method-assign]
    try:
        import jieba.posseg
    finally:
        del jieba.dt.get_dict_file
    if store is not None:
        jieba.posseg.dt.word_tag_tab = TagsOnFirstUse(store.all_tags)
    return jieba.posseg


class TagsOnFirstUse(dict):  # type: ignore[type-arg]
    """jieba.posseg's module-level tagger's table, read whole when something first uses it (QuoteBot's
    own tagger never does: it reads the tags its texts need)."""

    def __init__(self, load: Any) -> None:
        super().__init__()
        self._load = load
        self._filled = False

    def _fill(self) -> None:
        if not self._filled:
            self._filled = True
            own = dict(self)
            super().update(self._load())
            super().update(own)

    def get(self, key: Any, default: Any = None) -> Any:
        self._fill()
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self._fill()
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._fill()
        return super().__contains__(key)

    def __len__(self) -> int:
        self._fill()
        return super().__len__()

    def __iter__(self) -> Any:
        self._fill()
        return super().__iter__()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._fill()
        super().update(*args, **kwargs)


def load_tagger(base: Any, cache_dir: Path | None) -> Any:
    """A ``jieba.posseg.POSTokenizer`` over ``base`` (a loaded jieba Tokenizer without user words),
    decoding its HMM with :func:`index.viterbi.best_path` (jieba's tags, faster).

    Over an :class:`index.word_store.LazyTokenizer` it shares the tokenizer's tags, and its HMM tables
    come from ``cache_dir``'s cache file when there is a good one (written when not); any other
    tokenizer, or no cache folder, gets jieba's own tagger, which parses the dictionary's tags."""
    with _LOCK:
        tags = getattr(base, "tags", None)
        if cache_dir is None or tags is None:
            return fast_tagger_class(_import_posseg(None))(base)
        path = cache_dir / TAGGER_CACHE
        key = cache_key(base)
        tables = read_tables(path, key)
        posseg = _import_posseg(tables, base.store)
        if tables is None:
            hmm = tuple(getattr(posseg, f"{name}_P") for name in ("char_state_tab", "start", "trans", "emit"))
            write_tables(path, key, hmm)
        fast = fast_tagger_class(posseg)
        tagger = fast.__new__(fast)
        tagger.tokenizer = base
        tagger.word_tag_tab = tags
        return tagger
