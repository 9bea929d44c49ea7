"""Who said what: answer "X说了什么" and "谁说…" from the statements extracted at index time.

A speaker question is answered only with that speaker's own statements. When the index knows the
person (or the role) but holds no statement of theirs, the answer is "not found", saying who they are
and where they are mentioned: nobody else's words are ever attributed to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from index.normalization import to_traditional
from index.records import ArticleRecord, Quote, Speaker
from index.results import Mention, NotFound, Reason

# extract (index time) lives in index.speakers.extraction; it is still offered here.
from index.speakers.extraction import extract as extract
from index.speakers.held import ArticlePool, ArticleSpeakers, ListPool, Speakers
from index.speakers.matching import Mentioned, claim_pairs, find_statements, speaks_for
from index.speakers.questions import SpeakerQuestion, parse_speaker_question
from index.speakers.records import Person, Statement
from index.speakers.roles import best_role


def _mentions_of(article: ArticleSpeakers) -> Mentioned:
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


class Attribution:
    """The people and statements of a whole index, ready for speaker questions."""

    def __init__(self, records: Iterable[ArticleRecord]) -> None:
        held = {r.article_id: r for r in records}
        self._start(ListPool.of([(aid, r.people, r.statements) for aid, r in held.items()], held.__getitem__))

    @classmethod
    def lazy(
        cls, entries: Iterable[Speakers], load: Callable[[str], ArticleRecord],
        containing: Callable[[Sequence[str]], Iterable[str]] | None = None,
    ) -> Attribution:
        """From the stored people and statements alone; ``load`` reads an article when an answer needs it,
        ``containing`` gives the ids of the articles whose text holds a word (else every article is read)."""
        return cls.over(ListPool.of(list(entries), load), containing)

    @classmethod
    def over(cls, pool: ArticlePool, containing: Callable[[Sequence[str]], Iterable[str]] | None = None) -> Attribution:
        """Over the articles of ``pool`` (``index.speaker_pool.TablePool``: the segments' name tables)."""
        attribution = cls.__new__(cls)
        attribution._start(pool, containing)
        return attribution

    def _start(self, pool: ArticlePool, containing: Callable[[Sequence[str]], Iterable[str]] | None = None) -> None:
        """``containing`` gives the ids of the articles whose text holds a word (else every article is read)."""
        self._pool = pool
        self._containing = containing

    @property
    def names(self) -> list[str]:
        """Every name and alias the index knows, sorted."""
        return self._pool.names()

    @property
    def _name_set(self) -> frozenset[str]:
        return self._pool.name_set()

    @property
    def _articles(self) -> list[ArticleSpeakers]:
        return self._pool.every()

    def updated(self, removed: Iterable[str], added: Iterable[Speakers], load: Callable[[str], ArticleRecord],
                containing: Callable[[Sequence[str]], Iterable[str]] | None = None) -> Attribution:
        """This attribution with the articles ``removed`` (replaced ones too) taken out and ``added`` put
        in, without reading the others again; ``load`` and ``containing`` read the new snapshot."""
        fresh = [ArticleSpeakers(aid, (people, statements), load) for aid, people, statements in added]
        return Attribution.over(self._pool.updated(set(removed), fresh, load), containing)

    def people(self) -> list[tuple[Person, ArticleRecord, int]]:
        """Everyone the index knows as a speaker or with a role, with the article and how many
        statements they make there (names only mentioned are left out)."""
        out = []
        for article in self._pool.every():
            for person in article.people:
                if person.kind == "mention":
                    continue
                said = sum(s.name == person.name for s in article.statements)
                out.append((person, article.record, said))
        return out

    def answer(self, question: str) -> list[Quote] | NotFound | None:
        """Every statement that answers a speaker question, best first; why none does; or None when
        the question is not about a speaker."""
        parsed = parse_speaker_question(question, self._pool.name_set())
        if parsed is None:
            return None
        found: list[tuple[Statement, ArticleSpeakers]] = []
        for article in self._candidates(parsed):
            mentioned = _mentions_of(article)
            people = article.people if parsed.name is not None else article.titled
            found.extend((s, article) for s in find_statements(parsed, people, article.statements, mentioned))
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

    def _candidates(self, parsed: SpeakerQuestion) -> list[ArticleSpeakers]:
        """The articles whose statements may answer, in article order."""
        if parsed.name is not None and parsed.kind != "who_said":
            return self._about(parsed)
        # "谁说…" is answered by what was said, by anyone: only articles whose statements hold enough of
        # the claim's character pairs can answer it.
        claim = claim_pairs(parsed)
        return self._pool.saying(*claim) if claim is not None else self._pool.flagged("quotes_anyone")

    def _holders(self, parsed: SpeakerQuestion) -> list[tuple[Person, ArticleRecord]]:
        """Who the question asks about, as the index knows them (none of them quoted)."""
        holders: list[tuple[Person, ArticleRecord]] = []
        for article in self._about(parsed):
            mentioned = _mentions_of(article)
            people = article.people if parsed.name is not None else article.titled
            holders.extend((p, article.record) for p in people if speaks_for(parsed, p, mentioned))
        if not holders and parsed.name is not None:
            # A name no extraction caught (in an enumeration, say) is still mentioned if the text has it.
            for article in self._mentioning(parsed.name):
                if _mentions_of(article)(parsed.name):
                    holders.append((Person(parsed.name, (), None, (), "mention"), article.record))
        return holders

    def _about(self, parsed: SpeakerQuestion) -> list[ArticleSpeakers]:
        """The articles whose people may be the one a question asks about: for a name, those with a
        person or a statement of that name (or with it as an alias, "卡斯特" for 简·卡斯特); for a role or
        a description, those with a person who has a role or is an organisation or unnamed. At 100k
        chunks, trying every person of every article took 70-300 ms per speaker question
        (benchmarks/README.md "Serving beside a busy job")."""
        if parsed.name is None:
            return self._pool.flagged("titles_anyone")
        return self._pool.named(parsed.name)

    def _mentioning(self, word: str) -> list[ArticleSpeakers]:
        """The articles that may mention ``word`` in either script (a superset), in article order."""
        if self._containing is None:
            return self._pool.every()
        return self._pool.among(self._containing(sorted({word, to_traditional(word)})))

    @staticmethod
    def _quote(statement: Statement, article: ArticleSpeakers, rank: int) -> Quote:
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
        article = self._pool.quoting(quote.article_id)
        for s in article.statements if article is not None else ():
            if s.start <= quote.start and quote.end <= s.end:
                return Speaker(s.name, s.role)
        return None
