"""Changing an index in memory: articles in (read, cleaned, chunked, tokenised, embedded) and out.

An :class:`Indexer` works on a private :class:`IndexData` copy; the engine saves it and swaps it in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from index.articles import article_hash, base_id, load_articles, unique_base_id
from index.chunking import chunk_article
from index.embedders import Embedder
from index.embedding_cache import EmbeddingCache, content_hash, embed_passages
from index.errors import ArticleError, BuildRefusedError
from index.links import LinkArticles, unique_link_ids
from index.normalization import Analyzer, quoted_terms, to_simplified
from index.records import ArticleInfo, ArticleRecord, ChunkRow, CleanArticle
from index.settings import DEFAULT_LIMITS, IngestLimits
from index.snapshot import IndexData
from index.text_workers import extract_many

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called while indexing, for progress bars."""

Prepared = list[tuple[CleanArticle, str]]
"""Clean articles with their content hashes, ready to be indexed."""

Built = list[tuple[ArticleRecord, list[ChunkRow]]]
"""New articles' records with their chunk rows."""


@dataclass
class IndexReport:
    """What an indexing run did; ``failed`` holds (file, one-line reason) for files left out."""

    added: list[ArticleInfo] = field(default_factory=list)
    unchanged: list[ArticleInfo] = field(default_factory=list)
    removed: list[ArticleInfo] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    embedded_chunks: int = 0
    seconds: float = 0.0
    # Where a damaged manifest was moved when a rebuild replaced it.
    damaged_manifest: Path | None = None


class Indexer:
    """Puts articles into an :class:`IndexData` and takes them out again."""

    def __init__(
        self,
        embedder: Embedder,
        analyzer: Analyzer,
        cache: Callable[[], EmbeddingCache],
        chunk_target: int,
        chunk_max: int,
        simplify_for_embedding: bool,
        limits: IngestLimits = DEFAULT_LIMITS,
        progress: Progress | None = None,
    ) -> None:
        self.embedder = embedder
        self.analyzer = analyzer
        self._cache = cache
        self.chunk_target = chunk_target
        self.chunk_max = chunk_max
        self.simplify_for_embedding = simplify_for_embedding
        self.limits = limits
        self.progress = progress

    def prepare(self, data: IndexData, files: list[Path], report: IndexReport) -> Prepared:
        """Read and clean ``files``; articles a file no longer holds are dropped from ``data``."""
        taken: dict[str, str] = data.column("source")
        sources = dict(taken)
        prepared: Prepared = []
        for i, path in enumerate(files):
            self._report("reading", i, len(files))
            articles = self._load(path, taken, report)
            if articles is None:
                continue
            prepared.extend(self._take(data, str(path.resolve()), articles, taken, sources, report))
        self._report("reading", len(files), len(files))
        return prepared

    def _load(self, path: Path, taken: dict[str, str], report: IndexReport) -> list[CleanArticle] | None:
        """The clean articles of one file (ids unique among ``taken``); None, noted in ``report``, when
        the file cannot be read as articles."""
        try:
            return load_articles(path.resolve(), unique_base_id(path, taken), self.limits)
        except ArticleError as exc:
            report.failed.append((str(path), str(exc)))
            return None

    def prepare_links(self, data: IndexData, links: Sequence[LinkArticles], report: IndexReport) -> Prepared:
        """Articles already fetched and cleaned from links, with the URL as their source."""
        if not links:
            return []  # every article's source is a column of every segment: not read for nothing
        taken: dict[str, str] = data.column("source")
        sources = dict(taken)
        prepared: Prepared = []
        for link in links:
            link = unique_link_ids(link, taken)
            prepared.extend(self._take(data, link.url, link.articles, taken, sources, report))
        return prepared

    def _take(
        self, data: IndexData, source: str, articles: list[CleanArticle], taken: dict[str, str],
        sources: dict[str, str], report: IndexReport,
    ) -> Prepared:
        """``articles`` read from ``source``; articles the source held before and holds no more are dropped.

        ``sources`` is the source of every article ``data`` holds (kept up to date here).
        """
        ids = {a.article_id for a in articles}
        stale = [aid for aid, held in sources.items() if held == source and aid not in ids]
        if stale:
            report.removed.extend(data.articles[a].info() for a in stale)
            self.drop(data, stale)
            for aid in stale:
                sources.pop(aid, None)
        for article in articles:
            taken[article.article_id] = source
        return [(article, article_hash(article)) for article in articles]

    def apply(self, data: IndexData, prepared: Prepared, replace_all: bool, report: IndexReport) -> None:
        """Insert new and changed articles into ``data``; unchanged ones are only reported."""
        todo: Prepared = []
        for article, digest in prepared:
            existing = data.articles.get(article.article_id)
            # An index written before metadata was kept has the hash but not the fields: fill them in.
            same_meta = existing is not None and (existing.date, existing.outlet, existing.author, existing.url) == (
                article.date, article.outlet, article.author, article.url)
            if existing is not None and existing.content_hash == digest and same_meta and not replace_all:
                report.unchanged.append(existing.info())
            else:
                todo.append((article, digest))
        if todo:
            self.drop(data, [a.article_id for a, _ in todo if a.article_id in data.articles])
            report.embedded_chunks = self._insert(data, todo)
            report.added.extend(data.articles[a.article_id].info() for a, _ in todo)

    def drop(self, data: IndexData, article_ids: Sequence[str]) -> None:
        # Chunks are found by the article they belong to, not by the ids the article lists: a list that
        # disagrees with the chunks must never take another article's chunk with it.
        data.drop(list(article_ids))

    def _insert(self, data: IndexData, todo: Prepared) -> int:
        """Chunk, tokenise and embed new articles into ``data``; returns how many chunks were embedded."""
        start = data.next_id
        built, words = self.chunk(todo, start)
        # Names learned from the new articles stay whole for jieba before any of them is tokenised.
        self._learn_words(data, words)
        if data.next_id != start:
            # Saved articles tokenised again for a learned word moved under the ids from ``start`` on.
            built = renumbered(built, data.next_id - start)
        # All paragraphs at once: OpenCC per batch, and jieba in worker processes for a large one.
        terms = iter(self.analyzer.terms_many([p.text for record, _ in built for p in record.paragraphs]))
        built = [(replace(record, terms=[next(terms) for _ in record.paragraphs]), rows) for record, rows in built]
        vectors, embedded = self.embed(built)
        at = 0
        for record, rows in built:
            data.add(record, rows, np.asarray(vectors[at : at + len(rows)], dtype=np.float32).reshape(-1, data.dim))
            at += len(rows)
        return embedded

    def chunk(self, todo: Prepared, next_id: int) -> tuple[Built, list[str]]:
        """New articles as records without terms, with their chunk rows (ids from ``next_id`` on, in
        order), and the words jieba must keep whole from now on (people's names, quoted terms)."""
        # Speakers of all new articles at once: in worker processes when there are many (index.text_workers).
        extracted = extract_many([article.paragraphs for article, _ in todo], self.analyzer)
        names = [str(p["name"]) for people, _ in extracted for p in people]
        words = names + [w for article, _ in todo for w in quoted_terms(article.text)]
        built: Built = []
        for (article, digest), (people, statements) in zip(todo, extracted, strict=True):
            chunks = chunk_article(article, self.chunk_target, self.chunk_max)
            ids = list(range(next_id, next_id + len(chunks)))
            next_id += len(chunks)
            rows = [ChunkRow(i, chunk, content_hash(chunk.text)) for i, chunk in zip(ids, chunks, strict=True)]
            record = ArticleRecord(
                article_id=article.article_id,
                title=article.title,
                source=article.source,
                content_hash=digest,
                paragraphs=article.paragraphs,
                chunk_ids=ids,
                terms=[],
                people=people,
                statements=statements,
                date=article.date,
                outlet=article.outlet,
                author=article.author,
                url=article.url,
            )
            built.append((record, rows))
        return built, words

    def embed(self, built: Built) -> tuple[np.ndarray, int]:
        """The vectors of every chunk of ``built``, in order, and how many were embedded (not cached)."""
        simplify = to_simplified if self.simplify_for_embedding else str
        texts = [simplify(row.chunk.text) for _, rows in built for row in rows]
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            self._report("embedding", done, len(texts))

        self._report("embedding", 0, len(texts))
        vectors, embedded = embed_passages(self.embedder, texts, self._cache(), step)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.embedder.dim), embedded

    def count(self, files: list[Path]) -> int:
        """How many articles ``files`` hold (files that fail count none)."""
        count = 0
        for path in files:
            try:
                count += len(load_articles(path.resolve(), base_id(path), self.limits))
            except ArticleError:
                continue
        return count

    def read(self, files: list[Path], report: IndexReport) -> Iterator[tuple[CleanArticle, str]]:
        """Read and clean ``files`` one at a time for a build from scratch (nothing is dropped: the
        index being built is empty); a file that fails goes to ``report.failed``."""
        taken: dict[str, str] = {}
        for i, path in enumerate(files):
            self._report("reading", i, len(files))
            articles = self._load(path, taken, report)
            if articles is None:
                continue
            for article in articles:
                taken[article.article_id] = str(path.resolve())
            yield from ((article, article_hash(article)) for article in articles)
        self._report("reading", len(files), len(files))

    def _learn_words(self, data: IndexData, words: list[str]) -> None:
        """Keep new names whole in jieba; re-tokenise the stored paragraphs that contain them."""
        new = sorted(set(words) - set(data.user_words))
        if not new:
            return
        data.user_words = sorted(set(data.user_words) | set(new))
        self.analyzer.add_words(new)
        records = [data.articles[aid] for aid in sorted(data.containing(new))]
        terms = iter(self.analyzer.terms_many([p.text for record in records for p in record.paragraphs]))
        for record in records:
            data.put(replace(record, terms=[next(terms) for _ in record.paragraphs]))

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)


def refuse_shrinking(previous: int, new: int, folders: Sequence[Path]) -> None:
    """Refuse a rebuild that would drop every indexed article, or more than half of them."""
    where = ", ".join(str(f) for f in folders)
    if new == 0:
        raise BuildRefusedError(
            f"Rebuilding from {where} would replace the {previous} indexed articles with none (no readable "
            "article was found there); nothing was changed. Use --force to build an empty index.",
            previous,
            new,
        )
    if new * 2 < previous:
        raise BuildRefusedError(
            f"Rebuilding from {where} would keep {new} articles of the {previous} now indexed; nothing was "
            "changed. Add the missing files or folders, or use --force to rebuild from these alone.",
            previous,
            new,
        )


def renumbered(built: Built, offset: int) -> Built:
    """``built`` with every chunk id moved up by ``offset``."""
    out: Built = []
    for record, rows in built:
        moved = [replace(row, id=row.id + offset) for row in rows]
        out.append((replace(record, chunk_ids=[row.id for row in moved]), moved))
    return out
