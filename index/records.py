"""The records that flow through the pipeline: article → paragraphs → chunks → hits → quotes."""

from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass(frozen=True)
class Answer:
    """The quotes for one question, best first; ``found`` is False when nothing answers it."""

    question: str
    found: bool
    quotes: list[Quote] = field(default_factory=list)
    note: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "found": self.found,
            "answers": [
                {
                    "quote": q.text,
                    "article": q.title,
                    "article_id": q.article_id,
                    "section": q.section,
                    "score": round(float(q.score), 4),
                    "speaker": (
                        {"name": q.speaker.name, "role": q.speaker.role} if q.speaker is not None else None
                    ),
                }
                for q in self.quotes
            ],
        }


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
