"""The quote engine: one live index that answers questions and takes updates without stopping.

Readers take the current :class:`Searcher` and use it unlocked; an update builds a new one off to the
side, saves it, and swaps the reference, so questions keep being answered during an update.

Paging belongs here too: the quotes for a question are ranked and de-duplicated once, as one list
(:mod:`index.answering`), and each page is a slice of it, so pressing "more" never repeats a quote and
never skips one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from index import directory, store
from index.articles import article_hash, collect_files
from index.backends import Backend, LocalBackend, open_backend
from index.calibration import calibration_for
from index.embedders import Embedder, usable_cores
from index.embedding_cache import EmbeddingCache
from index.errors import (
    ArticleError,
    FetchError,
    IndexCorruptError,
    IndexStoreError,
    QuoteBotError,
    UnknownArticleError,
)
from index.indexing import Indexer, IndexReport, Progress, refuse_shrinking
from index.lazy import Lazy
from index.lexical import build_bm25, segment_postings, update_bm25
from index.links import Fetcher, LinkArticles, load_link
from index.manifest import read_manifest
from index.normalization import Analyzer
from index.question_cache import CachedQuestions
from index.records import ArticleInfo, Calibration, CleanArticle, Paragraph
from index.results import Answer, NotFound, Page, Reason
from index.settings import TOP_K, EngineSettings
from index.snapshot import Change, IndexData
from index.streaming import BATCH_CHARS, StreamingBuild
from index.vectors import FLAT_LIMIT, IVF_LIMIT

if TYPE_CHECKING:
    # Answering's modules (the searcher, quoting, who-said-what) are imported when a question first
    # needs them: a fresh `quotebot index add` never does, and they cost it about 0.1 s.
    from index.attribution import Attribution
    from index.search import PassageHit, Searcher


_LOG = logging.getLogger(__name__)

# A speaker question (who-said-what answers it, or says who is not quoted) and a question search answers,
# naming a place (its anchors): between them, every part of the answering path. The speaker is asked by
# name, looked up in an index: one asked by role weighs every role holder (seconds at 1M chunks).
_WARM_QUESTIONS = ("张海波说了什么", "青岛港在哪一年建成")


class CursorError(QuoteBotError):
    """A page cursor the engine did not hand out."""


class QuoteEngine:
    """Answers questions from one index directory, and keeps that index up to date."""

    def __init__(self, settings: EngineSettings, embedder: Embedder, progress: Progress | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        # Question vectors outlive index updates: they depend on the model alone.
        # In memory, and in the embedding cache on disk so that they outlive a restart too.
        self.questions = CachedQuestions(embedder, store=lambda: self.cache)
        # Above this many chunks the vectors go into an HNSW graph (index.vectors); tests lower it.
        self.flat_limit = FLAT_LIMIT
        # How many segments an index may have before a save compacts them into one (tests lower it).
        self.max_segments = store.MAX_SEGMENTS
        # Above this many chunks the vectors go into inverted lists instead (index.vectors); tests lower it.
        self.ivf_limit = IVF_LIMIT
        # Text per staged batch of a build from scratch (index.streaming); tests lower it.
        self.batch_chars = BATCH_CHARS
        self.progress = progress
        # Large batches of terms go to worker processes, one per usable core (index.text_workers).
        self.analyzer = Analyzer(cache_dir=settings.cache_dir, workers=usable_cores())
        self._cache: EmbeddingCache | None = None
        self._cache_lock = threading.Lock()
        self._calibration: Calibration | None = None
        self._write = threading.Lock()
        # The snapshot served, and what answers from it (set up on first use: index.lazy).
        self._live: IndexData | None = None
        self._searcher: Lazy[Searcher] | None = None
        self._attribution: Lazy[Attribution] | None = None
        # Once warmed (a serving process), every later snapshot is made ready before it is served.
        self._warmed = False
        self._backend: Backend | None = None
        # How links are fetched (tests and the bot may bring their own client).
        self.fetcher: Fetcher | None = None
        # What "today" is for time words in questions (tests set a fixed day).
        self.today: Callable[[], dt.date] = dt.date.today
        self.started = time.time()
        self.indexer = Indexer(
            embedder, self.analyzer, lambda: self.cache, settings.chunk_target, settings.chunk_max,
            settings.simplify_for_embedding, settings.limits, progress,
        )

    # -- opening ---------------------------------------------------------------------------------

    def embed_every_question(self) -> None:
        """Run the model for every question, remembering none: what latency measurements must time."""
        self.questions = CachedQuestions(self.embedder, size=0)
        searcher = self._searcher.made() if self._searcher is not None else None
        if searcher is not None:
            searcher.embedder = self.questions

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
                # The reason names its file already: the folder is not printed again in front of it.
                others = len(report.failed) - 1
                more = f" ({others} other file{'s' if others != 1 else ''} failed too)" if others else ""
                raise ArticleError(f"No article could be indexed{more}: {report.failed[0][1]}")
        return engine

    def _check_location(self) -> None:
        s = self.settings
        protected = [("the articles folder", s.articles_dir)]
        if s.config_file is not None:
            protected.append(("the config file", s.config_file))
        directory.check_location(s.index_dir, protected)

    @property
    def articles_dir(self) -> Path:
        return self.settings.articles_dir

    @property
    def cache(self) -> EmbeddingCache:
        # Questions reach it from several serving threads at once: one connection for all of them.
        with self._cache_lock:
            if self._cache is None:
                self._cache = EmbeddingCache(self.settings.cache_dir / "embeddings.sqlite")
            return self._cache

    @property
    def backend(self) -> Backend:
        """Where vectors and BM25 are searched (index.backends), connected on first use."""
        if self._backend is None:
            s = self.settings
            self._backend = open_backend(
                s.backend, s.milvus_uri, s.milvus_collection, self.embedder.name, self.embedder.dim)
        return self._backend

    @property
    def calibration(self) -> Calibration:
        """The embedder's score calibration, measured once per engine (stored with every index it writes)."""
        if self._calibration is None:
            self._calibration = calibration_for(self.embedder)
        return self._calibration

    @property
    def searcher(self) -> Searcher:
        searcher = self._searcher
        if searcher is None:
            raise QuoteBotError("The index is not loaded.")
        return searcher.get()

    @property
    def data(self) -> IndexData:
        """The snapshot being served (reading it sets no searcher up)."""
        live = self._live
        if live is None:
            raise QuoteBotError("The index is not loaded.")
        return live

    @property
    def attribution(self) -> Attribution:
        if self._attribution is None:
            raise QuoteBotError("The index is not loaded.")
        return self._attribution.get()

    def _install(self, data: IndexData, change: Change | None = None) -> None:
        """Serve ``data``; ``change``: what an update of the live snapshot took out and put in, so that
        who-said-what is updated for those articles instead of set up again over the whole index."""
        if data.embedder == self.embedder.name:
            self._calibration = data.calibration
        if data.user_words:
            self.analyzer.add_words(data.user_words)
        s = self.settings
        retrieval = self.backend.for_snapshot(data)

        def make_searcher() -> Searcher:
            from index.search import Searcher

            return Searcher(data, self.questions, s.dense_weight, s.candidates, s.simplify_for_embedding,
                            s.refuse_unanchored, retrieval)

        searcher = Lazy(make_searcher)
        articles = data.articles
        previous = self._attribution.made() if self._attribution is not None and change is not None else None
        if previous is not None and change is not None:
            attribution = Lazy(ready=previous.updated(change[0], change[1], articles.__getitem__, data.containing))
        else:
            attribution = Lazy(lambda: _attribution_of(data))
        if self._warmed:
            # Made here, by the update, while questions still go to the snapshot before: the first
            # question after an update would otherwise wait for them (0.2 s at 100k chunks).
            try:
                self._rehearse(searcher.get(), attribution.get())
            except Exception:  # the index is written: serve it, and let a real question meet the fault
                _LOG.exception("Warming the updated index failed; its first question will set it up.")
        # Readers take both references; they may briefly pair an old searcher with a new attribution,
        # which is harmless: each answers from its own complete snapshot.
        self._live, self._searcher, self._attribution = data, searcher, attribution

    # -- reading ---------------------------------------------------------------------------------

    def warm(self) -> None:
        """Make now what the first question would: the searcher and who-said-what over this snapshot,
        the answering code, the anchors' tag dictionary and jieba's entries. The first user after a
        start then does not wait for them (0.7 s on the sample index, most of it the tag dictionary;
        at 100k chunks the searcher's layout too). From then on, each update makes the new snapshot's
        searcher and who-said-what, and answers the same questions over them, before it serves it."""
        self._rehearse(self.searcher, self.attribution)
        self._warmed = True

    def _rehearse(self, searcher: Searcher, attribution: Attribution) -> None:
        """Answer the warm-up questions over ``searcher`` and ``attribution``, answers dropped: what
        they set up lazily (per snapshot, as BM25's score ceiling, or per process) is set up now."""
        from index.answering import QuoteRanker

        ranker = QuoteRanker(searcher, attribution, self.settings.threshold, self.settings.max_quote_chars)
        for question in _WARM_QUESTIONS:
            ranker.rank(question, TOP_K + 1, 0, self.today())

    def ask(self, question: str, top_k: int = TOP_K, cursor: str | None = None) -> Answer:
        """A page of quotes that answer ``question``, best first, or why there is none.

        ``cursor`` is a previous page's ``next_cursor``: the page after it.
        """
        return self.ask_ranked(question, top_k, cursor)[0]

    def ask_ranked(
        self, question: str, top_k: int = TOP_K, cursor: str | None = None, depth: int = 0
    ) -> tuple[Answer, list[PassageHit]]:
        """:meth:`ask`, plus at least ``depth`` ranked passages behind it (for evaluation)."""
        from index.answering import QuoteRanker

        start = _offset(cursor)
        question = question.strip()
        if not question:
            return NotFound(question, Reason.EMPTY), []
        if len(question) > self.settings.max_question_chars:
            return NotFound(question[: self.settings.max_question_chars], Reason.TOO_LONG), []
        ranker = QuoteRanker(self.searcher, self.attribution, self.settings.threshold, self.settings.max_quote_chars)
        wanted = start + top_k + 1  # one more than the page shows tells whether another page follows
        quotes, ranked = ranker.rank(question, wanted, depth, self.today())
        if isinstance(quotes, NotFound):
            return quotes, ranked
        if not quotes:
            return NotFound(question, Reason.NO_MATCH), ranked
        page = quotes[start : start + top_k]
        if not page:
            return NotFound(question, Reason.NO_MORE), ranked
        more = len(quotes) > start + top_k
        return Page(question, page, more, str(start + top_k) if more else None, start), ranked

    def article(self, article_id: str) -> CleanArticle:
        """The cleaned article as indexed: its paragraphs and what is known of it."""
        record = self.data.articles.get(article_id)
        if record is None:
            raise UnknownArticleError(self._unknown(article_id, self.data))
        return CleanArticle(record.article_id, record.title, record.source, record.paragraphs,
                            record.date, record.outlet, record.author, record.url)

    def indexed_contents(self, hashes: Collection[str]) -> set[str]:
        """Which of ``hashes`` (title and text, :func:`index.articles.content_hash`) an indexed article
        has: a look-up in an index of the articles files, not a read of every article."""
        return self.data.indexed_texts(hashes)

    def articles(self) -> list[ArticleInfo]:
        data = self.data
        return sorted((a.info() for a in data.articles.values()), key=lambda a: a.article_id)

    def paragraph(self, article_id: str, number: int) -> Paragraph | None:
        article = self.data.articles.get(article_id)
        if article is None or not 0 <= number < len(article.paragraphs):
            return None
        return article.paragraphs[number]

    def stats(self) -> dict[str, int]:
        data = self.data
        return {
            "articles": len(data.articles),
            "chunks": data.chunk_count,
            "generation": data.generation,
            "uptime_s": int(time.time() - self.started),
        }

    def refresh(self) -> bool:
        """Load the index again if another process (the CLI) has made a newer generation live since.

        True when it did. A manifest that cannot be read, or a generation that does not load, leaves
        the live index serving: the next refresh tries again.
        """
        idx = self.settings.index_dir
        live = self._live
        try:
            if live is not None and read_manifest(idx).generation == live.generation:
                return False
            with self._write:
                self._install(store.load(idx, self.embedder.name, self.embedder.dim, live))
        except IndexStoreError:
            return False
        return True

    # -- writing ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """This engine's write lock and the directory's, on a directory QuoteBot owns."""
        self._check_location()
        directory.claim(self.settings.index_dir)
        with self._write, directory.write_lock(self.settings.index_dir):
            yield

    def _empty(self) -> IndexData:
        return IndexData.empty(self.embedder.name, self.embedder.dim, self.calibration)

    def _current_for_update(self) -> IndexData:
        """A private copy of the live index to modify (the live one keeps serving questions)."""
        idx = self.settings.index_dir
        live = self._live
        found = directory.status(idx)
        if found is directory.Status.INDEX:
            if live is None or live.generation != read_manifest(idx).generation:
                # Another process updated the index since we loaded it: start from what is on disk.
                live = store.load(idx, self.embedder.name, self.embedder.dim, live)
        elif found is directory.Status.ORPHANED or live is not None:
            raise IndexCorruptError(
                f"The index at {idx} has lost its manifest.json; rebuild it with 'quotebot index build'."
            )
        if live is None:
            empty = self._empty()
            self.backend.remember(empty)
            return empty
        copy = live.for_update()
        self.backend.remember(copy)
        return copy

    def add_files(self, paths: Sequence[Path]) -> IndexReport:
        """Index new or changed files; unchanged articles and cached chunks are not re-embedded."""
        return self.add(paths)

    def add_urls(self, urls: Sequence[str]) -> IndexReport:
        """Fetch links and index what they hold, with the URL as the source (see :meth:`add`)."""
        return self.add((), urls)

    def add(self, paths: Sequence[Path] = (), urls: Sequence[str] = ()) -> IndexReport:
        """Index files and links in one update; a link or file that fails is reported, the others go in.

        Links are fetched and cleaned before the index is locked. An article's id comes from its file
        name or its URL, so adding the same file or link again updates its articles (re-embedding only
        what changed) instead of adding them twice.
        """
        started = time.time()
        files = collect_files(paths, self.settings.limits.max_files)
        report = IndexReport()
        links = []
        for i, url in enumerate(urls):
            self._report("fetching", i, len(urls))
            try:
                links.append(load_link(url, self.fetcher, self.settings.limits))
            except (FetchError, ArticleError) as exc:
                report.failed.append((url, str(exc)))
        self._report("fetching", len(urls), len(urls))
        self._add(files, links, report)
        report.seconds = time.time() - started
        return report

    def add_links(self, links: Sequence[LinkArticles]) -> IndexReport:
        """Index articles already fetched from links (a feed poll brings them this way)."""
        started = time.time()
        report = IndexReport()
        self._add([], links, report)
        report.seconds = time.time() - started
        return report

    def _add(self, files: list[Path], links: Sequence[LinkArticles], report: IndexReport) -> None:
        if not files and not links:
            return
        with self._writing():
            data = self._current_for_update()
            before = None if data.bm25_by_segment else data.passage_keys()
            prepared = self.indexer.prepare(data, files, report) + self.indexer.prepare_links(data, links, report)
            self.indexer.apply(data, prepared, False, report)
            # Nothing new: the live generation stays, rather than a copy of it.
            if report.added or report.removed:
                self._commit(data, before)

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
                manifest = read_manifest(idx)
                previous: int | None = manifest.counts.articles
                if manifest.embedder == self.embedder.name and self._calibration is None:
                    # Measured when the index was first built; measuring again would give the same.
                    self._calibration = Calibration(manifest.calibration.floor, manifest.calibration.ceiling)
            except IndexCorruptError:
                previous = None
                report.damaged_manifest = directory.set_aside(idx)
            except IndexStoreError:
                previous = None  # no index yet, or one of another format or model: nothing to compare
            files = collect_files(folders, self.settings.limits.max_files)
            if previous and not force:
                # Counted before anything is embedded: a refused rebuild costs a reading of the files.
                refuse_shrinking(previous, self.indexer.count(files), folders)
            self._build(self.indexer.read(files, report), report)
        report.seconds = time.time() - started
        return report

    def build_from_articles(self, articles: Iterable[CleanArticle]) -> IndexReport:
        """Index already-clean articles from scratch (evaluation sets come this way)."""
        started = time.time()
        with self._writing():
            report = IndexReport()
            self._build(((a, article_hash(a)) for a in articles), report)
        report.seconds = time.time() - started
        return report

    def _build(self, articles: Iterator[tuple[CleanArticle, str]], report: IndexReport) -> None:
        """Index ``articles`` from scratch and make them the live index. On the local backend they
        stream through staged segments (index.streaming): memory stays flat however many there are."""
        if not isinstance(self.backend, LocalBackend):
            data = self._empty()
            self.indexer.apply(data, list(articles), True, report)
            self._commit(data)
            return
        build = StreamingBuild(self.settings.index_dir, self.indexer, self.embedder.name, self.embedder.dim,
                               self.calibration, self.flat_limit, self.ivf_limit, self.batch_chars)
        try:
            build.add(articles, report)
            if not build.count:
                build.abort()
                self._commit(self._empty())
                return
            self._report("saving", 0, 1)
            data = build.finish()
        except OSError as exc:
            build.abort()
            raise IndexStoreError(f"Cannot write the index at {build.index_dir}: {exc.strerror or exc}.") from exc
        except BaseException:
            build.abort()
            raise
        self._install(data)
        self._report("saving", 1, 1)

    def remove(self, article_id: str) -> ArticleInfo:
        """Drop one article from the index (its file is left alone)."""
        with self._writing():
            data = self._current_for_update()
            before = None if data.bm25_by_segment else data.passage_keys()
            record = data.articles.get(article_id)
            if record is None:
                raise UnknownArticleError(self._unknown(article_id, data))
            self.indexer.drop(data, [article_id])
            self._commit(data, before)
        return record.info()

    @staticmethod
    def _unknown(article_id: str, data: IndexData) -> str:
        known = ", ".join(sorted(data.articles)[:10]) or "none"
        return f"No article with id '{article_id}' is indexed; known ids: {known}."

    def _commit(self, data: IndexData, before: list[tuple[str, int]] | None = None) -> None:
        """Save ``data``; ``before``: its passages when ``data.bm25`` was theirs (an update of them).

        The articles of the saved segments that are still live kept their terms; the pending ones are
        new or changed (:meth:`IndexData.for_update`)."""
        self._report("saving", 0, 1)
        change = self._change(data)
        if data.bm25_by_segment:
            # The saved segments' postings as they are, tombstones, and the pending articles': O(change).
            data.bm25 = segment_postings(data) if data.segments or data.pending else None
        elif before is None:
            data.bm25 = build_bm25(data.terms())
        else:
            fresh = {aid: p.record.terms for aid, p in data.pending.items()}
            data.bm25 = update_bm25(before, data.bm25, data.where(), data.passage_keys(), fresh, data.terms)
        index_dir = self.settings.index_dir
        self.backend.commit(index_dir, data, lambda: store.save(index_dir, data, self.flat_limit, self.max_segments,
                                                                        self.ivf_limit))
        self._install(data, change)
        self._report("saving", 1, 1)

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def _change(self, data: IndexData) -> Change | None:
        """What ``data`` changes in the snapshot being served; None when it is not an update of it."""
        live = self._live
        if live is None or live.generation != data.generation or not data.generation:
            return None
        return data.change_from(live)


def _attribution_of(data: IndexData) -> Attribution:
    """Who-said-what over ``data``: through the segments' name tables when every segment has one (no
    article is read until a question is about it), else from every article's stored people and statements."""
    # Imported here: a fresh process that only adds articles never answers.
    from index.attribution import Attribution
    from index.speaker_pool import TablePool

    articles = data.articles
    layers = data.speaker_layers()
    if layers is None:
        return Attribution.lazy(data.speakers(), articles.__getitem__, data.containing)
    pending = [(aid, (p.record.people, p.record.statements)) for aid, p in data.pending.items()]
    return Attribution.over(TablePool.of(layers, pending, articles.__getitem__), data.containing)


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit() or len(cursor) > 6:
        raise CursorError(f"'{cursor[:20]}' is not a page cursor this engine handed out.")
    return int(cursor)
