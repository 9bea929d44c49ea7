"""Who may use the bot, and how often: admins, the optional chat allow-list and a per-user rate limit."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass


class Access:
    """Admins by Telegram user id; an empty allow-list means every chat is served."""

    def __init__(self, admins: Iterable[int], allowed_chats: Iterable[int]) -> None:
        self.admins = frozenset(admins)
        self.allowed_chats = frozenset(allowed_chats)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admins

    def allows(self, chat_id: int | None, user_id: int | None) -> bool:
        """Whether to serve an update from ``chat_id`` (None for inline queries, which have no chat)."""
        if not self.allowed_chats:
            return True
        if chat_id is None:
            # An inline query may come from any chat; the user's own private chat stands for it.
            return self.is_admin(user_id) or user_id in self.allowed_chats
        # An admin's private chat has the admin's user id as its chat id.
        return chat_id in self.allowed_chats or (self.is_admin(user_id) and chat_id == user_id)


@dataclass(frozen=True)
class Verdict:
    """Whether a question may go ahead; if not, how long to wait and whether to say so."""

    allowed: bool
    wait: float = 0.0
    # Only the first refused message of a burst gets the friendly notice: answering every message of a
    # flood with a notice would be a flood of our own.
    notify: bool = False


class RateLimiter:
    """At most ``messages`` questions per user in any ``per_seconds`` window (a sliding log)."""

    def __init__(self, messages: int, per_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.messages = messages
        self.per_seconds = per_seconds
        self._clock = clock
        self._log: dict[int, deque[float]] = {}
        self._notified_until: dict[int, float] = {}
        self._hits = 0

    def hit(self, user_id: int) -> Verdict:
        """Count one question of ``user_id`` if the window allows it."""
        now = self._clock()
        self._hits += 1
        if self._hits % 1000 == 0:
            self._forget_idle(now)
        log = self._log.setdefault(user_id, deque())
        while log and log[0] <= now - self.per_seconds:
            log.popleft()
        if len(log) < self.messages:
            log.append(now)
            return Verdict(True)
        free_at = log[0] + self.per_seconds
        notify = self._notified_until.get(user_id, float("-inf")) <= now
        if notify:
            self._notified_until[user_id] = free_at
        return Verdict(False, wait=free_at - now, notify=notify)

    def _forget_idle(self, now: float) -> None:
        # Users who have not asked within the window need no memory; without this the maps only grow.
        idle = [u for u, log in self._log.items() if not log or log[-1] <= now - self.per_seconds]
        for user in idle:
            del self._log[user]
            self._notified_until.pop(user, None)
