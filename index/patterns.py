"""Regular expressions whose compiled programs are kept between processes.

Every fresh process compiles the module-level patterns it imports. Who-said-what's cue patterns hold
Chinese character classes (U+4E00–U+9FFF), and Python's compiler fills a 65,536-entry table in a Python
loop for each such class, about 1 ms a class: together about 0.1 s of a fresh ``quotebot index add``
(issue 13), which uses them all to find the article's people. What the compiler makes, the program the
C matcher runs, depends only on the pattern, its flags and the Python build, so it is kept in a file
beside this package's bytecode (``__pycache__``) and handed to the matcher as it is the next time: the
same program, hence the same matches. A file of another Python, a damaged one, an entry the matcher
refuses, or a Python whose compiler this module does not know, all fall back to :func:`re.compile`.
"""

from __future__ import annotations

import _sre
import atexit
import contextlib
import marshal
import os
import re
import sys
import threading
from array import array
from pathlib import Path
from typing import Any

# Pythons whose ``re`` compiles as read here (re._compiler.compile hands _sre.compile its program): 3.11,
# the version this project runs on; any other compiles each pattern as usual.
KNOWN_PYTHONS = ((3, 11),)
CACHE_FILE = Path(__file__).parent / "__pycache__" / f"patterns.{sys.implementation.cache_tag}.marshal"
# Everything the compiled program depends on besides the pattern and its flags.
KEY = f"{sys.version} {sys.implementation.cache_tag} {_sre.MAGIC} {_sre.CODESIZE}"

Entry = tuple[int, bytes, int, dict[str, int], tuple[Any, ...]]
"""A pattern's flags, program (an array of code words, as bytes), group count, and group names both ways."""

_LOCK = threading.Lock()
_entries: dict[tuple[str, int], Entry] | None = None
_fresh: dict[tuple[str, int], Entry] = {}
_can_write: bool | None = None


def compiled(source: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(source, flags)``, its program read from the cache file when it holds it."""
    if sys.version_info[:2] not in KNOWN_PYTHONS or array("I").itemsize != _sre.CODESIZE:
        return re.compile(source, flags)
    flags = int(flags)
    entry = _table().get((source, flags))
    if entry is not None:
        try:
            return _matcher(source, entry)
        except (TypeError, ValueError, RuntimeError, OverflowError):
            pass  # refused by the matcher: compiled below, and the entry replaced
    pattern = re.compile(source, flags)
    if not _writable():
        return pattern  # nowhere to keep the program: compiling it a second time would only cost
    try:
        entry = _compile(source, flags)
        same = _matcher(source, entry)
    except Exception:  # noqa: BLE001  (any surprise in re's internals: the plain compile stands)
        return pattern
    if same.pattern == pattern.pattern and same.flags == pattern.flags and same.groupindex == pattern.groupindex:
        with _LOCK:
            if not _fresh:
                atexit.register(save)
            _fresh[(source, flags)] = entry
    return pattern


def _writable() -> bool:
    """Whether this process may write the cache file (an installation owned by another user may not)."""
    global _can_write
    if _can_write is None:
        folder = CACHE_FILE.parent
        _can_write = os.access(folder if folder.exists() else folder.parent, os.W_OK)
    return _can_write


def _compile(source: str, flags: int) -> Entry:
    """What ``re._compiler.compile`` hands ``_sre.compile`` for ``source``."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(source, flags)
    code = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[Any] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return (flags | parsed.state.flags, array("I", code).tobytes(), parsed.state.groups - 1, groupindex,
            tuple(indexgroup))


def _matcher(source: str, entry: Entry) -> re.Pattern[str]:
    final_flags, program, groups, groupindex, indexgroup = entry
    code = array("I")
    code.frombytes(program)
    return _sre.compile(source, final_flags, code.tolist(), groups, groupindex, indexgroup)  # type: ignore[no-any-return]


def _table() -> dict[tuple[str, int], Entry]:
    global _entries
    with _LOCK:
        if _entries is None:
            _entries = _read(CACHE_FILE)
        return _entries


def _read(path: Path) -> dict[tuple[str, int], Entry]:
    try:
        found = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not (isinstance(found, tuple) and len(found) == 2 and found[0] == KEY and isinstance(found[1], dict)):
        return {}
    return found[1]


def save(path: Path | None = None) -> None:
    """Write the programs compiled in this process into the cache file, with those it held (at exit)."""
    path = path or CACHE_FILE
    with _LOCK:
        if not _fresh:
            return
        table = {**_read(path), **_fresh}
        _fresh.clear()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(marshal.dumps((KEY, table)))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()  # a read-only installation: patterns are compiled each time, as without the file
