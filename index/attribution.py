"""The engine's entry to who-said-what; the code lives in :mod:`index.speakers`."""

from __future__ import annotations

import threading
from collections.abc import Callable

from index.speakers.attribution import Attribution, extract

__all__ = ["Attribution", "LazyAttribution", "extract"]


class LazyAttribution:
    """One snapshot's who-said-what, set up on first use: a process that only adds articles (the
    ``quotebot index add`` command) never reads every article's people and statements."""

    def __init__(self, build: Callable[[], Attribution] | None = None, ready: Attribution | None = None) -> None:
        self._build = build
        self._value = ready
        self._lock = threading.Lock()

    def get(self) -> Attribution:
        with self._lock:
            if self._value is None:
                if self._build is None:
                    raise ValueError("a lazy attribution needs a way to build it")
                self._value = self._build()
                self._build = None
            return self._value

    def built(self) -> Attribution | None:
        """The attribution if it was set up already, else None (without setting it up)."""
        with self._lock:
            return self._value
