"""A value made on first use, once, whatever the thread: what a snapshot serves (its searcher, its
who-said-what) is set up only when a question needs it, so a process that only adds articles (the
``quotebot index add`` command) never pays for it."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    """``make()`` on the first :meth:`get`; or a value made already (``ready``)."""

    def __init__(self, make: Callable[[], T] | None = None, ready: T | None = None) -> None:
        if make is None and ready is None:
            raise ValueError("a lazy value needs a way to make it, or the value")
        self._make = make
        self._value = ready
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            if self._value is None:
                assert self._make is not None
                self._value = self._make()
                self._make = None
            return self._value

    def made(self) -> T | None:
        """The value if it was made already, else None (without making it)."""
        with self._lock:
            return self._value


def lazy_pattern(source: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A regular expression compiled when first used, then kept: for patterns a fresh ``quotebot index
    add`` rarely or never needs, whose CJK classes take milliseconds to compile at import. Kept here
    rather than in ``re``'s own cache, which drops its oldest pattern past 512."""
    compiled: list[re.Pattern[str]] = []

    def get() -> re.Pattern[str]:
        if not compiled:
            compiled.append(re.compile(source, flags))  # two threads may both compile it: the same pattern
        return compiled[0]

    return get
