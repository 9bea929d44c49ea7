"""Concurrency that matches the work.

- Searches run on a small thread pool of their own (``telegram.workload.search_threads``): the embedder
  and FAISS release the GIL, so threads use both cores (``benchmarks/load.py`` compares processes).
- At most ``queue`` questions wait for a search thread; one more is told "busy, try again" at once
  instead of waiting an unbounded time (:class:`Busy`).
- Messages of one chat are handled in the order they came (:class:`ChatOrder`); chats run side by side.
- A button pressed again while its previous press on the same message is still running is answered
  "still working", not queued (:meth:`Workload.press`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import BaseUpdateProcessor

T = TypeVar("T")

# The update being handled, for the log lines written while handling it.
CURRENT_UPDATE: contextvars.ContextVar[int | None] = contextvars.ContextVar("quotebot_update", default=None)


class Busy(Exception):
    """Every search thread is busy and the waiting line is full."""


class Workload:
    def __init__(self, threads: int, queue: int) -> None:
        self.threads = threads
        self.queue = queue
        self.pending = 0
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="quotebot-search")
        self._pressed: set[tuple[int, int]] = set()

    async def search(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` on a search thread, or raise :class:`Busy` when the line is full."""
        if self.pending >= self.threads + self.queue:
            raise Busy
        self.pending += 1
        try:
            loop = asyncio.get_running_loop()
            context = contextvars.copy_context()
            return await loop.run_in_executor(self._pool, functools.partial(context.run, function, *args))
        finally:
            self.pending -= 1

    @contextlib.contextmanager
    def press(self, chat_id: int, message_id: int) -> Iterator[bool]:
        """True for the first press on a message; False while that one is still being answered."""
        key = (chat_id, message_id)
        if key in self._pressed:
            yield False
            return
        self._pressed.add(key)
        try:
            yield True
        finally:
            self._pressed.discard(key)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _ordered_chat(update: object) -> int | None:
    """The chat whose messages must keep their order: messages only, not button presses or inline queries."""
    if isinstance(update, Update) and update.message is not None:
        return update.message.chat_id
    return None


class ChatOrder(BaseUpdateProcessor):
    """Concurrent updates, except that one chat's messages are handled one after another, in order."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        token = CURRENT_UPDATE.set(update.update_id if isinstance(update, Update) else None)
        try:
            chat = _ordered_chat(update)
            if chat is None:
                await coroutine
                return
            lock = self._chats.setdefault(chat, asyncio.Lock())
            self._waiting[chat] = self._waiting.get(chat, 0) + 1
            try:
                async with lock:
                    await coroutine
            finally:
                self._waiting[chat] -= 1
                if not self._waiting[chat]:
                    del self._waiting[chat], self._chats[chat]
        finally:
            CURRENT_UPDATE.reset(token)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down: PTB waits for the updates in hand before calling this."""
