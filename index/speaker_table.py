"""A segment's name table: what speaker questions look up first, stored so that it opens without
reading a single article.

Any question must know which names are speakers' (``parse_speaker_question``), and a speaker question
then needs the articles that have the name it asks about. Made from every article's stored people and
statements, that was most of a fresh process's first answer: at 100k chunks 7,376 JSON rows read and
70,943 names and aliases counted and converted, 0.6 s (benchmarks/README.md), and ten times that at 1M.
So a segment, when written, also gets ``speakers-G.npz`` (checksummed and listed in the manifest like
its other files; a segment without one is read the old way):

- ``flags``: one byte per article (by ordinal): :data:`~index.speakers.held.QUOTES_ANYONE`,
  :data:`~index.speakers.held.TITLES_ANYONE`;
- three sorted lists of strings, each string with the ordinals of the articles that have it:
  ``names`` (people's names and their aliases: the index's known names), ``prepared`` (those names
  simplified as questions look them up, one OpenCC pass at write time instead of at the first
  question), ``keys`` (names, aliases, and whom statements are by: what a named question looks up);
- ``said``: the character pairs of the articles' statements (punctuation removed), each with the
  ordinals of the articles whose statements hold it. "谁说…" is answered by statements that hold most
  of the claim's pairs (``index.speakers.matching.claim_pairs``): only the articles with enough of
  them are read, instead of every article that quotes anyone (about 11k at 1M chunks, 3.6 s for one
  question). A table written before has no ``said``: its segment's quoting articles are all read.

Strings are UTF-8 joined by NUL (one decode and one split to read 70k of them), pairs are int64 codes
(the two code points), postings are int32 ordinals with int64 offsets. An article's people and
statements are read from the articles file only for the articles a question is about
(``index.speaker_pool``).
"""

from __future__ import annotations

import bisect
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.directory import replacing
from index.speakers.held import flags_of, known_names, lookup_keys
from index.speakers.names import prepared_names_list
from index.speakers.pairs import article_pairs

SEPARATOR = "\0"
LISTS = ("names", "prepared", "keys")


def table_name(generation: int) -> str:
    return f"speakers-{generation}.npz"


class TableBuilder:
    """Collects the articles of a segment in ordinal order, then writes their name table."""

    def __init__(self) -> None:
        self._flags: list[int] = []
        self._names: dict[str, list[int]] = {}
        self._keys: dict[str, list[int]] = {}
        self._said: dict[int, list[int]] = {}

    def add(self, people: list[dict[str, Any]], statements: list[dict[str, Any]]) -> None:
        """The next article (ordinal = how many came before)."""
        ordinal = len(self._flags)
        self._flags.append(flags_of(people, statements))
        for name in known_names(people):
            self._names.setdefault(name, []).append(ordinal)
        for key in lookup_keys(people, statements):
            self._keys.setdefault(key, []).append(ordinal)
        for code in _codes(article_pairs(statements)):
            self._said.setdefault(code, []).append(ordinal)

    def arrays(self) -> dict[str, np.ndarray] | None:
        """The table's arrays; None when a name holds the separator (the segment then has no table)."""
        names = sorted(self._names)
        if any(SEPARATOR in s for s in (*names, *self._keys)):
            return None
        by_prepared: dict[str, set[int]] = {}
        for name, prepared in zip(names, prepared_names_list(names), strict=True):
            by_prepared.setdefault(prepared, set()).update(self._names[name])
        if any(SEPARATOR in s for s in by_prepared):
            return None
        keys = sorted(self._keys)
        prepared_sorted = sorted(by_prepared)
        out = {"flags": np.asarray(self._flags, dtype=np.uint8)}
        out.update(_encode("names", names, [self._names[n] for n in names]))
        out.update(_encode("prepared", prepared_sorted, [sorted(by_prepared[p]) for p in prepared_sorted]))
        out.update(_encode("keys", keys, [self._keys[k] for k in keys]))
        codes = sorted(self._said)
        out["said_codes"] = np.asarray(codes, dtype=np.int64)
        out.update(_postings("said", [self._said[c] for c in codes]))
        return out

    def write(self, path: Path) -> bool:
        """Write the table to ``path`` (temp file, then ``os.replace``); False when it cannot be stored."""
        arrays = self.arrays()
        if arrays is None:
            return False
        with replacing(path) as tmp, tmp.open("wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        return True


def _encode(prefix: str, strings: list[str], postings: list[list[int]]) -> dict[str, np.ndarray]:
    blob = SEPARATOR.join(strings).encode("utf-8")
    return {f"{prefix}_blob": np.frombuffer(blob, dtype=np.uint8), **_postings(prefix, postings)}


def _postings(prefix: str, postings: list[list[int]]) -> dict[str, np.ndarray]:
    indptr = np.zeros(len(postings) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in postings], out=indptr[1:])
    ordinals = np.fromiter((o for p in postings for o in p), dtype=np.int32, count=int(indptr[-1]))
    return {f"{prefix}_indptr": indptr, f"{prefix}_ordinals": ordinals}


def _codes(pairs: Iterable[str]) -> list[int]:
    """Each character pair as one integer (a code point has 21 bits)."""
    return [ord(p[0]) << 21 | ord(p[1]) for p in pairs]


def _check(indptr: np.ndarray, ordinals: np.ndarray, articles: int) -> None:
    if indptr.ndim != 1 or indptr.size < 1 or indptr[0] != 0 or np.any(np.diff(indptr) < 0) \
            or indptr[-1] != ordinals.size:
        raise ValueError("its postings offsets are inconsistent")
    if ordinals.size and (int(ordinals.min()) < 0 or int(ordinals.max()) >= articles):
        raise ValueError("a posting names no article of the segment")


class StringPostings:
    """Sorted strings, each with the ordinals of the articles that have it."""

    def __init__(self, blob: np.ndarray, indptr: np.ndarray, ordinals: np.ndarray, articles: int) -> None:
        _check(indptr, ordinals, articles)
        self._blob, self._indptr, self._ordinals = blob, indptr, ordinals
        self._strings: list[str] | None = None

    @property
    def strings(self) -> list[str]:
        """Decoded at first use (two threads may both decode: either list is kept)."""
        strings = self._strings
        if strings is None:
            n = self._indptr.size - 1
            strings = self._blob.tobytes().decode("utf-8").split(SEPARATOR) if n else []
            if len(strings) != n:
                raise ValueError(f"{len(strings)} strings for {n} postings")
            self._strings = strings
        return strings

    def find(self, key: str) -> np.ndarray:
        """The ordinals that have ``key`` (none when it is not in the list)."""
        strings = self.strings
        i = bisect.bisect_left(strings, key)
        if i == len(strings) or strings[i] != key:
            return self._ordinals[:0]
        return self._ordinals[self._indptr[i] : self._indptr[i + 1]]

    def live(self, dead: np.ndarray) -> list[str]:
        """The strings some article not in ``dead`` (sorted ordinals) has."""
        strings = self.strings
        if dead.size == 0:
            return strings
        alive = np.concatenate(([0], np.cumsum(~np.isin(self._ordinals, dead), dtype=np.int64)))
        counts = alive[self._indptr[1:]] - alive[self._indptr[:-1]]
        return [strings[i] for i in np.flatnonzero(counts > 0).tolist()]


class PairPostings:
    """Character pairs (sorted codes), each with the ordinals of the articles whose statements hold it."""

    def __init__(self, codes: np.ndarray, indptr: np.ndarray, ordinals: np.ndarray, articles: int) -> None:
        _check(indptr, ordinals, articles)
        if codes.ndim != 1 or codes.size != indptr.size - 1 or np.any(np.diff(codes) <= 0):
            raise ValueError("its statement pairs are not sorted and distinct, or do not match their postings")
        self._codes, self._indptr, self._ordinals, self._articles = codes, indptr, ordinals, articles

    def holding(self, pairs: Iterable[str], needed: int) -> np.ndarray:
        """The sorted ordinals of the articles whose statements hold at least ``needed`` of ``pairs``."""
        codes = np.asarray(sorted(set(_codes(pairs))), dtype=np.int64)
        at = np.searchsorted(self._codes, codes)
        found = at < self._codes.size
        found[found] = self._codes[at[found]] == codes[found]
        parts = [self._ordinals[self._indptr[i] : self._indptr[i + 1]] for i in at[found].tolist()]
        if not parts or needed > len(parts):
            return np.zeros(0, dtype=np.int64)
        counts = np.bincount(np.concatenate(parts), minlength=self._articles)
        return np.flatnonzero(counts >= max(needed, 1))


class SpeakerTable:
    """A segment's name table, read whole when the segment opens (a few MB at 100k chunks)."""

    def __init__(self, arrays: Any, articles: int) -> None:
        self.flags = np.asarray(arrays["flags"])
        if self.flags.shape != (articles,) or self.flags.dtype != np.uint8:
            raise ValueError(f"its flags have shape {self.flags.shape} for {articles} articles")
        lists = [StringPostings(np.asarray(arrays[f"{name}_blob"]), np.asarray(arrays[f"{name}_indptr"]),
                                np.asarray(arrays[f"{name}_ordinals"]), articles) for name in LISTS]
        self.names, self.prepared, self.keys = lists
        # Written since "谁说…" looks statements up by their pairs; None in an older table.
        self.said: PairPostings | None = None
        if "said_codes" in arrays:
            self.said = PairPostings(np.asarray(arrays["said_codes"]), np.asarray(arrays["said_indptr"]),
                                     np.asarray(arrays["said_ordinals"]), articles)

    @staticmethod
    def read(path: Path, articles: int) -> SpeakerTable:
        try:
            with np.load(path, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
            return SpeakerTable(arrays, articles)
        except (KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise ValueError(f"the name table {path.name} cannot be read ({exc})") from exc

    def flagged(self, bit: int) -> Sequence[int]:
        return np.flatnonzero(self.flags & bit).tolist()  # type: ignore[no-any-return]
