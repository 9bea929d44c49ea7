"""The articles who-said-what answers from: each one's people and statements, and the sets of them a
question needs (those that have a name, those that quote anyone…), in article-id order.

:class:`ListPool` holds every article's stored people and statements in memory (an index built in this
process, or one whose segments store no name table); ``index.speaker_pool.TablePool`` finds the same
sets in the segments' name tables and reads an article's people and statements only when a question
is about it. Both answer alike: tests/test_speaker_table.py compares them.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from index.records import ArticleRecord
from index.speakers.names import aliases, prepared_names_list
from index.speakers.records import Person, Statement

Speakers = tuple[str, list[dict[str, Any]], list[dict[str, Any]]]
"""An article's id, people and statements, as the index stores them."""
Stored = tuple[list[dict[str, Any]], list[dict[str, Any]]]

# Bits of an article's flags (index.speaker_table stores them per article).
QUOTES_ANYONE, TITLES_ANYONE = 1, 2
FLAG_OF = {"quotes_anyone": QUOTES_ANYONE, "titles_anyone": TITLES_ANYONE}


def known_names(people: list[dict[str, Any]]) -> set[str]:
    """The names an article brings to the index's known names: its people's, and their aliases (a
    dotted name is asked by its last part too, "卡斯特" for 简·卡斯特)."""
    names = {str(p["name"]) for p in people}
    return names | {alias for name in names for alias in aliases(name)}


def lookup_keys(people: list[dict[str, Any]], statements: list[dict[str, Any]]) -> set[str]:
    """What a named speaker question finds the article by: its known names and whom its statements are by."""
    return known_names(people) | {str(s.get("name")) for s in statements}


# Speakers a question may name by description rather than by title ("苹果", "上述负责人").
_TITLED_KINDS = ("organisation", "unnamed")


def flags_of(people: list[dict[str, Any]], statements: list[dict[str, Any]]) -> int:
    """:data:`QUOTES_ANYONE` when it holds a statement (only then can it answer a speaker question);
    :data:`TITLES_ANYONE` when a person in it has a role or is an organisation or an unnamed speaker
    (only such a person can hold what a question asks for by role or description, matching.speaks_for)."""
    flags = QUOTES_ANYONE if statements else 0
    if any(p.get("roles") or p.get("kind") in _TITLED_KINDS for p in people):
        flags |= TITLES_ANYONE
    return flags


class ArticleSpeakers:
    """One article's people and statements, made from the stored dicts when first needed, and its record
    (paragraphs, title), read when needed.

    Making them for every article when an index opens was about half of opening a large one (0.5 of
    1.1 s of CPU at 100k chunks, benchmarks/README.md "Serving beside a busy job"); a question needs them
    only for the articles it quotes. ``stored`` may be a function that reads the dicts at first use (an
    article of a segment with a name table). Two threads may make them at once: both make equal lists,
    and either is kept.
    """

    def __init__(self, article_id: str, stored: Stored | Callable[[], Stored],
                 load: Callable[[str], ArticleRecord]) -> None:
        self.article_id = article_id
        self._stored = stored
        # Made apart: the speaker of a quote needs only the statements, and an article's people (every
        # name it mentions) are most of the making.
        self._people: list[Person] | None = None
        self._titled: list[Person] | None = None
        self._statements: list[Statement] | None = None
        self._load = load

    @property
    def stored(self) -> Stored:
        stored = self._stored
        if callable(stored):
            stored = self._stored = stored()
        return stored

    @property
    def people(self) -> list[Person]:
        people = self._people
        if people is None:
            people = self._people = [
                Person(p["name"], tuple(p["roles"]), p.get("place"), tuple(p.get("paragraphs", ())),
                       p.get("kind", "person"))
                for p in self.stored[0]
            ]
        return people

    @property
    def titled(self) -> list[Person]:
        """Its people who hold a role or are an organisation or an unnamed speaker: the only ones a
        question by role or description can be about (``matching.speaks_for``). An article names some
        thirty people, mostly in passing; asked by role, weighing them all took 80 ms a question at 100k
        chunks and 0.66 s at 1M, these alone 20 ms and 0.18 s (benchmarks/README.md, "Seventh round")."""
        titled = self._titled
        if titled is None:
            titled = self._titled = [p for p in self.people if p.roles or p.kind in _TITLED_KINDS]
        return titled

    @property
    def statements(self) -> list[Statement]:
        statements = self._statements
        if statements is None:
            statements = self._statements = [Statement(**s) for s in self.stored[1]]
        return statements

    @property
    def flags(self) -> int:
        return flags_of(*self.stored)

    @property
    def record(self) -> ArticleRecord:
        return self._load(self.article_id)

    def reading_from(self, load: Callable[[str], ArticleRecord]) -> ArticleSpeakers:
        """The same people and statements (made or not), their record read through ``load``."""
        twin = ArticleSpeakers(self.article_id, self._stored, load)
        twin._people, twin._titled, twin._statements = self._people, self._titled, self._statements
        return twin


class ArticlePool(Protocol):
    """The live articles of an attribution, in article-id order, and the sets of them questions need."""

    def name_set(self) -> frozenset[str]:
        """Every known name and alias, simplified as questions look them up."""
        ...

    def names(self) -> list[str]:
        """Every known name and alias, sorted."""
        ...

    def named(self, name: str) -> list[ArticleSpeakers]:
        """The articles with a person or a statement of that name (or with it as an alias)."""
        ...

    def flagged(self, test: str) -> list[ArticleSpeakers]:
        """The articles whose flag ``test`` ("quotes_anyone", "titles_anyone") is set."""
        ...

    def saying(self, pairs: frozenset[str], needed: int) -> list[ArticleSpeakers]:
        """The articles that quote anyone, less any whose statements hold fewer than ``needed`` of the
        character ``pairs`` (``matching.claim_pairs``: none of their statements can answer "谁说…")."""
        ...

    def get(self, article_id: str) -> ArticleSpeakers | None: ...

    def quoting(self, article_id: str) -> ArticleSpeakers | None:
        """The article when it may hold a statement; None when it quotes nobody (or is not live)."""
        ...

    def among(self, article_ids: Iterable[str]) -> list[ArticleSpeakers]:
        """The live ones of ``article_ids``, in article order."""
        ...

    def every(self) -> list[ArticleSpeakers]: ...

    def updated(self, removed: set[str], added: list[ArticleSpeakers],
                load: Callable[[str], ArticleRecord]) -> ArticlePool:
        """This pool without ``removed`` (replaced articles included) and with ``added``; ``load`` reads
        the records of the new snapshot."""
        ...


class ListPool:
    """Every article's stored people and statements in memory, sorted by id."""

    def __init__(self, articles: list[ArticleSpeakers], counts: Counter[str] | None = None,
                 simplified: dict[str, str] | None = None) -> None:
        """``counts`` and ``simplified`` hold the names of articles already counted (an update's kept
        ones), to which those of the others are added."""
        self._lock = threading.Lock()
        self._by_name: dict[str, list[int]] | None = None
        self._kept: dict[str, list[ArticleSpeakers]] = {}
        self._articles = articles
        self._by_id = {a.article_id: a for a in articles}
        if counts is None:
            counts = Counter()
            for article in articles:
                counts.update(known_names(article.stored[0]))
        simplified = {} if simplified is None else simplified
        # Converted once, in one OpenCC call, when the index loads, and for an update only the names
        # it brings: questions then look names up as they are (100k names: 77 ms once instead of
        # about a second per question, benchmarks/speaker_names.py).
        new = [n for n in counts if n not in simplified]
        simplified.update(zip(new, prepared_names_list(new), strict=True))
        self._counts, self._simplified = counts, simplified
        self._name_set = frozenset(simplified[n] for n in counts)

    @staticmethod
    def of(entries: Iterable[Speakers], load: Callable[[str], ArticleRecord]) -> ListPool:
        return ListPool([ArticleSpeakers(aid, (people, statements), load)
                         for aid, people, statements in sorted(entries, key=lambda e: e[0])])

    def name_set(self) -> frozenset[str]:
        return self._name_set

    def names(self) -> list[str]:
        return sorted(self._counts)

    def named(self, name: str) -> list[ArticleSpeakers]:
        return [self._articles[i] for i in self._named().get(name, ())]

    def flagged(self, test: str) -> list[ArticleSpeakers]:
        with self._lock:
            kept = self._kept.get(test)
            if kept is None:
                bit = FLAG_OF[test]
                kept = self._kept[test] = [a for a in self._articles if a.flags & bit]
            return kept

    def saying(self, pairs: frozenset[str], needed: int) -> list[ArticleSpeakers]:
        # Every statement is in memory already: weighing them is what narrowing them would cost.
        return self.flagged("quotes_anyone")

    def get(self, article_id: str) -> ArticleSpeakers | None:
        return self._by_id.get(article_id)

    def quoting(self, article_id: str) -> ArticleSpeakers | None:
        return self._by_id.get(article_id)

    def among(self, article_ids: Iterable[str]) -> list[ArticleSpeakers]:
        ids = set(article_ids)
        return [a for a in self._articles if a.article_id in ids]

    def every(self) -> list[ArticleSpeakers]:
        return self._articles

    def _named(self) -> dict[str, list[int]]:
        """Each name and alias of a person or speaker → the positions of the articles that have them."""
        with self._lock:
            if self._by_name is None:
                by_name: dict[str, list[int]] = {}
                for i, article in enumerate(self._articles):
                    for key in lookup_keys(*article.stored):
                        by_name.setdefault(key, []).append(i)
                self._by_name = by_name
            return self._by_name

    def updated(self, removed: set[str], added: list[ArticleSpeakers],
                load: Callable[[str], ArticleRecord]) -> ListPool:
        gone = removed | {a.article_id for a in added}
        counts = Counter(self._counts)
        for aid in gone:
            old = self._by_id.get(aid)
            if old is not None:
                counts.subtract(known_names(old.stored[0]))
        counts = Counter({n: c for n, c in counts.items() if c > 0})
        # The kept articles are the same statements, read through the new snapshot from now on.
        kept = [a.reading_from(load) for a in self._articles if a.article_id not in gone]
        for article in added:
            counts.update(known_names(article.stored[0]))
        # Timsort merges the sorted kept list with the few new ones in about one pass.
        articles = sorted(kept + added, key=lambda a: a.article_id)
        return ListPool(articles, counts, dict(self._simplified))
