"""What the engine answers: a page of quotes, or why nothing was found. Data only, no sentences.

Every sentence a user reads is written by the bot (:mod:`bot.i18n`), in the user's language, from
these fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from index.records import Quote


class Reason(StrEnum):
    """Why an answer holds no quote."""

    EMPTY = "empty"  # the question has nothing to search for
    NO_MATCH = "no_match"  # no passage answers it
    PERSON_NOT_QUOTED = "person_not_quoted"  # the person or role is mentioned, but never quoted
    ROLE_NOT_HELD = "role_not_held"  # nobody in the index holds the role asked about
    NOT_MENTIONED = "not_mentioned"  # no article mentions the person asked about
    NO_MORE = "no_more"  # a later page, and the earlier pages held every quote
    TOO_LONG = "too_long"  # the question is longer than the engine will search


@dataclass(frozen=True)
class Mention:
    """Someone the index knows, and where: shown when their words were asked for but never quoted."""

    name: str
    role: str
    article_id: str
    title: str


@dataclass(frozen=True)
class Page:
    """Quotes that answer a question, best first, without duplicates across pages.

    ``next_cursor`` asks for the page after this one (:meth:`index.QuoteEngine.ask`); it is None when
    ``has_more`` is False.
    """

    question: str
    quotes: list[Quote]
    has_more: bool = False
    next_cursor: str | None = None
    # Which place in the whole list of quotes this page starts at (0 for the first page).
    start: int = 0

    @property
    def found(self) -> bool:
        return True


@dataclass(frozen=True)
class NotFound:
    """No quote answers the question; ``asked`` is the person or role the question named, if any."""

    question: str
    reason: Reason
    asked: str | None = None
    mentions: list[Mention] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return False

    @property
    def quotes(self) -> list[Quote]:
        return []


Answer = Page | NotFound
