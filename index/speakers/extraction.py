"""Who said what, at index time: the people and statements of one article.

Kept apart from :mod:`index.speakers.attribution` (answering speaker questions) so that adding an
article imports the extraction alone, not the question side's patterns (issue 13: a fresh ``quotebot
index add``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

from index.normalization import name_tags, to_simplified
from index.records import Paragraph
from index.speakers.names import tagged_names
from index.speakers.people import extract_people
from index.speakers.statements import extract_statements


def extract(paragraphs: Sequence[Paragraph]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """People and statements of one article's paragraphs, as JSON-able dicts for the index.

    The patterns are written in simplified script: a traditional article is read in a simplified copy
    of the same length (names come out simplified, like questions), and every statement's text is cut
    from the article's own paragraph.
    """
    simplified = [_simplified(p) for p in paragraphs]
    tagged = tagged_names(tag for p in simplified for tag in name_tags(p.text))
    # The line that opens the article's first section ("新闻发言人 武平" over a transcript) names who
    # speaks in the text under it: it is read as a line before the first paragraph.
    opening = _opening_line(simplified)
    lines = [opening, *simplified] if opening is not None else simplified
    people = extract_people(lines, tagged)
    statements = [s for s in extract_statements(lines, people) if s.paragraph != OPENING]
    if opening is not None:
        first = simplified[0].number
        people = [replace(p, paragraphs=tuple(dict.fromkeys(first if n == OPENING else n for n in p.paragraphs)))
                  for p in people]
    speaking = {s.name for s in statements}
    people = [replace(p, kind="person") if p.kind == "mention" and p.name in speaking else p for p in people]
    own = {p.number: p for p in paragraphs}
    statements = [
        replace(
            s,
            text=own[s.paragraph].text[s.start - own[s.paragraph].start : s.end - own[s.paragraph].start],
            section=own[s.paragraph].section,
        )
        for s in statements
    ]
    return [asdict(p) for p in people], [asdict(s) for s in statements]


_BYLINE = re.compile("记者|编辑|责编|通讯员|作者|特约|实习生")
# The number given to the opening line of the first section, read before the first paragraph.
OPENING = -1


def _opening_line(paragraphs: Sequence[Paragraph]) -> Paragraph | None:
    """The first section's heading as a line of its own, numbered before the first paragraph."""
    if not paragraphs or not paragraphs[0].section:
        return None
    line = paragraphs[0].section
    if _BYLINE.search(line):
        return None  # who wrote the article, not who speaks in it
    return replace(paragraphs[0], number=OPENING, text=line, section=None, start=0, end=len(line), lead=0)


def _simplified(paragraph: Paragraph) -> Paragraph:
    """The paragraph in simplified script, when the conversion keeps every offset."""
    text = to_simplified(paragraph.text)
    if text == paragraph.text or len(text) != len(paragraph.text):
        return paragraph
    section = to_simplified(paragraph.section) if paragraph.section else paragraph.section
    return replace(paragraph, text=text, section=section)
