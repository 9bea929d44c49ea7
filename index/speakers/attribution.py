"""Who said what: answer "X说了什么" and "谁说…" from the statements extracted at index time.

A speaker question is answered only with that speaker's own statements. When the index knows the
person (or the role) but holds no statement of theirs, the answer is "not found", saying who they are
and where they are mentioned: nobody else's words are ever attributed to them.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, replace
from typing import Any

from index.normalization import name_tags, to_simplified, to_traditional
from index.records import ArticleRecord, Paragraph, Quote, Speaker
from index.results import Mention, NotFound, Reason
from index.speakers.matching import Mentioned, find_statements, speaks_for
from index.speakers.names import aliases, tagged_names
from index.speakers.people import extract_people
from index.speakers.questions import SpeakerQuestion, parse_speaker_question, prepared_names_list
from index.speakers.records import Person, Statement
from index.speakers.roles import best_role
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


def _mentions_of(article: _ArticleSpeakers) -> Mentioned:
    """Whether an article's text holds a word, in simplified or traditional script.

    The record is read at the first call: most speaker questions never ask, and reading every article
    of a large index for each of them would cost seconds.
    """

    read: list[ArticleRecord] = []

    def mentioned(word: str) -> bool:
        if not read:
            read.append(article.record)
        forms = {word, to_traditional(word)}
        return any(form in p.text for p in read[0].paragraphs for form in forms)

    return mentioned


class _ArticleSpeakers:
    """One article's people and statements, made from the stored dicts when first needed, and its record
    (paragraphs, title), read when needed.

    Making them for every article when an index opens was about half of opening a large one (0.5 of
    1.1 s of CPU at 100k chunks, benchmarks/README.md "Serving beside a busy job"); a question needs them only for the
    articles it quotes, and a speaker question once for all. Two threads may make them at once: both
    make equal lists, and either is kept.
    """

    def __init__(self, article_id: str, people: list[dict[str, Any]], statements: list[dict[str, Any]],
                 load: Callable[[str], ArticleRecord]) -> None:
        self.article_id = article_id
        self._stored = (people, statements)
        self._made: tuple[list[Person], list[Statement]] | None = None
        self._load = load

    def _make(self) -> tuple[list[Person], list[Statement]]:
        made = self._made
        if made is None:
            people, statements = self._stored
            persons = [
                Person(p["name"], tuple(p["roles"]), p.get("place"), tuple(p.get("paragraphs", ())),
                       p.get("kind", "person"))
                for p in people
            ]
            made = self._made = (persons, [Statement(**s) for s in statements])
        return made

    @property
    def people(self) -> list[Person]:
        return self._make()[0]

    @property
    def statements(self) -> list[Statement]:
        return self._make()[1]

    @property
    def names(self) -> list[str]:
        """The names of its people, without making them."""
        return [str(p["name"]) for p in self._stored[0]]

    @property
    def speaking(self) -> list[str]:
        """The names its statements are by, without making them."""
        return [str(s.get("name")) for s in self._stored[1]]

    @property
    def quotes_anyone(self) -> bool:
        """Whether it holds a statement: only then can it answer a speaker question."""
        return bool(self._stored[1])

    @property
    def titles_anyone(self) -> bool:
        """Whether a person in it has a role or is an organisation or an unnamed speaker: only such a
        person can hold what a question asks for by role or description (matching.speaks_for)."""
        return any(p.get("roles") or p.get("kind") in ("organisation", "unnamed") for p in self._stored[0])

    @property
    def record(self) -> ArticleRecord:
        return self._load(self.article_id)

    def reading_from(self, load: Callable[[str], ArticleRecord]) -> _ArticleSpeakers:
        """The same people and statements (made or not), their record read through ``load``."""
        twin = _ArticleSpeakers(self.article_id, *self._stored, load)
        twin._made = self._made
        return twin


def _names_of(article: _ArticleSpeakers) -> set[str]:
    """The names an article brings to the index's known names: its people's, and their aliases (a
    dotted name is asked by its last part too, "卡斯特" for 简·卡斯特)."""
    people = set(article.names)
    return people | {alias for name in people for alias in aliases(name)}


def _parse(entry: Speakers, load: Callable[[str], ArticleRecord]) -> _ArticleSpeakers:
    aid, people, statements = entry
    return _ArticleSpeakers(aid, people, statements, load)


Speakers = tuple[str, list[dict[str, Any]], list[dict[str, Any]]]
"""An article's id, people and statements, as the index stores them."""


class Attribution:
    """The people and statements of a whole index, ready for speaker questions."""

    def __init__(self, records: Iterable[ArticleRecord]) -> None:
        held = {r.article_id: r for r in records}
        self._setup([(aid, r.people, r.statements) for aid, r in held.items()], held.__getitem__)

    @classmethod
    def lazy(
        cls, entries: Iterable[Speakers], load: Callable[[str], ArticleRecord],
        containing: Callable[[Sequence[str]], Iterable[str]] | None = None,
    ) -> Attribution:
        """From the stored people and statements alone; ``load`` reads an article when an answer needs it,
        ``containing`` gives the ids of the articles whose text holds a word (else every article is read)."""
        attribution = cls.__new__(cls)
        attribution._setup(list(entries), load, containing)
        return attribution

    def _setup(self, entries: list[Speakers], load: Callable[[str], ArticleRecord],
               containing: Callable[[Sequence[str]], Iterable[str]] | None = None) -> None:
        articles = [_parse(e, load) for e in sorted(entries, key=lambda e: e[0])]
        self._install(articles, Counter(), {}, containing)

    def _install(self, articles: list[_ArticleSpeakers], counts: Counter[str], simplified: dict[str, str],
                 containing: Callable[[Sequence[str]], Iterable[str]] | None) -> None:
        """Take ``articles`` (sorted by id); ``counts`` and ``simplified`` hold the names of articles
        already counted (an update's kept ones), to which those of the others are added; ``containing``
        gives the ids of the articles whose text holds a word (else every article is read)."""
        self._containing = containing
        self._lock = threading.Lock()
        self._by_name: dict[str, list[int]] | None = None
        self._kept: dict[str, list[_ArticleSpeakers]] = {}
        self._articles = articles
        self._by_id = {a.article_id: a for a in articles}
        if not counts:
            for article in articles:
                counts.update(_names_of(article))
        # Converted once, in one OpenCC call, when the index loads, and for an update only the names
        # it brings: questions then look names up as they are (100k names: 77 ms once instead of
        # about a second per question, benchmarks/speaker_names.py).
        new = [n for n in counts if n not in simplified]
        simplified.update(zip(new, prepared_names_list(new), strict=True))
        self._counts, self._simplified = counts, simplified
        self._name_set = frozenset(simplified[n] for n in counts)

    @property
    def names(self) -> list[str]:
        """Every name and alias the index knows, sorted."""
        return sorted(self._counts)

    def updated(self, removed: Iterable[str], added: Iterable[Speakers], load: Callable[[str], ArticleRecord],
                containing: Callable[[Sequence[str]], Iterable[str]] | None = None) -> Attribution:
        """This attribution with the articles ``removed`` (replaced ones too) taken out and ``added`` put
        in, without reading the others again; ``load`` and ``containing`` read the new snapshot."""
        fresh = [_parse(e, load) for e in added]
        gone = set(removed) | {a.article_id for a in fresh}
        counts = Counter(self._counts)
        for aid in gone:
            old = self._by_id.get(aid)
            if old is not None:
                counts.subtract(_names_of(old))
        counts = Counter({n: c for n, c in counts.items() if c > 0})
        # The kept articles are the same statements, read through the new snapshot from now on.
        kept = [a.reading_from(load) for a in self._articles if a.article_id not in gone]
        for article in fresh:
            counts.update(_names_of(article))
        # Timsort merges the sorted kept list with the few new ones in about one pass.
        articles = sorted(kept + fresh, key=lambda a: a.article_id)
        attribution = Attribution.__new__(Attribution)
        attribution._install(articles, counts, dict(self._simplified), containing)
        return attribution

    def people(self) -> list[tuple[Person, ArticleRecord, int]]:
        """Everyone the index knows as a speaker or with a role, with the article and how many
        statements they make there (names only mentioned are left out)."""
        out = []
        for article in self._articles:
            for person in article.people:
                if person.kind == "mention":
                    continue
                said = sum(s.name == person.name for s in article.statements)
                out.append((person, article.record, said))
        return out

    def answer(self, question: str) -> list[Quote] | NotFound | None:
        """Every statement that answers a speaker question, best first; why none does; or None when
        the question is not about a speaker."""
        parsed = parse_speaker_question(question, self._name_set)
        if parsed is None:
            return None
        found: list[tuple[Statement, _ArticleSpeakers]] = []
        # "谁说…" is answered by what was said, by anyone: only a named speaker narrows the articles.
        named = parsed.name is not None and parsed.kind != "who_said"
        for article in self._about(parsed) if named else self._kept_if("quotes_anyone"):
            mentioned = _mentions_of(article)
            found.extend(
                (s, article) for s in find_statements(parsed, article.people, article.statements, mentioned)
            )
        if parsed.kind == "who_said" and not found:
            # Nobody is recorded saying that: ordinary search may still find the words themselves.
            return None
        if not found and not parsed.strict:
            return None  # "X认为…是什么" with no statement of X: the facts may still be in a passage
        if not found:
            holders = self._holders(parsed)
            if parsed.name is None and parsed.title is None and not holders:
                # An organisation or a description no article quotes: ordinary search decides.
                return None
            asked = parsed.name or parsed.subject or f"{parsed.place or ''}{parsed.title or ''}"
            if holders:
                reason = Reason.PERSON_NOT_QUOTED
            else:
                reason = Reason.NOT_MENTIONED if parsed.name is not None else Reason.ROLE_NOT_HELD
            mentions = [Mention(person.name, best_role(person.roles), record.article_id, record.title)
                        for person, record in holders]
            return NotFound(question, reason, asked, mentions)
        return [self._quote(statement, article, rank) for rank, (statement, article) in enumerate(found)]

    def _holders(self, parsed: SpeakerQuestion) -> list[tuple[Person, ArticleRecord]]:
        """Who the question asks about, as the index knows them (none of them quoted)."""
        holders: list[tuple[Person, ArticleRecord]] = []
        for article in self._about(parsed):
            mentioned = _mentions_of(article)
            holders.extend((p, article.record) for p in article.people if speaks_for(parsed, p, mentioned))
        if not holders and parsed.name is not None:
            # A name no extraction caught (in an enumeration, say) is still mentioned if the text has it.
            for article in self._mentioning(parsed.name):
                if _mentions_of(article)(parsed.name):
                    holders.append((Person(parsed.name, (), None, (), "mention"), article.record))
        return holders

    def _about(self, parsed: SpeakerQuestion) -> list[_ArticleSpeakers]:
        """The articles whose people may be the one a question asks about: for a name, those with a
        person or a statement of that name (or with it as an alias, "卡斯特" for 简·卡斯特); for a role or
        a description, those with a person who has a role or is an organisation or unnamed. At 100k
        chunks, trying every person of every article took 70-300 ms per speaker question
        (benchmarks/README.md "Serving beside a busy job")."""
        if parsed.name is None:
            return self._kept_if("titles_anyone")
        return [self._articles[i] for i in self._named().get(parsed.name, ())]

    def _kept_if(self, test: str) -> list[_ArticleSpeakers]:
        """The articles whose property ``test`` is true, in article order (found once)."""
        with self._lock:
            kept = self._kept.get(test)
            if kept is None:
                kept = self._kept[test] = [a for a in self._articles if getattr(a, test)]
            return kept

    def _named(self) -> dict[str, list[int]]:
        """Each name and alias of a person or speaker → the positions of the articles that have them."""
        with self._lock:
            if self._by_name is None:
                by_name: dict[str, list[int]] = {}
                known: dict[str, tuple[str, ...]] = {}
                for i, article in enumerate(self._articles):
                    keys = set(article.speaking)
                    for name in article.names:
                        if name not in known:
                            known[name] = aliases(name)
                        keys.add(name)
                        keys.update(known[name])
                    for key in keys:
                        by_name.setdefault(key, []).append(i)
                self._by_name = by_name
            return self._by_name

    def _mentioning(self, word: str) -> list[_ArticleSpeakers]:
        """The articles that may mention ``word`` in either script (a superset), in article order."""
        if self._containing is None:
            return self._articles
        ids = set(self._containing(sorted({word, to_traditional(word)})))
        return [a for a in self._articles if a.article_id in ids]

    @staticmethod
    def _quote(statement: Statement, article: _ArticleSpeakers, rank: int) -> Quote:
        record = article.record
        person = next((p for p in article.people if p.name == statement.name), None)
        role = statement.role or (best_role(person.roles) if person else "")
        paragraph = record.paragraphs[statement.paragraph]
        return Quote(
            text=statement.text,
            article_id=record.article_id,
            title=record.title,
            section=statement.section,
            paragraph=statement.paragraph,
            start=statement.start,
            end=statement.end,
            # Statements are ranked by how well they match, not by retrieval: the score says only that.
            score=round(1.0 / (1 + rank), 4),
            context=paragraph.text,
            speaker=Speaker(statement.name, role),
        )

    def speaker_of(self, quote: Quote) -> Speaker | None:
        """The speaker of a quote that lies inside one of their statements."""
        article = self._by_id.get(quote.article_id)
        for s in article.statements if article is not None else ():
            if s.start <= quote.start and quote.end <= s.end:
                return Speaker(s.name, s.role)
        return None
