"""index.lazy: values and patterns made on first use, once."""

from __future__ import annotations

import re

import pytest

from index import lazy
from index.lazy import Lazy, lazy_pattern


def test_a_lazy_value_is_made_once_on_first_use() -> None:
    made: list[int] = []

    def make() -> int:
        made.append(1)
        return len(made)

    value = Lazy(make)
    assert value.made() is None and made == []
    assert value.get() == 1 and value.get() == 1 and made == [1]
    assert value.made() == 1


def test_a_pattern_is_compiled_on_first_use_then_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    real = re.compile

    def counting(source: str, flags: int = 0) -> re.Pattern[str]:
        compiled.append(source)
        return real(source, flags)

    monkeypatch.setattr(lazy.re, "compile", counting)
    pattern = lazy_pattern(r"^[\u4e00-\u9fff]{2,4}[:：]", re.M)
    assert compiled == []  # nothing is paid until something matches
    first = pattern()
    assert first.flags & re.M and first.match("青岛：港口") and not first.match("Qingdao:")
    re.purge()  # re's own cache is not what keeps it
    assert pattern() is first and len(compiled) == 1
