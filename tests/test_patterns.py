"""index.patterns: a pattern's compiled program is kept in a file and used again by the next process,
matching exactly as ``re.compile`` does; a missing, damaged or stale file only costs the compile."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from index import patterns
from index.speakers.vocabulary import CJK, UNTITLED_CUE_RE, alternation
from tests.conftest import ROOT

SOURCES = [
    (f"(?P<name>[{CJK}]{{2,4}}?)(?:说|表示)", 0),
    (UNTITLED_CUE_RE.pattern, 0),
    (f".*(?:{alternation(['由', '在', '会上', '陪同'])})", re.S),
    (r"^\s*(?:问|记者)\s*[：:]", re.M),
    ("[^，。！？,!?“”\\n]{1,20}?(?:采访|专访)", 0),
]
TEXTS = [
    "青岛市委书记王清宪说，对接青岛就是对接世界。",
    "但是张三丰在接受记者采访时表示，公司明年上市。",
    "会上陪同考察的李四说：“我们要把产量翻一番。”",
    "问：今年的目标是什么？\n记者：王强",
    "No Chinese here at all.",
    "",
]


@pytest.fixture()
def cache_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "__pycache__" / "patterns.marshal"
    monkeypatch.setattr(patterns, "CACHE_FILE", path)
    _forget(monkeypatch)
    return path


def _forget(monkeypatch: pytest.MonkeyPatch) -> None:
    """As a new process: nothing read from the file yet, nothing compiled."""
    monkeypatch.setattr(patterns, "_entries", None)
    monkeypatch.setattr(patterns, "_fresh", {})
    monkeypatch.setattr(patterns, "_can_write", None)


def _same(a: re.Pattern[str], b: re.Pattern[str]) -> None:
    assert (a.pattern, a.flags, a.groups, a.groupindex) == (b.pattern, b.flags, b.groups, b.groupindex)
    for text in TEXTS:
        assert [(m.span(), m.groups()) for m in a.finditer(text)] == [(m.span(), m.groups()) for m in b.finditer(text)]
        assert bool(a.fullmatch(text)) == bool(b.fullmatch(text))


def test_a_program_kept_in_the_file_matches_as_re_compile_does(cache_file: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    first = [patterns.compiled(source, flags) for source, flags in SOURCES]
    patterns.save()
    assert cache_file.is_file() and not list(cache_file.parent.glob("*.tmp"))
    _forget(monkeypatch)
    calls: list[str] = []
    monkeypatch.setattr(patterns, "_compile", lambda source, flags: calls.append(source))  # type: ignore[arg-type, return-value]
    again = [patterns.compiled(source, flags) for source, flags in SOURCES]
    assert calls == []  # every program came from the file
    for (source, flags), a, b in zip(SOURCES, first, again, strict=True):
        _same(a, re.compile(source, flags))
        _same(b, re.compile(source, flags))
    found = again[0].search(TEXTS[0])
    assert found is not None and found.group("name") == "记王清宪"  # the leftmost match, as re's


def test_a_damaged_stale_or_refused_file_only_costs_the_compile(cache_file: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    source, flags = SOURCES[0]
    for content in (b"\x00garbage", json.dumps({"not": "ours"}).encode()):
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        cache_file.write_bytes(content)
        _forget(monkeypatch)
        _same(patterns.compiled(source, flags), re.compile(source, flags))
    # Another Python's file (its key differs) is not read, and is written again for this one.
    patterns.save()
    import marshal

    key, table = marshal.loads(cache_file.read_bytes())
    cache_file.write_bytes(marshal.dumps(("another python", table)))
    _forget(monkeypatch)
    assert patterns._table() == {}
    # An entry the matcher refuses (a damaged program) is compiled again.
    broken = {k: (v[0], b"\xff\xff\xff\xff" * 4, v[2], v[3], v[4]) for k, v in table.items()}
    cache_file.write_bytes(marshal.dumps((patterns.KEY, broken)))
    _forget(monkeypatch)
    _same(patterns.compiled(source, flags), re.compile(source, flags))
    assert (source, flags) in patterns._fresh


def test_a_folder_it_cannot_write_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setattr(patterns, "CACHE_FILE", blocker / "__pycache__" / "patterns.marshal")
    _forget(monkeypatch)
    source, flags = SOURCES[3]
    _same(patterns.compiled(source, flags), re.compile(source, flags))
    patterns.save()  # cannot make the folder: nothing written, nothing raised
    assert not list(tmp_path.glob("**/*.tmp"))
    # Where it may not write (an installation of another user's), the program is not worked out twice.
    _forget(monkeypatch)
    monkeypatch.setattr(patterns, "_can_write", False)
    _same(patterns.compiled(source, flags), re.compile(source, flags))
    assert patterns._fresh == {}


def test_a_second_process_compiles_none_of_the_speaker_patterns(tmp_path: Path) -> None:
    """Two fresh interpreters import who-said-what's extraction: the second reads every program."""
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "import index.patterns as p\n"
        "print(json.dumps({'fresh': len(p._fresh), 'kept': len(p._table()), 'file': str(p.CACHE_FILE)}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [json.loads(subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                                      text=True, timeout=120, check=True).stdout.strip().splitlines()[-1])
            for _ in range(2)]
    if not os.access(Path(runs[0]["file"]).parent.parent, os.W_OK):
        pytest.skip("the package folder is read-only here")
    assert runs[1]["fresh"] == 0 and runs[1]["kept"] >= 40
