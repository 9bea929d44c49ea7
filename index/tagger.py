"""jieba's part-of-speech tagger (people extraction at index time), loaded from a cache file of ours.

``import jieba.posseg`` builds its word → tag table by parsing jieba's dictionary (350k lines, about
0.5 s) for a module-level tagger, imports its HMM tables from large Python modules, and every
``POSTokenizer`` parses the dictionary again: about 1.7 s of a fresh ``quotebot index add``. The
table and the HMM tables depend only on jieba's version and dictionary, so they are kept in one
marshal file under the cache folder, keyed by both, written through a temporary file and
``os.replace`` (never half-written; a missing, damaged or stale file is built again). With it, the
tables come from the file and jieba's own parse runs on an empty dictionary.
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

TAGGER_CACHE = "jieba-tagger.marshal"
# jieba.posseg's HMM tables: the modules it imports them from, each holding one dict ``P``.
TABLES = ("char_state_tab", "prob_start", "prob_trans", "prob_emit")

Tables = tuple[dict[str, str], tuple[Any, ...]]
"""The word → tag table and the HMM tables, in the order of :data:`TABLES`."""

_LOCK = threading.Lock()


_KEYS: dict[int, str] = {}


def cache_key(base: Any) -> str:
    """jieba's version and the SHA-256 of the dictionary ``base`` (a jieba Tokenizer) reads (once per
    tokenizer object)."""
    import jieba

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
    if not (isinstance(found, tuple) and len(found) == 3 and found[0] == key and isinstance(found[1], dict)
            and isinstance(found[2], tuple) and len(found[2]) == len(TABLES)
            and all(isinstance(t, dict) for t in found[2])):
        return None
    return found[1], found[2]


def write_tables(path: Path, key: str, tables: Tables) -> None:
    """Write the cache file (see :func:`write_cache`)."""
    write_cache(path, (key, tables[0], tables[1]))


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


def _import_posseg(tables: Tables | None) -> types.ModuleType:
    """``jieba.posseg``, imported with the cached tables when given (its own parse and imports skipped)."""
    if "jieba.posseg" in sys.modules or tables is None:
        import jieba.posseg

        return jieba.posseg
    import jieba

    stubs = {}
    for name, table in zip(TABLES, tables[1], strict=True):
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
    jieba.posseg.dt.word_tag_tab = tables[0]
    return jieba.posseg


def load_tagger(base: Any, cache_dir: Path | None) -> Any:
    """A ``jieba.posseg.POSTokenizer`` over ``base`` (a loaded jieba Tokenizer without user words),
    its tables from ``cache_dir``'s cache file when there is a good one (written when not)."""
    with _LOCK:
        path = cache_dir / TAGGER_CACHE if cache_dir is not None else None
        key = cache_key(base) if path is not None else ""
        tables = read_tables(path, key) if path is not None else None
        posseg = _import_posseg(tables)
        if tables is not None:
            tagger = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
            tagger.tokenizer = base
            tagger.word_tag_tab = tables[0]
            return tagger
        tagger = posseg.POSTokenizer(base)
        if path is not None:
            hmm = tuple(getattr(posseg, f"{name}_P") for name in ("char_state_tab", "start", "trans", "emit"))
            write_tables(path, key, (tagger.word_tag_tab, hmm))
        return tagger
