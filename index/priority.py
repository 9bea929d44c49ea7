"""The lower CPU priority (nice value) bulk work runs at.

The operator may run the bot above the machine's other jobs (systemd's ``Nice=`` and ``CPUWeight=``,
``nice -n -10 quotebot serve``), so that its questions get the cores first. Bulk work (embedding
batches, BM25 workers) runs below the default priority whatever the bot's own: it must never outrank
the bot's questions, nor other programs.

Linux gives each thread its own nice value, and a new thread starts with its creator's, so these
functions act on the calling thread.
"""

from __future__ import annotations

import contextlib
import os
import threading


def own_nice() -> int:
    """The calling thread's nice value (0 where the platform has none)."""
    try:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    except (AttributeError, OSError):
        return 0


def bulk_nice(current: int, increment: int) -> int:
    """The nice value for bulk work of a thread at ``current``: ``increment`` lower, and never above
    the default priority plus ``increment`` (a bot at -10 runs its batches at +5, not at -5)."""
    return min(19, max(current + increment, increment))


def lower(increment: int) -> None:
    """Run the calling thread at :func:`bulk_nice`; an ``increment`` of 0 or less leaves it alone.

    A priority that cannot be changed only costs the serving side some latency, so errors are ignored.
    """
    if increment <= 0:
        return
    with contextlib.suppress(AttributeError, OSError):
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, bulk_nice(own_nice(), increment))
