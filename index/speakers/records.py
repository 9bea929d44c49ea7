"""The speaker records kept in the index: a person with their roles, and what they say."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SpeakerKind = Literal["person", "organisation", "unnamed", "mention"]


@dataclass(frozen=True)
class Person:
    """One speaker or person in one article, with every role the article gives them (place included).

    ``kind``: a named ``person``; an ``organisation`` that speaks ("苹果公司表示"); an ``unnamed`` person
    known by a description ("法国总工会负责人表示"); or a name the article only ``mention``s, found by
    part-of-speech tagging with no role and no speech (kept so that questions about them are answered
    "not found" rather than with a passage that merely names them).
    """

    name: str
    roles: tuple[str, ...]
    place: str | None
    paragraphs: tuple[int, ...] = ()
    kind: SpeakerKind = "person"


@dataclass(frozen=True)
class Statement:
    """What one person says in one paragraph: whole sentences, verbatim.

    ``start``/``end`` index the cleaned article text (the coordinates of :class:`Paragraph`), so
    ``text == article_text[start:end]``.
    """

    name: str
    role: str
    paragraph: int
    start: int
    end: int
    text: str
    section: str | None
