"""The quote engine: one live index that answers questions and takes updates without stopping.

Readers take the current :class:`Searcher` and use it unlocked; an update builds a new one off to the
side, saves it, and swaps the reference, so questions keep being answered during an update.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from index import directory, store
from index.articles import article_hash, collect_files, load_articles, unique_base_id
from index.attribution import Attribution, extract
from index.chunking import chunk_article
from index.embedders import Embedder
from index.embedding_cache import EmbeddingCache, content_hash, embed_passages
from index.errors import (
    ArticleError,
    BuildRefusedError,
    IndexCorruptError,
    IndexStoreError,
    QuoteBotError,
    UnknownArticleError,
)
from index.manifest import read_manifest
from index.normalization import Analyzer, quoted_terms, to_simplified
from index.quoting import quote_passage
from index.records import Answer, ArticleInfo, CleanArticle, Paragraph, Quote
from index.search import PassageHit, Searcher
from index.store import ArticleRecord, ChunkRow, IndexData

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called while indexing, for progress bars."""


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


@dataclass(frozen=True)
class EngineSettings:
    """Plain typed parameters of an engine (the bot maps its config onto these)."""

    index_dir: Path
    cache_dir: Path
    articles_dir: Path
    # The config file, which an index path must never be or contain (nor the articles folder).
    config_file: Path | None = None
    chunk_target: int = 50
    chunk_max: int = 200
    threshold: float = 0.5
    dense_weight: float = 0.45
    candidates: int = 50
    # Embed the simplified-script text: the bundled model matches traditional Chinese less well.
    simplify_for_embedding: bool = True


class QuoteEngine:
    def __init__(self, settings: EngineSettings, embedder: Embedder, progress: Progress | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.progress = progress
        self.analyzer = Analyzer(cache_dir=settings.cache_dir)
        self._cache: EmbeddingCache | None = None
        self._write = threading.Lock()
        self._searcher: Searcher | None = None
        self._attribution: Attribution | None = None
        self.started = time.time()

    # -- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, settings: EngineSettings, embedder: Embedder, progress: Progress | None = None) -> QuoteEngine:
        """Load the index, or build it from the articles folder when its directory is new or empty.

        Anything else (index files without a manifest, a damaged manifest, a folder of other files) is an
        error: building there on our own would drop articles added from elsewhere.
        """
        engine = cls(settings, embedder, progress)
        index_dir = settings.index_dir
        engine._check_location()
        found = directory.status(index_dir)
        if found is directory.Status.INDEX:
            engine._install(store.load(index_dir, embedder.name, embedder.dim))
        elif found is directory.Status.ORPHANED:
            raise IndexCorruptError(
                f"The index at {index_dir} holds index files but no manifest.json; rebuild it with "
                "'quotebot index build' (and add again any article that came from outside the articles folder)."
            )
        else:
            report = engine.rebuild()
            if not report.added and report.failed:
                first = report.failed[0]
                raise ArticleError(f"No article could be indexed from {settings.articles_dir}: {first[1]}")
        return engine

    def _check_location(self) -> None:
        s = self.settings
        protected = [("the articles folder", s.articles_dir)]
        if s.config_file is not None:
            protected.append(("the config file", s.config_file))
        directory.check_location(s.index_dir, protected)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """This engine's write lock and the directory's, on a directory QuoteBot owns."""
        self._check_location()
        directory.claim(self.settings.index_dir)
        with self._write, directory.write_lock(self.settings.index_dir):
            yield

    @property
    def articles_dir(self) -> Path:
        return self.settings.articles_dir

    @property
    def cache(self) -> EmbeddingCache:
        if self._cache is None:
            self._cache = EmbeddingCache(self.settings.cache_dir / "embeddings.sqlite")
        return self._cache

    @property
    def searcher(self) -> Searcher:
        searcher = self._searcher
        if searcher is None:
            raise QuoteBotError("The index is not loaded.")
        return searcher

    def _install(self, data: IndexData) -> None:
        if data.user_words:
            self.analyzer.add_words(data.user_words)
        searcher = Searcher(
            data,
            self.embedder,
            self.settings.dense_weight,
            self.settings.candidates,
            self.settings.simplify_for_embedding,
        )
        attribution = Attribution(data.articles.values())
        # Readers take both references; they may briefly pair an old searcher with a new attribution,
        # which is harmless: each answers from its own complete snapshot.
        self._searcher, self._attribution = searcher, attribution

    @property
    def attribution(self) -> Attribution:
        if self._attribution is None:
            raise QuoteBotError("The index is not loaded.")
        return self._attribution

    # -- reading ---------------------------------------------------------------------------------

    def ask(self, question: str, top_k: int = 3, offset: int = 0) -> Answer:
        """Quotes that answer ``question``, best first; ``found`` is False below the threshold."""
        return self.answer(question, top_k, offset)[0]

    def answer(
        self, question: str, top_k: int = 3, offset: int = 0, depth: int = 0
    ) -> tuple[Answer, list[PassageHit]]:
        """:meth:`ask`, plus the ranked passages behind it (at least ``depth`` of them, for evaluation).

        ``Answer.note`` is a sentence for the user when there is more to say than "not found".
        """
        question = question.strip()
        searcher, attribution = self.searcher, self.attribution
        if not question:
            return Answer(question, False, [], "问题是空的。"), []
        spoken = attribution.answer(question, top_k, offset)
        if spoken is not None and depth == 0:
            return spoken, []
        query = searcher.prepare(question)
        ranked = searcher.search(query, max(offset + top_k, depth))
        if spoken is not None:
            return spoken, ranked
        # The threshold was calibrated on the best passage alone: when it does not answer, nothing does.
        if not ranked or ranked[0].confidence < self.settings.threshold:
            return Answer(question, False, [], None), ranked
        hits = [h for h in ranked[: offset + top_k] if h.confidence >= self.settings.threshold]
        if not hits:
            return Answer(question, False, [], None), ranked
        quotes: list[Quote] = []
        for hit in hits[offset:]:
            quote = quote_passage(hit, query, searcher)
            # The same sentence often stands in several paragraphs ("…主持。"): show it once.
            if all(quote.text != q.text for q in quotes):
                quotes.append(replace(quote, speaker=attribution.speaker_of(quote)))
        note = None if quotes else "没有更多的引文了。"
        return Answer(question, bool(quotes), quotes, note), ranked

    def articles(self) -> list[ArticleInfo]:
        data = self.searcher.data
        return sorted((a.info() for a in data.articles.values()), key=lambda a: a.article_id)

    def paragraph(self, article_id: str, number: int) -> Paragraph | None:
        article = self.searcher.data.articles.get(article_id)
        if article is None or not 0 <= number < len(article.paragraphs):
            return None
        return article.paragraphs[number]

    def stats(self) -> dict[str, int]:
        data = self.searcher.data
        return {
            "articles": len(data.articles),
            "chunks": len(data.rows),
            "generation": data.generation,
            "uptime_s": int(time.time() - self.started),
        }

    # -- writing ---------------------------------------------------------------------------------

    def _current_for_update(self) -> IndexData:
        """A private copy of the live index to modify (the live one keeps serving questions)."""
        import faiss

        idx = self.settings.index_dir
        live = self._searcher.data if self._searcher is not None else None
        found = directory.status(idx)
        if found is directory.Status.INDEX:
            if live is None or live.generation != read_manifest(idx).generation:
                # Another process updated the index since we loaded it: start from what is on disk.
                live = store.load(idx, self.embedder.name, self.embedder.dim)
        elif found is directory.Status.ORPHANED or live is not None:
            raise IndexCorruptError(
                f"The index at {idx} has lost its manifest.json; rebuild it with 'quotebot index build'."
            )
        if live is None:
            return IndexData.empty(self.embedder.name, self.embedder.dim)
        return IndexData(
            embedder=live.embedder,
            dim=live.dim,
            vectors=faiss.clone_index(live.vectors),
            rows=list(live.rows),
            articles=dict(live.articles),
            bm25=live.bm25,
            user_words=list(live.user_words),
            generation=live.generation,
        )

    def add_files(self, paths: Sequence[Path]) -> IndexReport:
        """Index new or changed files; unchanged articles and cached chunks are not re-embedded."""
        started = time.time()
        with self._writing():
            data = self._current_for_update()
            report = IndexReport()
            self._apply(data, self._prepare(data, collect_files(paths), report), False, report)
            # Nothing new: the live generation stays, rather than a copy of it.
            if report.added or report.removed:
                self._commit(data)
        report.seconds = time.time() - started
        return report

    def rebuild(self, folders: Sequence[Path] | None = None, force: bool = False) -> IndexReport:
        """Index everything under ``folders`` (default: the articles folder) from scratch.

        The old manifest is not needed: a damaged one is moved aside. A rebuild that would drop every
        indexed article, or more than half of them, is refused unless ``force`` is set.
        """
        folders = list(folders) if folders else [self.settings.articles_dir]
        idx = self.settings.index_dir
        started = time.time()
        with self._writing():
            report = IndexReport()
            try:
                previous: int | None = read_manifest(idx).counts.articles
            except IndexCorruptError:
                previous = None
                report.damaged_manifest = directory.set_aside(idx)
            except IndexStoreError:
                previous = None  # no index yet, or one of another format or model: nothing to compare
            data = IndexData.empty(self.embedder.name, self.embedder.dim)
            prepared = self._prepare(data, collect_files(folders), report)
            if previous and not force:
                _refuse_shrinking(previous, len(prepared), folders)
            self._apply(data, prepared, True, report)
            self._commit(data)
        report.seconds = time.time() - started
        return report

    def build_from_articles(self, articles: Sequence[CleanArticle]) -> IndexReport:
        """Index already-clean articles from scratch (evaluation sets come this way)."""
        started = time.time()
        with self._writing():
            data = IndexData.empty(self.embedder.name, self.embedder.dim)
            report = IndexReport()
            self._apply(data, [(a, article_hash(a)) for a in articles], True, report)
            self._commit(data)
        report.seconds = time.time() - started
        return report

    def remove(self, article_id: str) -> ArticleInfo:
        """Drop one article from the index (its file is left alone)."""
        with self._writing():
            data = self._current_for_update()
            record = data.articles.get(article_id)
            if record is None:
                known = ", ".join(sorted(data.articles)[:10]) or "none"
                raise UnknownArticleError(
                    f"No article with id '{article_id}' is indexed; known ids: {known}."
                )
            self._drop(data, [article_id])
            self._commit(data)
        return record.info()

    def _prepare(self, data: IndexData, files: list[Path], report: IndexReport) -> list[tuple[CleanArticle, str]]:
        """Read and clean ``files``; articles a file no longer holds are dropped from ``data``."""
        taken = {aid: rec.source for aid, rec in data.articles.items()}
        prepared: list[tuple[CleanArticle, str]] = []
        for i, path in enumerate(files):
            self._report("reading", i, len(files))
            source = str(path.resolve())
            try:
                base = unique_base_id(path, taken)
                articles = load_articles(path.resolve(), base)
            except ArticleError as exc:
                report.failed.append((str(path), str(exc)))
                continue
            # Articles this file held before but no longer holds go too.
            stale = [aid for aid, rec in data.articles.items()
                     if rec.source == source and aid not in {a.article_id for a in articles}]
            if stale:
                report.removed.extend(data.articles[a].info() for a in stale)
                self._drop(data, stale)
            for article in articles:
                taken[article.article_id] = source
                prepared.append((article, article_hash(article)))
        self._report("reading", len(files), len(files))
        return prepared

    def _apply(
        self, data: IndexData, prepared: list[tuple[CleanArticle, str]], replace_all: bool, report: IndexReport
    ) -> None:
        """Insert new and changed articles into ``data``; unchanged ones are only reported."""
        todo: list[tuple[CleanArticle, str]] = []
        for article, digest in prepared:
            existing = data.articles.get(article.article_id)
            if existing is not None and existing.content_hash == digest and not replace_all:
                report.unchanged.append(existing.info())
            else:
                todo.append((article, digest))
        if todo:
            self._drop(data, [a.article_id for a, _ in todo if a.article_id in data.articles])
            report.embedded_chunks = self._insert(data, todo)
            report.added.extend(data.articles[a.article_id].info() for a, _ in todo)

    def _insert(self, data: IndexData, todo: list[tuple[CleanArticle, str]]) -> int:
        """Chunk, tokenise and embed new articles into ``data``; returns how many chunks were embedded."""
        s = self.settings
        extracted = [extract(article.paragraphs) for article, _ in todo]
        # Names learned from the new articles stay whole for jieba before any of them is tokenised.
        names = [str(p["name"]) for people, _ in extracted for p in people]
        self._learn_words(data, names + [w for article, _ in todo for w in quoted_terms(article.text)])
        new_rows: list[ChunkRow] = []
        next_id = data.next_id
        for (article, digest), (people, statements) in zip(todo, extracted, strict=True):
            chunks = chunk_article(article, s.chunk_target, s.chunk_max)
            ids = list(range(next_id, next_id + len(chunks)))
            next_id += len(chunks)
            new_rows.extend(ChunkRow(i, chunk, content_hash(chunk.text)) for i, chunk in zip(ids, chunks, strict=True))
            data.articles[article.article_id] = ArticleRecord(
                article_id=article.article_id,
                title=article.title,
                source=article.source,
                content_hash=digest,
                paragraphs=article.paragraphs,
                chunk_ids=ids,
                terms=[self.analyzer.terms(p.text) for p in article.paragraphs],
                people=people,
                statements=statements,
            )
        simplify = to_simplified if s.simplify_for_embedding else str
        texts = [simplify(row.chunk.text) for row in new_rows]
        total = len(texts)
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            self._report("embedding", done, total)

        self._report("embedding", 0, total)
        vectors, embedded = embed_passages(self.embedder, texts, self.cache, step)
        if new_rows:
            data.vectors.add_with_ids(vectors, np.array([r.id for r in new_rows], dtype=np.int64))
        data.rows.extend(new_rows)
        return embedded

    def _learn_words(self, data: IndexData, words: list[str]) -> None:
        """Keep new names whole in jieba; re-tokenise the stored paragraphs that contain them."""
        new = sorted(set(words) - set(data.user_words))
        if not new:
            return
        data.user_words = sorted(set(data.user_words) | set(new))
        self.analyzer.add_words(new)
        for aid, record in list(data.articles.items()):
            if any(word in p.text for word in new for p in record.paragraphs):
                data.articles[aid] = replace(record, terms=[self.analyzer.terms(p.text) for p in record.paragraphs])

    def _drop(self, data: IndexData, article_ids: list[str]) -> None:
        # Chunks are found by the article they belong to, not by the ids the article lists: a list that
        # disagrees with the chunks must never take another article's chunk with it.
        dropped = {aid for aid in article_ids if data.articles.pop(aid, None) is not None}
        gone = {row.id for row in data.rows if row.chunk.article_id in dropped}
        if gone:
            data.vectors.remove_ids(np.array(sorted(gone), dtype=np.int64))
            data.rows = [r for r in data.rows if r.id not in gone]

    def _commit(self, data: IndexData) -> None:
        self._report("saving", 0, 1)
        data.bm25 = store.build_bm25(data.articles)
        store.save(self.settings.index_dir, data)
        self._install(data)
        self._report("saving", 1, 1)

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)


def _refuse_shrinking(previous: int, new: int, folders: Sequence[Path]) -> None:
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
