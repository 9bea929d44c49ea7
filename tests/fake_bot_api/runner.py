"""The real PTB application, built by ``bot.telegram.application``, on its own event loop in a thread."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from telegram import Update

from bot.config import PathsConfig, SearchConfig, Settings, TelegramConfig
from bot.telegram import application as telegram_app
from bot.telegram import lifecycle
from bot.telegram.context import App, BotData, Engine
from bot.telegram.lifecycle import WebhookOptions
from bot.telegram.webhook import WebhookServer
from tests.fake_bot_api.core import TOKEN, FakeBotAPI


class BotRunner:
    """The real PTB application on its own event loop in a thread, started and stopped by
    :mod:`bot.telegram.lifecycle` exactly as ``quotebot serve`` does (without the signal handlers)."""

    def __init__(
        self,
        api: FakeBotAPI,
        settings: Settings,
        engine: Engine,
        poll_timeout: int = 1,
        webhook: WebhookOptions | None = None,
    ) -> None:
        self.api = api
        self.settings = settings
        self.engine = engine
        self.poll_timeout = poll_timeout
        self.webhook = webhook
        self.processed: set[int] = set()
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="bot-loop", daemon=True)
        self.app: App | None = None
        self._server: WebhookServer | None = None

    @property
    def data(self) -> BotData:
        assert self.app is not None
        return self.app.bot_data

    def run(self, coroutine: Any, timeout: float = 20.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def start(self) -> BotRunner:
        self._thread.start()
        try:
            self.run(self._start())
        except BaseException:
            self._close_loop()
            raise
        return self

    async def _start(self) -> None:
        app = telegram_app.build(self.settings, self.engine, TOKEN, base_url=self.api.base_url)
        self.app = app
        original = app.process_update

        async def traced(update: object) -> None:
            try:
                await original(update)
            finally:
                if isinstance(update, Update):
                    with self._cond:
                        self.processed.add(update.update_id)
                        self._cond.notify_all()

        app.process_update = traced  # type: ignore[method-assign]
        retries = self.settings.telegram.startup_retries
        self._server = await lifecycle.start(app, retries, self.webhook, poll_timeout=self.poll_timeout)

    def stop(self) -> None:
        try:
            if self.app is not None:
                self.run(lifecycle.stop(self.app, self._server))
        finally:
            self._close_loop()

    def _close_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def wait_processed(self, update_id: int, timeout: float = 10.0) -> None:
        """Block until the application has finished handling ``update_id`` (handlers and errors)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while update_id not in self.processed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"update {update_id} was not processed within {timeout} s")
                self._cond.wait(remaining)


@contextmanager
def running_bot(api: FakeBotAPI, settings: Settings, engine: Engine, **options: Any) -> Iterator[BotRunner]:
    runner = BotRunner(api, settings, engine, **options)
    try:
        yield runner.start()
    finally:
        runner.stop()


def make_settings(root: Path, top_k: int = 3, **telegram: Any) -> Settings:
    """Settings whose every path lies under ``root``; ``telegram`` overrides TelegramConfig keys."""
    paths = PathsConfig(articles=root / "articles", index=root / "index", cache=root / "cache")
    search = SearchConfig(top_k=top_k)
    return Settings(paths=paths, search=search, telegram=TelegramConfig(**telegram), base_dir=root)
