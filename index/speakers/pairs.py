"""Character pairs of statements: what a name table indexes, and what "谁说…" looks up in it.

Chinese words are mostly two characters, so a statement's pairs, punctuation removed, say which claims
it can hold (:mod:`index.speakers.matching`). Writing a table (an add) needs only this, not the
question side of who-said-what.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from index.patterns import compiled
from index.speakers.vocabulary import CJK

PUNCTUATION_RE = compiled(f"[^{CJK}A-Za-z0-9]")


def statement_pairs(text: str) -> set[str]:
    """The character pairs of a statement, punctuation removed: a pair of a question's topic is in the
    statement (``matching._overlap``) exactly when it is one of these."""
    text = PUNCTUATION_RE.sub("", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def article_pairs(statements: Iterable[dict[str, Any]]) -> set[str]:
    """The character pairs of all of an article's statements (as the index stores them)."""
    pairs: set[str] = set()
    for statement in statements:
        pairs |= statement_pairs(str(statement["text"]))
    return pairs
