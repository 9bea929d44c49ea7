"""Logging for the CLI and the server: the bot token masked in every record, the update id in every line.

The token is part of every Bot API URL, and PTB, httpx and httpcore log URLs at DEBUG (and PTB quotes
a rejected token in its InvalidToken message), so every log record is masked as it is made: whatever
logger it comes from, at any level, the token never reaches a handler.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from bot.config import TOKEN_ENV
from bot.update_context import CURRENT_UPDATE

MASK = "<token>"
FORMAT = "%(asctime)s %(levelname)s %(name)s [update=%(update_id)s]: %(message)s"


# Tokens handed to protect() besides the one in the environment (tests pass theirs directly).
_tokens: set[str] = set()


def _secrets() -> list[str]:
    found = set(_tokens)
    from_env = os.environ.get(TOKEN_ENV, "").strip()
    if from_env:
        found.add(from_env)
    # A URL-quoted token (file downloads quote the colon) is the same secret.
    return sorted(found | {t.replace(":", "%3A") for t in found}, key=len, reverse=True)


def mask(text: str) -> str:
    """``text`` without the bot token."""
    for secret in _secrets():
        text = text.replace(secret, MASK)
    return text


_factory_installed = False


def _masking_factory(base: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        record.update_id = CURRENT_UPDATE.get() or "-"
        secrets = _secrets()
        if secrets:
            _mask_record(record, secrets)
        return record

    return make


def _mask_record(record: logging.LogRecord, secrets: list[str]) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string is the logging module's to report
        return
    if any(secret in message for secret in secrets):
        record.msg, record.args = mask(message), None
    if record.exc_info and record.exc_info[1] is not None:
        formatted = logging.Formatter().formatException(record.exc_info)
        if any(secret in formatted for secret in secrets):
            record.exc_text, record.exc_info = mask(formatted), None


def setup(debug: bool) -> None:
    """Root logging for a command: WARNING (DEBUG with --debug), every handler masking the token."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    # jieba is chatty; httpx logs every request at INFO.
    for noisy in ("jieba", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)
    protect()


def protect(token: str | None = None) -> None:
    """Mask the token in every log record from now on, whichever logger or handler it meets (idempotent).

    A record factory, not a handler filter: handlers come and go (pytest's, a supervisor's), and a
    filter on a logger does not see the records of its children.
    """
    global _factory_installed
    if token:
        _tokens.add(token)
    if not _factory_installed:
        logging.setLogRecordFactory(_masking_factory(logging.getLogRecordFactory()))
        _factory_installed = True
