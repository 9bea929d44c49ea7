"""What every handler shares: the typed ``bot_data`` (:class:`BotData`) and the handler context type."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.access import Access, RateLimiter
from bot.callbacks import CallbackStore
from bot.feedback import FeedbackStore
from bot.limits import Limits
from bot.telegram.metrics import Metrics
from bot.telegram.sending import Sender
from bot.telegram.workload import Workload
from index import Answer, ArticleInfo, Paragraph


class Report(Protocol):
    """What the engine reports after adding files or rebuilding."""

    @property
    def added(self) -> Sequence[ArticleInfo]: ...
    @property
    def unchanged(self) -> Sequence[ArticleInfo]: ...
    @property
    def failed(self) -> Sequence[tuple[str, str]]: ...
    @property
    def embedded_chunks(self) -> int: ...


class Engine(Protocol):
    """The part of :class:`index.QuoteEngine` the bot uses; every method is thread-safe."""

    @property
    def articles_dir(self) -> Path: ...
    def ask(self, question: str, top_k: int = 3, cursor: str | None = None) -> Answer: ...
    def articles(self) -> list[ArticleInfo]: ...
    def paragraph(self, article_id: str, number: int) -> Paragraph | None: ...
    def add_files(self, paths: Sequence[Path]) -> Report: ...
    def remove(self, article_id: str) -> ArticleInfo: ...
    def rebuild(self, folders: Sequence[Path] | None = None, force: bool = False) -> Report: ...
    def stats(self) -> dict[str, int]: ...
    def refresh(self) -> bool: ...


class BotData:
    """Everything the handlers share. PTB creates it empty; :func:`bot.telegram.application.build` fills it."""

    engine: Engine
    access: Access
    limiter: RateLimiter
    buttons: CallbackStore
    feedback: FeedbackStore
    limits: Limits
    workload: Workload
    metrics: Metrics
    sender: Sender
    top_k: int
    inline_results: int
    index_watch_seconds: float
    # Show "typing…" when a search has not answered within this many seconds.
    typing_after: float
    # Paths of this server that replies must never show (articles, index, cache, config folder).
    private_paths: list[str]
    # Why the bot must stop (a revoked token), set by the polling request, read by the lifecycle.
    stopping: dict[str, str]
    watcher: asyncio.Task[None] | None

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.questions = 0
        self.watcher = None
        # Index changes run one at a time; questions never wait for this lock.
        self.index_lock = asyncio.Lock()


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)
App = Application[ExtBot[None], Context, dict[Any, Any], dict[Any, Any], BotData, Any]
