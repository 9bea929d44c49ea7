"""Personal names: whether a string can be one, and reading one at a position of the text."""

from __future__ import annotations

import re

from index.speakers.vocabulary import (
    AFTER_NAME_CHARS,
    AFTER_NAME_WORDS,
    CJK,
    COMPOUND_SURNAMES,
    NOT_NAME_LAST,
    NOT_NAMES,
    SURNAMES,
    TITLE_RE,
)


def surname_length(candidate: str) -> int:
    if candidate[:2] in COMPOUND_SURNAMES:
        return 2
    return 1 if candidate[:1] in SURNAMES else 0


def plausible_name(candidate: str) -> bool:
    """Whether a 2–4 character string can be a Chinese personal name (surname first, no common word)."""
    if not 2 <= len(candidate) <= 4 or not re.fullmatch(f"[{CJK}]+", candidate):
        return False
    surname = surname_length(candidate)
    if surname == 0 or not surname + 1 <= len(candidate) <= surname + 2:
        return False
    if candidate in NOT_NAMES or candidate[:2] in NOT_NAMES or candidate[-1] in NOT_NAME_LAST:
        return False
    return not re.search(TITLE_RE, candidate[surname:])


def _ends_a_name(text: str, at: int) -> bool:
    """Whether a name may end just before ``text[at]``."""
    if at >= len(text) or not re.match(f"[{CJK}]", text[at]):
        return True
    return text[at] in AFTER_NAME_CHARS or text.startswith(AFTER_NAME_WORDS, at)


def read_name(text: str, at: int, article: str) -> str | None:
    """The name that starts at ``text[at]``, choosing between a two- and a three-character reading."""
    run = re.match(f"[{CJK}]{{1,5}}", text[at:])
    if run is None:
        return None
    surname = surname_length(run.group())
    if surname == 0 or len(run.group()) < surname + 1:
        return None
    short = run.group()[: surname + 1]
    long = run.group()[: surname + 2] if len(run.group()) >= surname + 2 else None
    if long is None or _ends_a_name(text, at + len(short)):
        chosen = short
    elif not _ends_a_name(text, at + len(long)) and _standalone_elsewhere(short, article):
        # Neither reading ends cleanly: trust the one the article also uses on its own ("陈飞视察").
        chosen = short
    else:
        chosen = long
    return chosen if plausible_name(chosen) else None


def _standalone_elsewhere(name: str, article: str) -> bool:
    return any(_ends_a_name(article, m.end()) for m in re.finditer(re.escape(name), article))
