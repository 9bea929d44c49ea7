"""A small, deterministic stand-in for ``index.engine.QuoteEngine``, with the same interface.

It scores sentences by the share of the question's Chinese character pairs they contain, which is
enough to tell the Weihai paragraph from the Yantai one, and it lets a test hold a question or an
index update in mid-flight (``hold_question``, ``hold_updates``) to prove the bot keeps answering.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from index import Answer, ArticleInfo, IndexReport, NotFound, Page, Paragraph, Quote, Reason, Speaker
from index.errors import UnknownArticleError
from index.sentences import split_sentences

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm")
# Question words carry no content: matching them would find every sentence that asks anything.
STOP_PAIRS = {"什么", "说了", "了什", "是什", "怎么", "哪些", "多少", "是谁", "谁说"}


@dataclass(frozen=True)
class _Article:
    info: ArticleInfo
    paragraphs: list[Paragraph]


def _pairs(text: str) -> set[str]:
    han = re.findall(r"[\u4e00-\u9fff]+", text)
    words = {w.lower() for w in re.findall(r"[A-Za-z0-9]{2,}", text)}
    return {run[i : i + 2] for run in han for i in range(len(run) - 1)} - STOP_PAIRS | words


def _slug(path: Path) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return slug or "article"


def load(path: Path, article_id: str) -> _Article:
    """Title on the first line; a short line ending in a colon opens a section; other lines are paragraphs."""
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path.name} is not UTF-8 text.") from None
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if not lines:
        raise ValueError(f"{path.name} is empty.")
    title, section = lines[0], None
    paragraphs: list[Paragraph] = []
    offset = 0
    for line in lines[1:]:
        if len(line) <= 30 and line.endswith((":", "：")):
            section = line.rstrip(":：")
            continue
        paragraphs.append(Paragraph(len(paragraphs), line, section, offset, offset + len(line)))
        offset += len(line) + 2
    sections = list(dict.fromkeys(p.section for p in paragraphs if p.section))
    chunks = sum(len(split_sentences(p.text)) for p in paragraphs)
    info = ArticleInfo(article_id, title, str(path.resolve()), sections, chunks, offset, str(hash(raw)))
    return _Article(info, paragraphs)


class FakeEngine:
    """The QuoteEngine interface over an in-memory dict that updates swap whole."""

    def __init__(self, articles_dir: Path, threshold: float = 0.3) -> None:
        self.articles_dir = articles_dir
        self.threshold = threshold
        self.speakers: dict[str, Speaker] = {}
        self._articles: dict[str, _Article] = {}
        self._write = threading.Lock()
        self._held: dict[str, threading.Event] = {}
        self.question_started = threading.Event()
        self.hold_updates: threading.Event | None = None
        self.update_started = threading.Event()
        self.asked: list[str] = []
        self.fail_on: str | None = None

    def hold_question(self, question: str) -> threading.Event:
        """Make ``ask(question)`` wait until the returned event is set."""
        event = threading.Event()
        self._held[question] = event
        return event

    # -- reading -----------------------------------------------------------------------------------

    def ask(self, question: str, top_k: int = 3, cursor: str | None = None) -> Answer:
        offset = int(cursor or 0)
        self.asked.append(question)
        if self.fail_on is not None and self.fail_on in question:
            raise RuntimeError("the fake engine was told to fail on this question")
        held = self._held.get(question)
        if held is not None:
            self.question_started.set()
            held.wait(10)
        articles = self._articles  # one snapshot: an update swapping the dict cannot tear a search
        wanted = _pairs(question)
        scored: list[tuple[float, Quote]] = []
        for article in articles.values():
            for p in article.paragraphs:
                for start, end in split_sentences(p.text):
                    sentence = p.text[start:end]
                    if not wanted:
                        continue
                    matched = sorted(w for w in wanted if w in sentence.lower())
                    score = len(matched) / len(wanted)
                    if score < self.threshold:
                        continue
                    speaker = next((s for key, s in self.speakers.items() if key in sentence), None)
                    quote = Quote(
                        text=sentence, article_id=article.info.article_id, title=article.info.title,
                        section=p.section, paragraph=p.number, start=p.start + start, end=p.start + end,
                        score=score, context=p.text, speaker=speaker, matched=tuple(matched),
                    )  # fmt: skip
                    scored.append((score, quote))
        scored.sort(key=lambda pair: (-pair[0], pair[1].article_id, pair[1].start))
        page = [quote for _, quote in scored[offset : offset + top_k]]
        if not page:
            return NotFound(question, Reason.NO_MORE if offset else Reason.NO_MATCH)
        more = len(scored) > offset + top_k
        return Page(question, page, more, str(offset + top_k) if more else None, offset)

    def articles(self) -> list[ArticleInfo]:
        return sorted((a.info for a in self._articles.values()), key=lambda a: a.article_id)

    def paragraph(self, article_id: str, number: int) -> Paragraph | None:
        article = self._articles.get(article_id)
        if article is None or not 0 <= number < len(article.paragraphs):
            return None
        return article.paragraphs[number]

    def stats(self) -> dict[str, int]:
        articles = self._articles
        return {"articles": len(articles), "chunks": sum(a.info.chunks for a in articles.values())}

    # -- writing -----------------------------------------------------------------------------------

    def add_files(self, paths: Sequence[Path]) -> IndexReport:
        with self._write:
            self.update_started.set()
            if self.hold_updates is not None:
                self.hold_updates.wait(10)
            articles = dict(self._articles)
            report = self._add(articles, paths)
            self._articles = articles
        return report

    def _add(self, articles: dict[str, _Article], paths: Sequence[Path]) -> IndexReport:
        report = IndexReport()
        for path in paths:
            try:
                article = load(path, _slug(path))
            except ValueError as exc:
                report.failed.append((str(path), str(exc)))
                continue
            old = articles.get(article.info.article_id)
            if old is not None and old.info.content_hash == article.info.content_hash:
                report.unchanged.append(old.info)
                continue
            articles[article.info.article_id] = article
            report.added.append(article.info)
            report.embedded_chunks += article.info.chunks
        return report

    def remove(self, article_id: str) -> ArticleInfo:
        with self._write:
            if article_id not in self._articles:
                raise UnknownArticleError(f"No article with id '{article_id}' is indexed.")
            articles = dict(self._articles)
            removed = articles.pop(article_id)
            self._articles = articles
        return removed.info

    def rebuild(self, folders: object = None, force: bool = False) -> IndexReport:
        with self._write:
            files = sorted(
                p for p in self.articles_dir.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED and not p.name.startswith(".")
            )  # fmt: skip
            articles: dict[str, _Article] = {}
            report = self._add(articles, files)
            self._articles = articles
        return report


# A short report in the sample article's shape: headline, city sections, who said what.
ARTICLE = """潍烟威日四市党政考察团来青考察
烟台:
5月14日，烟台市委书记张术平率领烟台市党政考察团来青考察。
张术平表示，对接青岛就是对接世界，烟台将主动融入青岛都市圈。
威海:
威海市委书记张海波说，威海与青岛合作基础扎实，双方在港口、产业等方面互补性强。
威海将积极接轨青岛，在交通设施、市场要素等方面加强对接。
日照:
日照市委书记张惠表示，日照愿与青岛携手打造胶东经济圈的南翼支点。
"""

ARTICLE_TITLE = "潍烟威日四市党政考察团来青考察"
WEIHAI_QUOTE = "威海与青岛合作基础扎实"


def make_engine(folder: Path, text: str = ARTICLE, name: str = "jiaodong.txt") -> FakeEngine:
    """A fake engine over a fresh articles folder holding ``text``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    engine = FakeEngine(folder)
    engine.rebuild()
    return engine
