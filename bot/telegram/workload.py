"""Concurrency that matches the work.

- Searches run on a small thread pool of their own (``telegram.search_threads``): the embedder and
  FAISS release the GIL, so threads use the cores (``benchmarks/search_workers.py`` compares processes).
- A question is admitted when it arrives (:meth:`Workload.admit`), counting every question not yet
  answered, also those waiting for their chat's turn. Beyond ``search_threads + search_queue`` of them,
  or when the expected wait (from the measured search time) passes ``max_wait_seconds``, it is told
  "busy, try again" at once instead of waiting an unbounded time (:class:`Busy`).
- Questions of one chat are answered in the order they came (:meth:`Workload.turn`); chats run side
  by side. :class:`ChatOrder` only marks each update's log lines with its id.
- A button pressed again while its previous press on the same message is still running is answered
  "still working", not queued (:meth:`Workload.press`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.update_context import CURRENT_UPDATE

T = TypeVar("T")


class Busy(Exception):
    """Every search thread is busy and the waiting line is full."""


class Workload:
    def __init__(self, threads: int, queue: int, max_wait: float = 1.0) -> None:
        self.threads = threads
        self.queue = queue
        self.max_wait = max_wait
        self.pending = 0  # questions admitted and not yet answered
        # Seconds one search takes, smoothed; the first questions are admitted on this guess.
        self.service = 0.05
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="quotebot-search")
        self._pressed: set[tuple[int, int]] = set()
        self._turns: dict[int, asyncio.Lock] = {}

    def expected_wait(self) -> float:
        """How long a question admitted now would wait for a search thread."""
        ahead = max(0, self.pending + 1 - self.threads)
        return ahead * self.service / self.threads

    @contextlib.contextmanager
    def admit(self) -> Iterator[None]:
        """Count a question from its arrival to its answer, or raise :class:`Busy` when the line is full."""
        if self.pending >= self.threads + self.queue or self.expected_wait() > self.max_wait:
            raise Busy
        self.pending += 1
        try:
            yield
        finally:
            self.pending -= 1

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """The chat's turn: its questions are answered one after another, in the order they came."""
        lock = self._turns.setdefault(chat_id, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and self._turns.get(chat_id) is lock:
                del self._turns[chat_id]

    async def search(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` on a search thread."""
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        started = time.monotonic()
        try:
            return await loop.run_in_executor(self._pool, functools.partial(context.run, function, *args))
        finally:
            self.service = 0.8 * self.service + 0.2 * (time.monotonic() - started)

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


class ChatOrder(BaseUpdateProcessor):
    """Updates handled side by side, each with its id set for the log lines written while handling it."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        token = CURRENT_UPDATE.set(update.update_id if isinstance(update, Update) else None)
        try:
            await coroutine
        finally:
            CURRENT_UPDATE.reset(token)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down: PTB waits for the updates in hand before calling this."""
