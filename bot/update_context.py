"""The Telegram update being handled, for log lines; apart from the Telegram code so that the command
line's logging does not import python-telegram-bot (about 0.3 s of every ``quotebot`` command)."""

from __future__ import annotations

import contextvars

CURRENT_UPDATE: contextvars.ContextVar[int | None] = contextvars.ContextVar("quotebot_update", default=None)
