"""The speaker records kept in the index: a person with their roles, and what they say."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    """One person in one article, with every role the article gives them (place included)."""

    name: str
    roles: tuple[str, ...]
    place: str | None
    paragraphs: tuple[int, ...] = ()


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
