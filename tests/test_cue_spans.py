"""A speaking name's cue is found by looking the name up and matching one compiled tail: the spans must
be those of the per-name pattern it replaces."""

from __future__ import annotations

import re

import pytest

from index.speakers.statements import _CUE_TAIL, cue_spans

TEXTS = [
    "据王强介绍，今年的产量翻了一番。王强表示，明年还要再建两座码头。",
    "王强书记在会上强调，要把合作基础打扎实；王强同志随后指出，港口要先行。",
    "据王强王强说，这是误会。",  # the name twice in a row
    "王王王说，大家好。",  # a name inside a run of the same characters
    "记者王强在现场看到了。王强对记者说：“我们很高兴。”",
    "据悉，王强昨天在接受记者采访时表示，工程预计十月完工。",
    "据据理说，这件事不简单。",
    "没有人说话。",
    "",
]
FORMS = ["王强", "王王", "王", "据理", "记者", "张三"]


def _before(text: str, form: str) -> list[tuple[int, int]]:
    pattern = re.compile(f"(?:据)?{re.escape(form)}{_CUE_TAIL.pattern}")
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


@pytest.mark.parametrize("form", FORMS)
def test_cue_spans_equal_the_per_name_pattern(form: str) -> None:
    for text in TEXTS:
        assert list(cue_spans(text, form)) == _before(text, form), text


def test_cue_spans_find_the_speakers() -> None:
    text = TEXTS[0]
    spans = list(cue_spans(text, "王强"))
    assert [text[s:e] for s, e in spans] == ["据王强介绍", "王强表示"]
