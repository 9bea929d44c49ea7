"""The data model: article → paragraphs → chunks, the records an index stores, and quotes.

Everything here is plain data; reading and writing it is :mod:`index.store`'s job, and the answers the
engine gives are in :mod:`index.results`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Paragraph:
    """One cleaned paragraph; ``start``/``end`` are offsets into :attr:`CleanArticle.text`.

    ``lead`` counts the characters of a dateline opening the text ("新华社北京5月14日电（记者 X）"):
    they stay in the verbatim text, but they are metadata, and a quote starts after them.
    """

    number: int
    text: str
    section: str | None
    start: int
    end: int
    lead: int = 0


def sections_of(paragraphs: list[Paragraph]) -> list[str]:
    """The distinct sections of some paragraphs, in order of appearance."""
    return list(dict.fromkeys(p.section for p in paragraphs if p.section is not None))


@dataclass(frozen=True)
class CleanArticle:
    """An article after cleaning: verbatim paragraphs joined by blank lines, and what is known of it.

    ``date`` is the publication date as YYYY-MM-DD, ``outlet`` the publisher, ``author`` the reporter
    or author the article names, ``url`` where it was fetched from; each is None when unknown.
    """

    article_id: str
    title: str
    source: str
    paragraphs: list[Paragraph]
    date: str | None = None
    outlet: str | None = None
    author: str | None = None
    url: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)

    @property
    def sections(self) -> list[str]:
        return sections_of(self.paragraphs)

    @property
    def file(self) -> str | None:
        """The file the article was read from; None for one fetched from a link (its source is the URL)."""
        return None if self.url is not None and self.source == self.url else self.source


@dataclass(frozen=True)
class Chunk:
    """One or more whole sentences of one paragraph; offsets index the cleaned article text."""

    article_id: str
    title: str
    section: str | None
    paragraph: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Speaker:
    """Who said a quote, when the index knows."""

    name: str
    role: str


@dataclass(frozen=True)
class Quote:
    """A verbatim passage that answers a question, with where it comes from."""

    text: str
    article_id: str
    title: str
    section: str | None
    paragraph: int
    start: int
    end: int
    score: float
    context: str
    speaker: Speaker | None = None
    matched: tuple[str, ...] = ()
    # The article's publication date (YYYY-MM-DD), publisher and link, when known.
    date: str | None = None
    outlet: str | None = None
    url: str | None = None
    # The same passage in other articles (a wire story reprinted by other outlets), shown once.
    also_in: tuple[SourceRef, ...] = ()


@dataclass(frozen=True)
class SourceRef:
    """Another article that carries a quote: enough to name and link it."""

    article_id: str
    title: str
    outlet: str | None = None
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class ArticleInfo:
    """What the index holds about one article."""

    article_id: str
    title: str
    source: str
    sections: list[str]
    chunks: int
    chars: int
    content_hash: str
    date: str | None = None
    outlet: str | None = None
    author: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Calibration:
    """Where an embedder's cosine similarities lie: below ``floor`` nothing is related, above
    ``ceiling`` the passage restates the question. Scores are mapped onto 0..1 between the two, so a
    threshold means the same whatever the model (see :mod:`index.calibration`)."""

    floor: float
    ceiling: float

    def scale(self, cosine: float) -> float:
        return min(max((cosine - self.floor) / (self.ceiling - self.floor), 0.0), 1.0)


@dataclass
class ChunkRow:
    """A stored chunk: the chunk, its vector id and its content hash (the embedding cache key)."""

    id: int
    chunk: Chunk
    hash: str
    # Serialised once: saving an index must not re-encode every unchanged chunk.
    _line: str | None = field(default=None, init=False, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "hash": self.hash, **vars(self.chunk)}

    def json_line(self) -> str:
        if self._line is None:
            self._line = json.dumps(self.to_json(), ensure_ascii=False)
        return self._line

    def keep_line(self, line: str) -> None:
        """Take ``line``, this row as an index file stores it, as its serialised form."""
        self._line = line

    @staticmethod
    def from_json(raw: dict[str, Any]) -> ChunkRow:
        raw = dict(raw)
        chunk_id, digest = raw.pop("id"), raw.pop("hash")
        return ChunkRow(chunk_id, Chunk(**raw), digest)


@dataclass
class ArticleRecord:
    """A stored article: what it is, where it came from, and its paragraphs (for context)."""

    article_id: str
    title: str
    source: str
    content_hash: str
    paragraphs: list[Paragraph]
    chunk_ids: list[int]
    # BM25 terms of each paragraph, kept so an update never re-tokenises unchanged articles.
    terms: list[list[str]] = field(default_factory=list)
    # Filled by the who-said-what extraction; plain JSON-able dicts.
    people: list[dict[str, Any]] = field(default_factory=list)
    statements: list[dict[str, Any]] = field(default_factory=list)
    # What the article says about itself (CleanArticle's fields); None when unknown, and in indexes
    # written before they were kept.
    date: str | None = None
    outlet: str | None = None
    author: str | None = None
    url: str | None = None
    # Serialised once (``dataclasses.replace`` starts a new record without it).
    _json: str | None = field(default=None, init=False, repr=False, compare=False)
    _terms_line: str | None = field(default=None, init=False, repr=False, compare=False)

    def json_text(self) -> str:
        """The stored article without its terms (they go to the terms file: :meth:`terms_line`)."""
        if self._json is None:
            self._json = json.dumps({k: v for k, v in self.to_json().items() if k != "terms"}, ensure_ascii=False)
        return self._json

    def keep_terms_line(self, line: str) -> None:
        """Take ``line``, this article's terms as the terms file stores them, as their serialised form."""
        self._terms_line = line

    def terms_line(self) -> str:
        if self._terms_line is None:
            self._terms_line = json.dumps({"article_id": self.article_id, "terms": self.terms}, ensure_ascii=False)
        return self._terms_line

    @property
    def sections(self) -> list[str]:
        return sections_of(self.paragraphs)

    def info(self) -> ArticleInfo:
        return ArticleInfo(
            article_id=self.article_id,
            title=self.title,
            source=self.source,
            sections=self.sections,
            chunks=len(self.chunk_ids),
            chars=sum(len(p.text) for p in self.paragraphs),
            content_hash=self.content_hash,
            date=self.date,
            outlet=self.outlet,
            author=self.author,
            url=self.url,
        )

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)

    def to_json(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "content_hash": self.content_hash,
            "paragraphs": [dict(vars(p)) for p in self.paragraphs],
            "chunk_ids": self.chunk_ids,
            "terms": self.terms,
            "people": self.people,
            "statements": self.statements,
            "date": self.date,
            "outlet": self.outlet,
            "author": self.author,
            "url": self.url,
        }

    @staticmethod
    def from_json(raw: dict[str, Any]) -> ArticleRecord:
        return ArticleRecord(
            article_id=raw["article_id"],
            title=raw["title"],
            source=raw["source"],
            content_hash=raw["content_hash"],
            paragraphs=[Paragraph(**p) for p in raw["paragraphs"]],
            chunk_ids=list(raw["chunk_ids"]),
            terms=[list(t) for t in raw.get("terms", [])],
            people=list(raw.get("people", [])),
            statements=list(raw.get("statements", [])),
            date=_optional_text(raw.get("date")),
            outlet=_optional_text(raw.get("outlet")),
            author=_optional_text(raw.get("author")),
            url=_optional_text(raw.get("url")),
        )


def _optional_text(value: Any) -> str | None:
    """A stored metadata field: a string, or None (absent in indexes written before it existed)."""
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"expected a string or null, got {type(value).__name__}")


def text_hash(title: str, text: str) -> str:
    """The hash of what an article says: its title and its paragraphs joined by blank lines
    (:func:`index.articles.content_hash`); the articles file keeps it in an indexed column."""
    return hashlib.sha256(f"{title}\0{text}".encode()).hexdigest()
