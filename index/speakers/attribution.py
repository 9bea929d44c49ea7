"""Who said what: answer "X说了什么" and "谁说…" from the statements extracted at index time.

A speaker question is answered only with that speaker's own statements. When the index knows the
person (or the role) but holds no statement of theirs, the answer is "not found", saying who they are
and where they are mentioned: nobody else's words are ever attributed to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from index.records import Answer, Paragraph, Quote, Speaker
from index.speakers.people import extract_people
from index.speakers.questions import SpeakerQuestion, find_statements, parse_speaker_question, role_matches
from index.speakers.records import Person, Statement
from index.speakers.roles import best_role, label
from index.speakers.statements import extract_statements
from index.store import ArticleRecord


def extract(paragraphs: Sequence[Paragraph]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """People and statements of one article's paragraphs, as JSON-able dicts for the index."""
    people = extract_people(paragraphs)
    statements = extract_statements(paragraphs, people)
    return [asdict(p) for p in people], [asdict(s) for s in statements]


@dataclass(frozen=True)
class _ArticleSpeakers:
    record: ArticleRecord
    people: list[Person]
    statements: list[Statement]


def _load(record: ArticleRecord) -> _ArticleSpeakers:
    people = [
        Person(p["name"], tuple(p["roles"]), p.get("place"), tuple(p.get("paragraphs", ())))
        for p in record.people
    ]
    statements = [Statement(**s) for s in record.statements]
    return _ArticleSpeakers(record, people, statements)


class Attribution:
    """The people and statements of a whole index, ready for speaker questions."""

    def __init__(self, records: Iterable[ArticleRecord]) -> None:
        self._articles = [_load(r) for r in sorted(records, key=lambda r: r.article_id)]
        self._by_id = {a.record.article_id: a for a in self._articles}
        self.names = sorted({p.name for a in self._articles for p in a.people})

    def people(self) -> list[tuple[Person, ArticleRecord, int]]:
        """Everyone the index knows, with the article and how many statements they make there."""
        out = []
        for article in self._articles:
            for person in article.people:
                said = sum(s.name == person.name for s in article.statements)
                out.append((person, article.record, said))
        return out

    def answer(self, question: str, top_k: int, offset: int = 0) -> Answer | None:
        """An answer for a speaker question, or None when the question is not about a speaker."""
        parsed = parse_speaker_question(question, self.names)
        if parsed is None:
            return None
        found: list[tuple[Statement, _ArticleSpeakers]] = []
        for article in self._articles:
            found.extend((s, article) for s in find_statements(parsed, article.people, article.statements))
        if parsed.kind == "who_said" and not found:
            # Nobody is recorded saying that: ordinary search may still find the words themselves.
            return None
        holders = self._holders(parsed)
        if not found:
            if parsed.name is not None and not holders:
                # A name the articles never mention as a speaker: leave it to ordinary search.
                return None
            return Answer(question, False, [], self._silence(parsed, holders))
        quotes = [self._quote(statement, article, rank) for rank, (statement, article) in enumerate(found)]
        page = quotes[offset : offset + top_k]
        return Answer(question, bool(page), page, None if page else "没有更多的引文了。")

    def _holders(self, parsed: SpeakerQuestion) -> list[tuple[Person, ArticleRecord]]:
        holders = []
        for article in self._articles:
            for person in article.people:
                if (parsed.name is not None and person.name == parsed.name) or (
                    parsed.name is None and role_matches(parsed, person)
                ):
                    holders.append((person, article.record))
        return holders

    @staticmethod
    def _silence(parsed: SpeakerQuestion, holders: list[tuple[Person, ArticleRecord]]) -> str:
        asked = parsed.name or f"{parsed.place or ''}{parsed.title or ''}"
        if not holders:
            return f"索引中没有人担任{asked}，也没有{asked}的讲话。"
        mentions = "；".join(f"{label(person)}见于《{record.title}》" for person, record in holders[:3])
        return f"索引中没有{asked}的讲话被引用（{mentions}，但没有引述其讲话）。"

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
